"""The store interface that the embedded (SQLite + NetworkX) and Neo4j stores implement.

A store holds one typed property graph (see ``model.yaml``). Writes come as a
validated ``Batch`` applied atomically; reads come back as ``Subgraph`` and
plain rows, so callers never care which store they talk to.
"""

from __future__ import annotations

import gc
from abc import ABC, abstractmethod
from contextlib import contextmanager
from typing import Iterable, Iterator

from ..errors import StoreUnavailable
from .model import MODEL, InvalidModel, use_model
from .records import ApplySummary, Batch, Node, Rel, Subgraph

__all__ = ["Store", "StoreWriter", "entity_field", "paused_gc", "node_order_key", "rel_order",
           "node_labels_in_order"]


@contextmanager
def paused_gc():
    """Pause the cyclic garbage collector for bulk work: reading, validating and writing a
    dataset allocate millions of small dicts and tuples without reference cycles, and the
    collector's repeated passes over them took a third of the time. Nested uses are fine."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def node_labels_in_order() -> list[str]:
    """The node labels of the model in use, in model order."""
    return [MODEL.kinds[k].label for k in MODEL.node_kinds]


def node_order_key():
    """The sort key of the order exports write nodes in: by kind in model order (other
    labels last), then by id."""
    rank = {label: i for i, label in enumerate(node_labels_in_order())}
    return lambda node: (rank.get(node.label, len(rank)), node.id)


def rel_order(rel: Rel) -> tuple:
    """The order exports write relationships in: type, start, end, role."""
    return (rel.type, rel.src, rel.dst, rel.props.get("role", ""))


def entity_field(field: str) -> str:
    """``field`` if it is a scalar field of an entity kind, or its ``countries``; ValueError
    otherwise (it goes into query text as a JSON path or a property key)."""
    for name in MODEL.entity_kinds:
        f = MODEL.kinds[name].fields.get(field)
        if f is not None and (not f.multi or f.type == "countries") \
                and f.type not in ("ref", "refs"):
            return field
    raise ValueError(f"{field!r} is not a scalar field of an entity kind")


class StoreWriter(ABC):
    # set by the loader when the load brings a model extension the store must keep (a
    # dealgraph.graph.extension.ModelExtension); written in the load's transaction
    model_extension = None

    """One atomic load, given batch by batch: ``write`` each, then ``commit`` (or
    ``rollback``). Used as a context manager it rolls back unless committed.

    >>> from dealgraph.graph.embedded import EmbeddedStore
    >>> with EmbeddedStore(":memory:").writer() as load:
    ...     load.write(Batch())
    ...     load.commit().created
    0
    """

    @abstractmethod
    def write(self, batch: Batch) -> None:
        """Add one batch of the load."""

    @abstractmethod
    def commit(self) -> ApplySummary:
        """Make the whole load visible at once; what changed."""

    @abstractmethod
    def rollback(self) -> None:
        """Drop everything written; the store is as it was. Harmless after commit."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.rollback()


class BufferedWriter(StoreWriter):
    """For stores that write a load in one ``apply``: keeps the batches and applies them
    together at ``commit``."""

    def __init__(self, store: "Store"):
        self.store = store
        self.batch: Batch | None = Batch()

    def write(self, batch: Batch) -> None:
        self.batch.nodes.extend(batch.nodes)
        self.batch.rels.extend(batch.rels)
        self.batch.rows.update(batch.rows)
        self.batch.party_deals.update(batch.party_deals)

    def commit(self) -> ApplySummary:
        batch, self.batch = self.batch, None
        batch.model_extension = self.model_extension
        return self.store.apply(batch)

    def rollback(self) -> None:
        self.batch = None


