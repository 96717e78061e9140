"""Reading the counterparty structure from a store-shaped NetworkX graph, for the
NetworkX side of saved queries, and the Cypher snippets the Cypher side shares.

The graph is a MultiDiGraph as ``EmbeddedStore.graph`` or ``Subgraph.to_networkx()``
give it: node attribute ``label`` plus properties; edges entity -> deal with
``type == "PARTY_TO"`` and a ``role``. Two entities are counterparties when both
are parties to one deal that is in force as of the query's ``as_of``.
"""

from __future__ import annotations

from ..graph.dates import deal_in_force
from ..graph.model import MODEL
from . import access

__all__ = ["ENTITY_LABELS", "KIND_LABEL", "is_entity", "is_deal", "entity_deals", "parties",
           "counterparties", "source_titles", "structural_members", "members_graph",
           "node_fields", "Search", "Reach", "reach"]

ENTITY_LABELS = frozenset(MODEL.kinds[k].label for k in MODEL.entity_kinds)
PARTY = "PARTY_TO"

# The kind label of an entity node ``x`` in Cypher (entities also carry ``Entity``).
KIND_LABEL = "[l IN labels({v}) WHERE l <> 'Entity'][0]"


def is_entity(g, n) -> bool:
    return g.nodes[n].get("label") in ENTITY_LABELS


def is_deal(g, n) -> bool:
    return g.nodes[n].get("label") == "Deal"


def in_force(g, deal, as_of) -> bool:
    return deal_in_force(g.nodes[deal], as_of)


def entity_deals(g, entity, as_of) -> dict[str, set[str]]:
    """The in-force deals ``entity`` is party to, each with its roles in it."""
    out: dict[str, set[str]] = {}
    if entity not in g:
        return out
    for _, deal, data in g.out_edges(entity, data=True):
        if data.get("type") == PARTY and is_deal(g, deal) and in_force(g, deal, as_of):
            out.setdefault(deal, set()).add(data.get("role"))
    return out


def parties(g, deal) -> dict[str, set[str]]:
    """The entities party to ``deal``, each with its roles."""
    out: dict[str, set[str]] = {}
    for src, _, data in g.in_edges(deal, data=True):
        if data.get("type") == PARTY and is_entity(g, src):
            out.setdefault(src, set()).add(data.get("role"))
    return out


def counterparties(g, entity, as_of) -> dict[str, set[str]]:
    """Each counterparty of ``entity`` with the in-force deals that link them."""
    out: dict[str, set[str]] = {}
    for deal in entity_deals(g, entity, as_of):
        for other in parties(g, deal):
            if other != entity:
                out.setdefault(other, set()).add(deal)
    return out


def source_titles(g, node) -> list[str]:
    """Titles of the sources ``node`` cites."""
    return sorted({g.nodes[s].get("title") for _, s, data in g.out_edges(node, data=True)
                   if data.get("type") == "CITES" and g.nodes[s].get("title") is not None})


def node_fields(g, n) -> dict:
    """Name and kind label of an entity node."""
    data = g.nodes[n]
    return {"name": data.get("name"), "label": data.get("label")}


def structural_members(g, root, rel_type) -> set[str]:
    """``root`` and every node with a ``rel_type`` path to it (subsidiaries for
    SUBSIDIARY_OF, bodies for PART_OF)."""
    found = {root}
    frontier = [root]
    while frontier:
        nxt = []
        for node in frontier:
            if node not in g:
                continue
            for src, _, data in g.in_edges(node, data=True):
                if data.get("type") == rel_type and src not in found:
                    found.add(src)
                    nxt.append(src)
        frontier = nxt
    return found


def _store_members(store, root, rel_type) -> set[str]:
    """``structural_members`` read through the store's index, without building the
    whole graph."""
    found = {root}
    frontier = {root}
    while frontier:
        frontier = access.linked_from(store, frontier, rel_type) - found
        found |= frontier
    return found


