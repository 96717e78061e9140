"""The truth at a map's edge: every entity's deal count in the store, and a bounded ring
of the deals just beyond the map, carried in the file so the page can expand in place.

A map of a selection (``--focus X --hops 2``, a filter) cuts entities off from some of
their deals. ``outside_ring`` asks the store for every deal of every entity on the map,
counts them, and keeps the deals that are not on the map -- with their parties -- for
the entities with the fewest such deals first, until ``RING_DEALS`` deals are kept.
An entity whose outside deals did not fit is shown with its count and the exact
``dealgraph map --focus`` command that maps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..graph.records import Subgraph
from ..graph.store import Store

__all__ = ["Ring", "outside_ring", "RING_DEALS"]

RING_DEALS = 400


@dataclass
class Ring:
    """``counts``: deals in the store per entity on the map; ``outside``: the deals not on
    the map per entity; ``beyond``: how many, for entities whose outside deals were only
    counted (too many for the ring); ``expandable``: entities whose outside deals are
    all in ``sub``."""
    counts: dict[str, int] = field(default_factory=dict)
    outside: dict[str, list[str]] = field(default_factory=dict)
    beyond: dict[str, int] = field(default_factory=dict)
    expandable: set[str] = field(default_factory=set)
    sub: Subgraph = field(default_factory=lambda: Subgraph({}, []))


def outside_ring(store: Store, sub: Subgraph, entity_ids: list[str],
                 budget: int | None = None, degrees: dict[str, int] | None = None) -> Ring:
    """The deal counts and the ring beyond the map of ``sub`` (see the module docstring);
    ``budget`` defaults to ``RING_DEALS``. ``degrees``: the store's deal count of each
    of ``entity_ids``, when already known (a backbone's): then only the entities with
    at most ``budget`` deals off the map have their deals read."""
    budget = RING_DEALS if budget is None else budget
    ring = Ring()
    if not entity_ids:
        return ring
    if degrees is not None:
        here: dict[str, set[str]] = {}
        for rel in sub.rels:
            if rel.type == "PARTY_TO":
                here.setdefault(rel.src, set()).add(rel.dst)
        for eid in entity_ids:
            away = degrees.get(eid, 0) - len(here.get(eid, ()))
            if away > budget:
                ring.counts[eid], ring.beyond[eid] = degrees[eid], away
        entity_ids = [e for e in entity_ids if e not in ring.beyond]
    on_map = set(entity_ids)
    deals_of: dict[str, set[str]] = {}
    parties_of: dict[str, set[str]] = {}
    for rel in store.deal_parties(on_map):
        parties_of.setdefault(rel.dst, set()).add(rel.src)
        if rel.src in on_map:
            deals_of.setdefault(rel.src, set()).add(rel.dst)
    for eid in entity_ids:
        mine = deals_of.get(eid, set())
        ring.counts[eid] = len(mine)
        away = sorted(d for d in mine if d not in sub.nodes)
        if away:
            ring.outside[eid] = away
    kept: set[str] = set()
    for eid in sorted(ring.outside, key=lambda e: (len(ring.outside[e]), e)):
        extra = set(ring.outside[eid]) - kept
        if len(kept) + len(extra) > budget:
            continue
        kept |= extra
        ring.expandable.add(eid)
    if kept:
        ids = set(kept)
        for d in kept:
            ids |= parties_of.get(d, set())
        ring.sub = store.subgraph(ids)
    return ring