class Store(ABC):
    """Operations every store provides. ``backend`` is ``embedded`` or ``neo4j``."""

    backend: str = ""
    model_extension = None  # the extension the store was loaded with, as read when opened

    # -- the model extension it was loaded with ------------------------------------------
    def stored_extension(self):
        """The model extension kept in the store's metadata (a ModelExtension), or None;
        read afresh from the store."""
        text = self._read_extension_json()
        if text is None:
            return None
        from .extension import ModelExtension
        try:
            return ModelExtension.from_json(text)
        except InvalidModel as exc:
            raise StoreUnavailable(f"{self.describe()}: {exc}") from None

    def _read_extension_json(self) -> str | None:
        """The JSON text of the stored extension, None if there is none."""
        return None

    def use_own_model(self):
        """Make this store's model (the built-in one with the stored extension) the model in
        use, so that reading it never needs the extension file; returns that model."""
        from .extension import extended_model
        ext = self.stored_extension()
        try:
            model = extended_model(ext)
        except InvalidModel as exc:
            raise StoreUnavailable(f"{self.describe()}: it was loaded with model extension "
                                   f"{ext}, which this dealgraph cannot apply: {exc}") from None
        self.model_extension = ext
        use_model(model)
        return model

    def describe(self) -> str:
        """Where the store is, for messages."""
        return self.backend

    # -- writes ---------------------------------------------------------------
    @abstractmethod
    def apply(self, batch: Batch) -> ApplySummary:
        """Upsert a batch atomically: all of it is written, or none of it."""

    def writer(self) -> StoreWriter:
        """An atomic load written batch by batch (validation of big loads hands over its
        records in chunks). By default the batches are applied together at commit."""
        return BufferedWriter(self)

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship."""

    # -- lookups used by validation --------------------------------------------
    @abstractmethod
    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        """Map each id that exists in the store to its kind label."""

    @abstractmethod
    def deals_with_parties(self, ids: Iterable[str]) -> set[str]:
        """The deals among ``ids`` that have at least one party in the store."""

    # -- reads -----------------------------------------------------------------
    @abstractmethod
    def stats(self) -> dict:
        """Counts: one key per kind label (Firm, Government, Person, Deal, Source),
        ``parties``, and ``relationships`` by type."""

    @abstractmethod
    def entity_index(self) -> list[Node]:
        """Every entity node (Firm, Government, Person) with its properties."""

    def find_entities(self, text: str) -> list[Node]:
        """Entities that have one of the ``lookup_keys`` of ``text`` among their
        ``entity_keys`` (id, names and aliases ignoring case, and their normalised
        forms; see ``dealgraph.graph.resolve``). Stores answer from an index."""
        from .resolve import entity_keys, lookup_keys
        keys = set(lookup_keys(text))
        return [e for e in self.entity_index() if entity_keys(e.id, e.props) & keys]

    def name_index(self) -> list[tuple[str, str]]:
        """(name key, entity id) for every stored name key of every entity: what a fuzzy
        look-up compares with, without reading the entities."""
        from .resolve import entity_keys
        return [(k, e.id) for e in self.entity_index() for k in entity_keys(e.id, e.props)]

    @abstractmethod
    def deal_parties(self, entity_ids: Iterable[str]) -> list[Rel]:
        """Every PARTY_TO relationship of every deal that one of ``entity_ids`` is party to."""

    def iter_nodes(self) -> Iterator[Node]:
        """Every node in export order (``node_order_key``), read a part at a time, so that a
        whole-graph export never holds the graph. Use it inside ``reading()`` for one
        snapshot. This default reads the whole graph; the stores stream."""
        yield from sorted(self.subgraph(None).nodes.values(), key=node_order_key())

    def iter_rels(self) -> Iterator[Rel]:
        """Every relationship in export order (``rel_order``), read a part at a time; see
        ``iter_nodes``."""
        yield from sorted(self.subgraph(None).rels, key=rel_order)

    def rel_ends(self, rel_type: str) -> Iterator[tuple[str, str]]:
        """(start id, end id) of every relationship of the model's type ``rel_type``,
        unordered and without properties: the cheapest whole-graph read, for counting
        (e.g. every entity's deals from ``PARTY_TO``). Use it inside ``reading()`` for
        one snapshot. This default goes through ``iter_rels``; the stores read less."""
        MODEL.rel_type(rel_type)  # a type of the model, or InvalidModel
        return ((r.src, r.dst) for r in self.iter_rels() if r.type == rel_type)

    @abstractmethod
    def subgraph(self, ids: Iterable[str] | None = None) -> Subgraph:
        """The nodes with ``ids`` (all nodes when None), the relationships among
        them, and the Source nodes they cite with those CITES relationships."""

    @contextmanager
    def reading(self):
        """One read transaction around the reads inside (``with store.reading(): ...``),
        so that an answer made of several reads comes from one state of the store.
        Nested uses join the outer one. Stores without transactions read as they go."""
        yield self

    def check_current(self) -> None:
        """Raise DealgraphError if the store was written by an earlier dealgraph in a form
        reads would get wrong (Neo4j: dates without DATE companions); nothing by default."""

    def migrate(self) -> int:
        """Bring a store written by an earlier dealgraph up to date; how many values it
        changed. The embedded store needs nothing (Neo4j: DATE companions)."""
        return 0

    def close(self) -> None:
        """Release connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- shared behaviour ------------------------------------------------------
    def neighbourhood(self, entity_id: str, hops: int = 1) -> Subgraph:
        """Entities within ``hops`` counterparty steps of ``entity_id``, the deals
        that link them, and their sources.

        Two entities are counterparties when both are parties to one deal; each
        step adds every party of every deal of the entities found so far.
        """
        return self.neighbourhoods([entity_id], hops)

    def neighbourhoods(self, entity_ids: Iterable[str], hops: int = 1) -> Subgraph:
        """The entities within ``hops`` counterparty steps of any of ``entity_ids``, the
        deals that link them, and their sources: the union of their neighbourhoods."""
        entities = set(entity_ids)
        deals: set[str] = set()
        frontier = set(entities)
        for _ in range(max(0, hops)):
            if not frontier:
                break
            found: set[str] = set()
            for rel in self.deal_parties(frontier):
                deals.add(rel.dst)
                if rel.src not in entities:
                    found.add(rel.src)
            entities |= found
            frontier = found
        return self.subgraph(entities | deals)
