"""The backbone of a network: the entities with the most deals, and the deals among them.

A million-deal graph does not fit on one page, and a map of it would show nothing
anyway. Its backbone does: the ``n`` entities party to the most deals (ties by id) and
every deal that at least two of them are party to, with what those nodes cite and
their structural links. It is what ``--top N`` selects, and what the map of a whole
graph too big for one page shows (``backbone_within``: the largest ``n`` whose
backbone has at most ``budget`` nodes).

Only (entity, deal) pairs are read (``Store.rel_ends``), kept as integers, so the
choice costs a few hundred bytes per party row however big the graph; the chosen
nodes are then read with ``Store.subgraph``.

>>> pairs = [("a", "d1"), ("b", "d1"), ("a", "d2"), ("c", "d2"), ("a", "d3"), ("b", "d3")]
>>> pick = Ranking(pairs).pick(n=2)
>>> pick.entities, pick.deals
(['a', 'b'], ['d1', 'd3'])
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Iterable

from .records import Subgraph
from .store import Store

__all__ = ["Ranking", "Pick", "Backbone", "backbone", "backbone_within", "top_of_subgraph"]

PARTY = "PARTY_TO"


@dataclass
class Pick:
    """The chosen entities (most deals first) and deals (by id); ``degrees``: the deal
    count of every chosen entity in what was ranked."""
    entities: list[str]
    deals: list[str]
    degrees: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entities) + len(self.deals)


class Ranking:
    """Entities ranked by their number of deals, from (entity id, deal id) pairs (a pair
    given twice counts once), and for every deal the rank of its second-best party:
    the backbone of the top ``n`` holds exactly the deals whose second rank is below ``n``."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        ent_ix: dict[str, int] = {}
        deal_ix: dict[str, int] = {}
        seen: set[int] = set()
        for e, d in pairs:
            i = ent_ix.setdefault(e, len(ent_ix))
            j = deal_ix.setdefault(d, len(deal_ix))
            seen.add(i << 32 | j)
        degree = [0] * len(ent_ix)
        for key in seen:
            degree[key >> 32] += 1
        ent_ids = list(ent_ix)
        del ent_ix
        self.order = sorted(range(len(ent_ids)), key=lambda i: (-degree[i], ent_ids[i]))
        rank = [0] * len(ent_ids)
        for r, i in enumerate(self.order):
            rank[i] = r
        none = len(ent_ids)
        best, second = [none] * len(deal_ix), [none] * len(deal_ix)
        for key in seen:
            r, j = rank[key >> 32], key & 0xFFFFFFFF
            if r < best[j]:
                best[j], second[j] = r, best[j]
            elif r < second[j]:
                second[j] = r
        del seen, best
        self.entity_ids, self.degree = ent_ids, degree
        self.deal_ids = list(deal_ix)
        self.second = second
        self.entering = sorted(r for r in second if r < none)  # when each shared deal enters

    @property
    def entities(self) -> int:
        """How many entities are party to at least one deal."""
        return len(self.entity_ids)

    def size(self, n: int) -> int:
        """Nodes of the top ``n``'s backbone (entities and deals; sources not counted)."""
        n = min(n, self.entities)
        return n + bisect_left(self.entering, n)

    def largest_within(self, budget: int) -> int:
        """The largest ``n`` whose backbone has at most ``budget`` entities and deals."""
        low, high = 0, self.entities
        while low < high:
            mid = (low + high + 1) // 2
            if self.size(mid) <= budget:
                low = mid
            else:
                high = mid - 1
        return low

    def pick(self, n: int) -> Pick:
        """The top ``n`` entities and the deals at least two of them are party to."""
        n = min(n, self.entities)  # ranks of absent second parties equal ``entities``
        top = self.order[:n]
        deals = sorted(self.deal_ids[j] for j, r in enumerate(self.second) if r < n)
        return Pick([self.entity_ids[i] for i in top], deals,
                    {self.entity_ids[i]: self.degree[i] for i in top})


class Backbone(Subgraph):
    """A backbone read from a store: the ``Subgraph`` of the pick (plus the sources its
    nodes cite), with ``degrees`` (every chosen entity's deals in the whole store, for
    the map's true counts; None for the backbone of a part) and what it was chosen
    from (``of_entities``)."""

    def __init__(self, sub: Subgraph, pick: Pick, of_entities: int, whole: bool = True):
        super().__init__(sub.nodes, sub.rels)
        self.degrees = pick.degrees if whole else None
        self.top = len(pick.entities)
        self.shared_deals = len(pick.deals)
        self.of_entities = of_entities

    def describe(self) -> str:
        return (f"the {self.top:,} entities with the most deals (of {self.of_entities:,} "
                f"with any) and the {self.shared_deals:,} deals between them")


def _read(store: Store, ranking: Ranking, n: int, whole: bool) -> Backbone:
    pick = ranking.pick(n)
    sub = store.subgraph(pick.entities + pick.deals) if len(pick) else Subgraph()
    return Backbone(sub, pick, ranking.entities, whole)


def backbone(store: Store, n: int, pairs: Iterable[tuple[str, str]] | None = None) -> Backbone:
    """The backbone of the top ``n`` entities of the whole store, or of the (entity,
    deal) ``pairs`` of a part of it (``FilteredGraph.pairs``), in one read transaction."""
    with store.reading():
        ranking = Ranking(store.rel_ends(PARTY) if pairs is None else pairs)
        return _read(store, ranking, n, pairs is None)


def backbone_within(store: Store, budget: int,
                    pairs: Iterable[tuple[str, str]] | None = None) -> Backbone:
    """The biggest backbone of the whole store (or of ``pairs``, as in ``backbone``)
    with at most ``budget`` entities and deals."""
    with store.reading():
        ranking = Ranking(store.rel_ends(PARTY) if pairs is None else pairs)
        return _read(store, ranking, max(1, ranking.largest_within(budget)), pairs is None)


def top_of_subgraph(sub: Subgraph, n: int) -> Subgraph:
    """The backbone of the top ``n`` entities of ``sub`` (deals counted within ``sub``),
    with the sources the kept nodes cite and the relationships among what is kept."""
    pick = Ranking((r.src, r.dst) for r in sub.rels if r.type == PARTY).pick(n)
    return sub.keeping(pick.entities + pick.deals)
