"""Selecting a subgraph the way maps and exports do: focus and hops, filters, as-of date.

The selection is read from any store through the store interface, so it is the
same on both stores.

>>> from dealgraph.graph.embedded import EmbeddedStore
>>> from dealgraph.loaders import load_paths, SEED_DIR
>>> store = EmbeddedStore(":memory:"); _ = load_paths(store, [SEED_DIR])
>>> sub = select_subgraph(store, Selection(focus="Xiaomi", hops=1))
>>> "xiaomi" in sub.nodes
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..errors import ParameterError
from .countries import UnknownCountry, parse_countries
from .backbone import backbone, top_of_subgraph
from .dates import deal_in_force, normalise_as_of
from .model import MODEL, countries_of
from .records import Subgraph
from .resolve import resolve_entity
from .store import Store

__all__ = ["Selection", "select_subgraph", "filter_subgraph", "WholeGraph", "FilteredGraph",
           "MAX_HOPS"]

MAX_HOPS = 6


@dataclass
class Selection:
    """What to select. Empty filters keep everything; ``focus`` is an id, name or alias;
    ``top`` keeps only the backbone of what is selected: its ``top`` entities with the
    most deals and the deals between them (``dealgraph.graph.backbone``)."""
    focus: str | None = None
    hops: int = 1
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    as_of: str | None = None
    top: int | None = None
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{self.hops} hop(s) around {self.focus}" if self.focus else "whole graph"]
        for name, values in (("kind", self.kinds), ("status", self.statuses),
                             ("country", self.countries)):
            if values:
                parts.append(f"{name} in {', '.join(values)}")
        if self.as_of:
            parts.append(f"as of {self.as_of}")
        if self.top:
            parts.append(f"the {self.top:,} entities with the most deals")
        return "; ".join(parts)


def _check(values, enum: str, name: str) -> tuple[str, ...]:
    allowed = MODEL.enums[enum].values
    out = []
    for v in values:
        norm = v.strip().lower().replace(" ", "_").replace("-", "_")
        if norm not in allowed:
            raise ParameterError(f"${{{name}}}: unknown value {v!r} (expected one of: "
                                 f"{', '.join(allowed)})", params={name: name})
        out.append(norm)
    return tuple(out)


def _countries(values) -> tuple[str, ...]:
    try:
        return tuple(parse_countries(values))
    except UnknownCountry as exc:
        raise ParameterError(f"--country: {exc}") from None


def select_subgraph(store: Store, sel: Selection) -> Subgraph:
    """Read the selected subgraph from ``store``; raises NotFound or ParameterError."""
    if not 0 <= sel.hops <= MAX_HOPS:
        raise ParameterError(f"${{hops}} must be between 0 and {MAX_HOPS}, got {sel.hops}",
                             params={"hops": "hops"})
    if sel.top is not None and (isinstance(sel.top, bool) or not isinstance(sel.top, int)
                                or sel.top < 1):
        raise ParameterError(f"${{top}} must be a whole number of at least 1, got {sel.top!r}",
                             params={"top": "top"})
    if sel.focus:
        entity = resolve_entity(store, sel.focus)
        sub = filter_subgraph(store.neighbourhood(entity.id, sel.hops), sel, keep=(entity.id,))
    elif not (sel.kinds or sel.statuses or sel.countries or sel.as_of):
        return backbone(store, sel.top) if sel.top else WholeGraph(store)
    else:
        sub = FilteredGraph(store, sel)
        if sel.top:
            return backbone(store, sel.top, pairs=sub.pairs)
    return top_of_subgraph(sub, sel.top) if sel.top else sub


class _ReadWhenUsed(Subgraph):
    """A ``Subgraph`` of a store whose records are read (``_read``) only when ``nodes``
    or ``rels`` are used."""

    @property
    def nodes(self) -> dict:
        return self._read().nodes

    @property
    def rels(self) -> list:
        return self._read().rels

    def __eq__(self, other) -> bool:
        if not isinstance(other, Subgraph):
            return NotImplemented
        return (self.nodes, self.rels) == (other.nodes, other.rels)

    __hash__ = None


class WholeGraph(_ReadWhenUsed):
    """The whole graph of ``store`` as a ``Subgraph`` that is read only when used.

    Exports that write node by node (JSON, CSV, neo4j-import) go through
    ``store.iter_nodes()`` and ``store.iter_rels()`` while ``streamed``, so a
    million-deal graph is written without being held; anything that touches ``nodes``
    or ``rels`` reads the whole graph once (``streamed`` is then False). Counts come
    from the store. Read it inside ``store.reading()`` for one snapshot.
    """

    def __init__(self, store: Store):
        self.store = store
        self._whole: Subgraph | None = None
        self._counts: dict | None = None
        self._rel_count = 0

    def _read(self) -> Subgraph:
        if self._whole is None:
            self._whole = self.store.subgraph(None)
        return self._whole

    @property
    def streamed(self) -> bool:
        """True until the graph has been read whole."""
        return self._whole is None

    def counts(self) -> tuple[dict[str, int], int]:
        """(nodes by label, relationships of the model's types), from the store's counts."""
        if self._whole is not None:
            return ({MODEL.kinds[k].label: len(self._whole.of_label(MODEL.kinds[k].label))
                     for k in MODEL.node_kinds}, len(self._whole.rels))
        if self._counts is None:
            stats = self.store.stats()
            self._counts = {MODEL.kinds[k].label: stats.get(MODEL.kinds[k].label, 0)
                            for k in MODEL.node_kinds}
            self._rel_count = sum(stats.get("relationships", {}).values())
        return self._counts, self._rel_count

    def __len__(self) -> int:
        return sum(self.counts()[0].values())

    def __repr__(self) -> str:
        nodes, rels = self.counts()
        return (f"<WholeGraph of {self.store.describe()}: {sum(nodes.values())} nodes, "
                f"{rels} relationships>")


@dataclass
class _Filters:
    """A selection's filters, checked and normalised once: which deals they keep."""
    kinds: tuple[str, ...]
    statuses: tuple[str, ...]
    countries: tuple[str, ...]
    as_of: str | None

    @classmethod
    def of(cls, sel: Selection) -> "_Filters":
        return cls(_check(sel.kinds, "kind", "kind"), _check(sel.statuses, "status", "status"),
                   _countries(sel.countries),
                   normalise_as_of(sel.as_of) if sel.as_of else None)

    def __bool__(self) -> bool:
        return bool(self.kinds or self.statuses or self.countries or self.as_of)

    def deal_passes(self, props: dict) -> bool:
        """Kind, status and as-of: what a deal's own properties decide."""
        return ((not self.kinds or props.get("kind") in self.kinds)
                and (not self.statuses or props.get("status") in self.statuses)
                and (not self.as_of or deal_in_force(props, self.as_of)))

    def parties_pass(self, countries: Iterable[list[str]]) -> bool:
        """Country: whether one of the deal's parties (given by their countries) is in one."""
        return not self.countries or any(c in self.countries for cs in countries for c in cs)


def filter_subgraph(sub: Subgraph, sel: Selection, keep: tuple[str, ...] = ()) -> Subgraph:
    """Keep the deals that pass the filters, the entities that are party to them
    (or are the focus), and the sources and structural links among what is kept."""
    filters = _Filters.of(sel)
    if not filters:
        return sub
    parties: dict[str, list[str]] = {}
    for r in sub.rels:
        if r.type == "PARTY_TO":
            parties.setdefault(r.dst, []).append(r.src)
    kept: set[str] = {k for k in keep if k in sub.nodes}
    for node in sub.of_label("Deal"):
        members = [m for m in parties.get(node.id, []) if m in sub.nodes]
        if filters.deal_passes(node.props) and filters.parties_pass(
                countries_of(sub.nodes[m].props) for m in members):
            kept.add(node.id)
            kept.update(members)
    return sub.keeping(kept)


class FilteredGraph(_ReadWhenUsed):
    """The deals of the whole store that pass a selection's filters, with their parties
    (and, once read, the sources they cite and the links among them), chosen from
    streamed reads (``iter_nodes``, ``rel_ends``) so that only ids and (entity, deal)
    ``pairs`` are held; the records are read (``store.subgraph``) only when ``nodes``
    or ``rels`` are used. The same nodes and relationships as ``filter_subgraph`` of
    the whole graph."""

    def __init__(self, store: Store, sel: Selection):
        filters = _Filters.of(sel)
        entity_labels = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
        passing: set[str] = set()
        countries: dict[str, list[str]] = {}
        with store.reading():
            for node in store.iter_nodes():
                if node.label == "Deal":
                    if filters.deal_passes(node.props):
                        passing.add(node.id)
                elif filters.countries and node.label in entity_labels:
                    found = countries_of(node.props)
                    if found:
                        countries[node.id] = found
            by_deal: dict[str, list[str]] = {}
            for entity, deal in store.rel_ends("PARTY_TO"):
                if deal in passing:
                    by_deal.setdefault(deal, []).append(entity)
        del passing
        self.pairs = [(e, d) for d, members in by_deal.items()
                      if filters.parties_pass(countries.get(m, ()) for m in members)
                      for e in members]
        self.kept = {x for pair in self.pairs for x in pair}
        self.store = store
        self._records: Subgraph | None = None

    def _read(self) -> Subgraph:
        if self._records is None:
            self._records = self.store.subgraph(self.kept) if self.kept else Subgraph()
        return self._records

    @property
    def unread(self) -> bool:
        """True until the records have been read."""
        return self._records is None

    def __len__(self) -> int:
        """Deals and entities kept (before the sources they cite are added)."""
        return len(self.kept) if self._records is None else len(self._records.nodes)
