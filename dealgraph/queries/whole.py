"""The whole counterparty network in figures, read compactly from either store.

``summary`` and ``components`` need counts (entities by kind and country, deals by
kind and status, the date range, value per currency) and which entity is party to
which deal. Neither needs the records themselves, so neither reads the whole graph:

- the counts are aggregations done by the store (SQL ``GROUP BY`` on the embedded
  store, Cypher aggregations on Neo4j, values as parameters);
- the connected groups come from the (entity id, deal id) pairs of the deals in force
  only, turned into integers and joined by union-find (``groups``).

``read_network`` gives a ``Network`` from a store; ``network_of_graph`` gives the same
from a store-shaped NetworkX graph (the NetworkX twin both queries keep, which the
tests compare the store reads with).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..graph.model import MODEL
from ..report import task
from . import access
from .access.neo4j import NETWORK_STATEMENTS
from .counterparty import ENTITY_LABELS, PARTY, in_force, is_deal

__all__ = ["Network", "read_network", "network_of_graph", "groups", "CYPHER_STATEMENTS"]


@dataclass
class Network:
    """What the whole-network queries read, as of ``as_of``.

    ``pairs`` are the distinct (entity id, deal id) party pairs of the deals in force;
    ``entity_ids`` every entity's id (only when asked for: entities without any deal
    are otherwise counted, not listed); ``names(ids)`` the names of some entities."""
    as_of: str | None
    entities: dict[str, int]            # by kind label
    countries: dict[str, int]           # by stored country code
    deals: int                          # in force
    kinds: dict[str | None, int]
    statuses: dict[str | None, int]
    first: str | None
    last: str | None
    money: dict[str, int | float]       # disclosed value per currency
    pairs: list[tuple[str, str]]
    entity_ids: list[str] | None = None
    names: Callable[[list[str]], dict[str, str | None]] = field(default=lambda ids: {})


# shown as the Cypher of ``summary`` and ``components``: what Neo4j runs for them
CYPHER_STATEMENTS = NETWORK_STATEMENTS


def read_network(store, as_of: str | None, entity_ids: bool = False,
                 counts: bool = True) -> Network:
    """The ``Network`` of ``store`` as of ``as_of``, from aggregations (left out, as
    zeros, without ``counts``) and the party pairs (plus every entity id with
    ``entity_ids``), read by ``access.network_parts``; inside one read transaction."""
    with store.reading(), task("reading the network", total=None):
        parts = access.network_parts(store, as_of, entity_ids, counts)
        return _network(as_of, parts["entities"], parts["countries"], parts["deal_rows"],
                        parts["money"], parts["pairs"], parts["ids"], _names_reader(store))


def _names_reader(store):
    def names(ids):
        return {i: f.get("name") for i, f in access.node_fields(store, ids, ("name",)).items()}
    return names


def _network(as_of, entities, countries, deal_rows, money, pairs, ids, names) -> Network:
    kinds: dict = {}
    statuses: dict = {}
    firsts, lasts = [], []
    for r in deal_rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + r["n"]
        statuses[r["status"]] = statuses.get(r["status"], 0) + r["n"]
        if r["first"] is not None:
            firsts.append(str(r["first"]))
            lasts.append(str(r["last"]))
    by_label = {MODEL.kinds[k].label: 0 for k in MODEL.entity_kinds}
    by_label.update(entities)
    return Network(as_of, by_label, countries, sum(kinds.values()), kinds, statuses,
                   min(firsts) if firsts else None, max(lasts) if lasts else None,
                   money, pairs, ids, names)


def network_of_graph(g, as_of: str | None, entity_ids: bool = False) -> Network:
    """The ``Network`` of a store-shaped MultiDiGraph (see ``counterparty``), walked in
    Python: what the store reads must equal it."""
    entities = [n for n, a in g.nodes(data=True) if a.get("label") in ENTITY_LABELS]
    by_label: dict[str, int] = {}
    countries: dict[str, int] = {}
    for e in entities:
        attrs = g.nodes[e]
        by_label[attrs["label"]] = by_label.get(attrs["label"], 0) + 1
        value = attrs.get("country")
        for code in (value if isinstance(value, list) else [value] if value else []):
            if code:
                countries[code] = countries.get(code, 0) + 1
    deal_rows, money, pairs = [], {}, set()
    for d in g.nodes:
        if not (is_deal(g, d) and in_force(g, d, as_of)):
            continue
        attrs = g.nodes[d]
        announced = str(attrs["announced"]) if attrs.get("announced") else None
        deal_rows.append({"kind": attrs.get("kind"), "status": attrs.get("status"), "n": 1,
                          "first": announced, "last": announced})
        if attrs.get("value") is not None and attrs.get("currency"):
            money[attrs["currency"]] = money.get(attrs["currency"], 0) + attrs["value"]
        pairs.update((src, d) for src, _, a in g.in_edges(d, data=True)
                     if a.get("type") == PARTY and g.nodes[src].get("label") in ENTITY_LABELS)
    return _network(as_of, by_label, countries, deal_rows, money, sorted(pairs),
                    sorted(entities) if entity_ids else None,
                    lambda ids: {i: g.nodes[i].get("name") for i in ids if i in g})


_STEP = 100_000  # party pairs joined between two reports of progress


def groups(network: Network) -> tuple[list[tuple[list[str], int]], dict[str, int]]:
    """The connected groups of entities linked by the network's deals (union-find over
    integers), each as (sorted member ids, number of deals inside), for the entities
    party to a deal, plus every other entity of ``entity_ids`` alone with 0 deals; and
    each entity's number of deals."""
    index: dict[str, int] = {}
    deal_first: dict[str, int] = {}  # each deal's first party
    parent: list[int] = []
    deal_count: list[int] = []

    def root(x: int) -> int:
        r = x
        while parent[r] != r:
            r = parent[r]
        while parent[x] != r:  # path compression
            parent[x], x = r, parent[x]
        return r

    pairs = network.pairs
    with task("components: party pairs", total=len(pairs)) as progress:
        for start in range(0, len(pairs), _STEP):
            for entity, deal in pairs[start:start + _STEP]:
                i = index.get(entity)
                if i is None:
                    i = index[entity] = len(parent)
                    parent.append(i)
                    deal_count.append(0)
                deal_count[i] += 1
                j = deal_first.get(deal)
                if j is None:
                    deal_first[deal] = i
                else:
                    a, b = root(i), root(j)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
            progress.advance(min(_STEP, len(pairs) - start))
    names = list(index)
    members: dict[int, list[str]] = {}
    for i, name in enumerate(names):
        members.setdefault(root(i), []).append(name)
    deals_in: dict[int, int] = {}
    for i in deal_first.values():
        r = root(i)
        deals_in[r] = deals_in.get(r, 0) + 1
    out = [(sorted(m), deals_in.get(r, 0)) for r, m in members.items()]
    if network.entity_ids is not None:
        out += [([e], 0) for e in network.entity_ids if e not in index]
    return out, dict(zip(names, deal_count))