class Search:
    """A breadth-first search over counterparty steps from ``start`` that reads the store
    one step at a time (``access.party_pairs``): distances of the entities found, and for
    each the (entity, deal) steps that reach it from the level before."""

    def __init__(self, start: str):
        self.dist = {start: 0}
        self.frontier = {start}
        self.level = 0
        self.parents: dict[str, set[tuple[str, str]]] = {}
        self.read: set[str] = set()  # deals whose parties are all known

    def step(self, store, as_of) -> None:
        by_deal: dict[str, list[str]] = {}
        for entity, deal in access.party_pairs(store, self.frontier, as_of, self.read):
            by_deal.setdefault(deal, []).append(entity)
        self.read.update(by_deal)
        level, frontier, dist, found = self.level + 1, self.frontier, self.dist, set()
        for deal, members in by_deal.items():
            inside = [m for m in members if m in frontier]
            for m in members:
                d = dist.get(m)
                if d is None:
                    dist[m] = d = level
                    found.add(m)
                if d == level:
                    self.parents.setdefault(m, set()).update((p, deal) for p in inside)
        self.frontier, self.level = found, level

    def back(self, ends) -> tuple[set[str], set[str]]:
        """The entities and deals on the shortest steps from ``start`` to ``ends``."""
        entities, deals, stack = set(ends), set(), list(ends)
        while stack:
            for parent, deal in self.parents.get(stack.pop(), ()):
                deals.add(deal)
                if parent not in entities:
                    entities.add(parent)
                    stack.append(parent)
        return entities, deals


class Reach:
    """What a counterparty search from ``start`` (as of ``as_of``, up to ``hops`` steps)
    found: the ``distance`` of each entity reached (``start`` at 0), their ``fields``
    (name and kind label, as ``node_fields`` gives them) and, when asked for, ``via``:
    for each entity at distance ``hops``, the entities at distance ``hops - 1`` it is a
    counterparty of."""
    __slots__ = ("start", "hops", "as_of", "distance", "fields", "via")

    def __init__(self, start: str, hops: int, as_of, distance: dict[str, int],
                 fields: dict[str, dict], via: dict[str, set[str]] | None = None):
        self.start, self.hops, self.as_of = start, hops, as_of
        self.distance, self.fields, self.via = distance, fields, via


def reach(store, start: str, hops: int, as_of, via: bool = False) -> Reach:
    """A search within ``hops`` counterparty steps of ``start``, read one step at a time
    through the store (``access.counterparties_of``, and for ``via`` the last step by
    ``access.counterparty_pairs``), so only the entities reached are read, never their
    deals. Call it inside one ``store.reading()`` (``SavedQuery.run`` does)."""
    keys = ("name",)
    distance = {start: 0}
    fields = access.node_fields(store, {start}, keys)
    found_via = {} if via else None
    frontier: set[str] = {start}
    level = 0
    while level < hops and frontier:
        level += 1
        if via and level == hops:
            for middle, other in access.counterparty_pairs(store, frontier, as_of):
                if other not in distance:
                    found_via.setdefault(other, set()).add(middle)
            fresh = sorted(found_via)  # in key order, the store reads them faster
            fields.update(access.node_fields(store, fresh, keys))
        else:
            found = access.counterparties_of(store, frontier, as_of, keys)
            fresh = [x for x in found if x not in distance]
            fields.update((x, found[x]) for x in fresh)
        for x in fresh:
            distance[x] = level
        frontier = set(fresh)
    return Reach(start, hops, as_of, distance,
                 {n: {"name": f.get("name"), "label": f.get("label")} for n, f in fields.items()},
                 found_via)


def members_graph(store, root, rel_type, hops: int):
    """The local graph for queries about an entity and its subsidiaries or bodies:
    the ``hops``-step neighbourhood of each member, with the structural links."""
    members = sorted(_store_members(store, root, rel_type))
    # one search from all members at once (it holds their structural links too)
    return store.neighbourhoods(members, hops).to_networkx()
