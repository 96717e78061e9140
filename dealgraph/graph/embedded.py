"""The embedded store: SQLite on disk, the graph materialised as a NetworkX MultiDiGraph.

Why this shape (see docs/storage.md): SQLite gives atomic, durable writes
without a server — a load is one transaction, so a crash or Ctrl-C leaves the
previous state, and in WAL mode readers see either the old or the new graph,
never half a load. NetworkX gives the graph algorithms the saved queries need.
The whole graph is built from the tables when first needed and kept in memory
while the store's generation number stays the same. Nothing in the file is ever
unpickled or evaluated: properties are JSON, checked as they are read, so a damaged
or hostile file gives a one-line ``StoreUnavailable`` (docs/security.md).

>>> store = EmbeddedStore(":memory:")
>>> store.stats()["Deal"]
0
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from pathlib import Path
from contextlib import contextmanager
from typing import Iterable, Iterator

import networkx as nx

from ..errors import StoreUnavailable
from .model import MODEL
from .plan import LoadPlanner, Part, StoredState, dumps
from .records import ApplySummary, Batch, Node, Rel, Subgraph
from .resolve import entity_keys, lookup_keys
from .store import Store, StoreWriter, node_labels_in_order, paused_gc

__all__ = ["EmbeddedStore", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, label TEXT NOT NULL, props TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rels (
    src TEXT NOT NULL, type TEXT NOT NULL, dst TEXT NOT NULL, role TEXT NOT NULL DEFAULT '',
    props TEXT NOT NULL DEFAULT '{}', PRIMARY KEY (src, type, dst, role)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rels_by_dst ON rels (dst, type);
CREATE INDEX IF NOT EXISTS nodes_by_label ON nodes (label);
CREATE TABLE IF NOT EXISTS names (
    key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS names_by_id ON names (id);
"""


_dumps = dumps
# A write of at least this many relationships, and at least half as many as the store
# holds, drops the index on (dst, type) and builds it again after the inserts: one sort
# instead of a random B-tree insert per row (5x faster for 375,000 rows).
_REBUILD_INDEX_AT = 20_000
_LOAD_CACHE_KB = 65_536  # the page cache of a load
_CACHE_KB = 2_000  # SQLite's default page cache, the store's outside loads


class EmbeddedStore(Store):
    """A graph store in one SQLite file; ``path`` may be ``:memory:`` for tests."""

    backend = "embedded"

    def __init__(self, path: str | os.PathLike = "dealgraph.db"):
        self.path = str(path)
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreUnavailable(f"{self.path}: directory {parent} does not exist")
        try:
            self.db = sqlite3.connect(self.path, timeout=120, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{self.path}: not a dealgraph store ({exc})") from None
        self._graph: nx.MultiDiGraph | None = None
        self._generation = -1
        self._rel_index_dropped = False
        self._lock = threading.Lock()
        self.use_own_model()

    # -- schema and generations ------------------------------------------------
    def _ensure_schema(self) -> None:
        row = None
        try:
            row = self.db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.OperationalError:
            pass
        if row is None:
            self.db.executescript(
                "BEGIN IMMEDIATE;" + _SCHEMA
                + f"INSERT OR IGNORE INTO meta VALUES ('schema', '{SCHEMA_VERSION}');"
                + "INSERT OR IGNORE INTO meta VALUES ('generation', '0'); COMMIT;")
        elif int(row[0]) != SCHEMA_VERSION:
            raise StoreUnavailable(f"{self.path}: store schema {row[0]} is not supported "
                                   f"(this dealgraph reads schema {SCHEMA_VERSION})")

    def describe(self) -> str:
        return self.path

    def _read_extension_json(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='model_extension'").fetchone()
        return None if row is None else row[0]

    def _current_generation(self, cur) -> int:
        return int(cur.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    # -- writes ----------------------------------------------------------------
    def apply(self, batch: Batch) -> ApplySummary:
        with self.writer() as load:
            load.write(batch)
            return load.commit()

    def writer(self) -> "_Load":
        """A load in one SQLite transaction, written batch by batch (see ``_Load``)."""
        return _Load(self)

    def _ensure_rel_index(self) -> None:
        if self._rel_index_dropped:
            self.db.execute("CREATE INDEX IF NOT EXISTS rels_by_dst ON rels (dst, type)")
            self._rel_index_dropped = False

    def clear(self) -> None:
        cur = self.db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            cur.execute("DELETE FROM nodes")
            cur.execute("DELETE FROM rels")
            cur.execute("DELETE FROM names")
            cur.execute(_DROP_OLD_CACHE)
            cur.execute("DELETE FROM meta WHERE key='model_extension'")
            cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                        "WHERE key='generation'")
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        self.use_own_model()  # an empty store has no extension

    # -- the materialised graph --------------------------------------------------
    @property
    def graph(self) -> nx.MultiDiGraph:
        """The whole store as a MultiDiGraph: node attribute ``label`` plus properties;
        edge key and attribute ``type`` plus properties. Rebuilt when the store changed."""
        with self._lock, self.reading():
            cur = self.db.cursor()
            gen = self._current_generation(cur)
            if self._graph is None or gen != self._generation:
                self._graph = self._load_graph(cur)
                self._generation = gen
            return self._graph

    def _load_graph(self, cur) -> nx.MultiDiGraph:
        # building millions of small dicts is 2-4x faster without GC passes
        with paused_gc(), self._reading("the whole graph"):
            g = nx.MultiDiGraph()
            rel_props = _RelProps()
            intern = sys.intern  # one string per property name, not one per node
            g.add_nodes_from((nid, {"label": label,
                                    **{intern(k): v for k, v in _props(props).items()}})
                             for nid, label, props
                             in cur.execute("SELECT id, label, props FROM nodes"))
            g.add_edges_from((src, dst, f"{typ}:{role}" if role else typ,
                              {"type": typ, **rel_props.seen_or_load(props)})
                             for src, typ, dst, role, props in cur.execute(
                                 "SELECT src, type, dst, role, props FROM rels"))
        return g

    @contextmanager
    def _reading(self, what: str):
        """Turn what a damaged or hostile store file makes a read fail with into one line:
        properties that are not a JSON object, pages SQLite cannot read."""
        try:
            yield
        except (ValueError, RecursionError) as exc:
            raise StoreUnavailable(f"{self.path}: damaged store: reading {what}, found "
                                   f"properties that are not a JSON object ({_short(exc)})"
                                   ) from None
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{self.path}: damaged store: reading {what}: "
                                   f"{_short(exc)}") from None

    # -- reads -----------------------------------------------------------------
    @contextmanager
    def reading(self):
        """One read transaction: every read inside sees the store as it was at the first,
        whatever loads commit meanwhile (WAL mode). Nested uses join the outer one, and
        inside a load the reads see the load's own writes."""
        if self.db.in_transaction:
            yield self
            return
        self.db.execute("BEGIN")
        try:
            yield self
        finally:
            if self.db.in_transaction:
                self.db.execute("COMMIT")  # a read transaction: nothing to write

    # -- lookups ---------------------------------------------------------------
    def _in_chunks(self, sql: str, ids: Iterable[str]) -> list[tuple]:
        ids = list(dict.fromkeys(ids))
        out: list[tuple] = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            out.extend(self.db.execute(sql.format(marks=marks), chunk).fetchall())
        return out

    def select(self, sql: str, params=()) -> list[tuple]:
        """The rows of one read-only SQL statement on the store's tables (``nodes``,
        ``rels``, ``names``; properties are JSON text): the embedded store's own read
        language, as Cypher is Neo4j's (``dealgraph.queries.access.embedded`` uses it)."""
        return self.db.execute(sql, params).fetchall()

    def select_in(self, sql: str, ids: Iterable[str]) -> list[tuple]:
        """The rows of ``sql`` for every id of ``ids``: the statement's ``{marks}`` stands
        for a list of placeholders; it runs once per 500 ids."""
        return self._in_chunks(sql, ids)

    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        return dict(self._in_chunks("SELECT id, label FROM nodes WHERE id IN ({marks})", ids))

    def deals_with_parties(self, ids: Iterable[str]) -> set[str]:
        self._ensure_rel_index()
        return {r[0] for r in self._in_chunks(
            "SELECT DISTINCT dst FROM rels WHERE type='PARTY_TO' AND dst IN ({marks})", ids)}

    def stats(self) -> dict:
        out = {label: 0 for label in (MODEL.kinds[k].label for k in MODEL.node_kinds)}
        with self.reading():
            cur = self.db.cursor()
            for label, n in cur.execute("SELECT label, COUNT(*) FROM nodes GROUP BY label"):
                out[label] = n
            rels = {t: 0 for t in sorted(MODEL.relationships)}
            for typ, n in cur.execute("SELECT type, COUNT(*) FROM rels GROUP BY type"):
                rels[typ] = n
        out["parties"] = rels.get("PARTY_TO", 0)
        out["relationships"] = rels
        return out

    def entity_index(self) -> list[Node]:
        placeholders = ",".join("?" * len(_ENTITY_LABELS))
        with self._reading("the entities"):
            return [Node(nid, label, _props(props)) for nid, label, props in self.db.execute(
                f"SELECT id, label, props FROM nodes WHERE label IN ({placeholders}) ORDER BY id",
                _ENTITY_LABELS)]

    def find_entities(self, text: str) -> list[Node]:
        keys = lookup_keys(text)
        marks = ",".join("?" * len(keys))
        rows = self.db.execute(
            "SELECT n.id, n.label, n.props FROM nodes n WHERE n.id IN "
            f"(SELECT id FROM names WHERE key IN ({marks})) ORDER BY n.id", keys).fetchall()
        with self._reading("entities by name"):
            return [Node(nid, label, _props(props)) for nid, label, props in rows]

    def name_index(self) -> list[tuple[str, str]]:
        return self.db.execute("SELECT key, id FROM names").fetchall()

    def deal_parties(self, entity_ids: Iterable[str]) -> list[Rel]:
        deals = sorted({r[0] for r in self._in_chunks(
            "SELECT dst FROM rels WHERE type='PARTY_TO' AND src IN ({marks})", entity_ids)})
        rows = self._in_chunks("SELECT src, dst, props FROM rels "
                               "WHERE type='PARTY_TO' AND dst IN ({marks})", deals)
        with self._reading("deal parties"):
            rels = [Rel(src, "PARTY_TO", dst, _props(props)) for src, dst, props in rows]
        return sorted(rels,
                      key=lambda r: (r.dst, r.src, r.props.get("role", "")))

    def subgraph(self, ids: Iterable[str] | None = None) -> Subgraph:
        if ids is None:
            return self._whole_subgraph()
        with self.reading():
            return self._subgraph(set(ids))

    def _whole_subgraph(self) -> Subgraph:
        """Every node and relationship, read straight from the tables in key order (what
        maps and exports of the whole graph use; no NetworkX graph is built). To keep a
        million deals in bounded memory, property names are interned (one string per
        name, not one per node) and relationships with the same properties share one
        dict: treat ``Rel.props`` as read-only."""
        intern = sys.intern
        rel_props = _RelProps()
        with self.reading(), paused_gc(), self._reading("the whole graph"):
            nodes = {}
            for nid, label, props in self.db.execute(
                    "SELECT id, label, props FROM nodes ORDER BY id"):
                nodes[nid] = Node(nid, label, {intern(k): v for k, v in _props(props).items()})
            rels = [Rel(src, typ, dst, rel_props.seen_or_load(props))
                    for src, typ, dst, props in self.db.execute(
                        "SELECT src, type, dst, props FROM rels ORDER BY src, type, dst, role")]
        return Subgraph(nodes, rels)

    def iter_nodes(self) -> Iterator[Node]:
        """``Store.iter_nodes`` from the nodes table, label by label in model order, each
        in id order (the table's key), a cursor at a time."""
        labels = node_labels_in_order()
        marks = ",".join("?" * len(labels))
        parts = [("SELECT id, label, props FROM nodes WHERE label = ? ORDER BY id", (label,))
                 for label in labels]
        parts.append((f"SELECT id, label, props FROM nodes WHERE label NOT IN ({marks}) "
                      "ORDER BY id", tuple(labels)))
        with self.reading(), self._reading("the nodes"):
            for sql, args in parts:
                for nid, label, props in self.db.execute(sql, args):
                    yield Node(nid, label, _props(props))

    def iter_rels(self) -> Iterator[Rel]:
        """``Store.iter_rels`` from the rels table, type by type, each in key order."""
        types = sorted(MODEL.relationships)
        marks = ",".join("?" * len(types))
        parts = [("SELECT src, type, dst, props FROM rels WHERE type = ? "
                  "ORDER BY src, dst, role", (typ,)) for typ in types]
        parts.append((f"SELECT src, type, dst, props FROM rels WHERE type NOT IN ({marks}) "
                      "ORDER BY type, src, dst, role", tuple(types)))
        rel_props = _RelProps()
        with self.reading(), self._reading("the relationships"):
            for sql, args in parts:
                for src, typ, dst, props in self.db.execute(sql, args):
                    yield Rel(src, typ, dst, rel_props(props))

    def rel_ends(self, rel_type: str) -> Iterator[tuple[str, str]]:
        """``Store.rel_ends``: two columns of the rels table, a cursor at a time."""
        MODEL.rel_type(rel_type)
        with self.reading(), self._reading("the relationships"):
            yield from self.db.execute("SELECT src, dst FROM rels WHERE type = ?", (rel_type,))

    def neighbourhoods(self, entity_ids: Iterable[str], hops: int = 1) -> Subgraph:
        """``Store.neighbourhoods`` in one read transaction: each step reads the parties of
        only the deals not seen before, and the subgraph reuses those rows."""
        with self.reading():
            entities, deals = set(entity_ids), set()
            frontier = set(entities)
            parties: list[tuple] = []
            for _ in range(max(0, hops)):
                if not frontier:
                    break
                fresh = {r[0] for r in self._in_chunks(
                    "SELECT dst FROM rels WHERE type='PARTY_TO' AND src IN ({marks})",
                    frontier)} - deals
                rows = self._in_chunks("SELECT src, dst, props FROM rels "
                                       "WHERE type='PARTY_TO' AND dst IN ({marks})", fresh)
                deals |= fresh
                parties += rows
                frontier = {r[0] for r in rows} - entities
                entities |= frontier
            return self._subgraph(entities | deals, parties, deals)

    def _subgraph(self, wanted: set, parties: list[tuple] = (),
                  covered: set = frozenset()) -> Subgraph:
        """The subgraph of ``wanted`` (plus the sources they cite), inside a read
        transaction. ``parties`` are (src, dst, props) rows already read: every party of
        each deal in ``covered``.

        Relationships other than parties are read by their start node; parties by their
        deal (PARTY_TO ends at a Deal), so a hub's thousands of deals outside the
        subgraph are never read."""
        wanted |= {r[0] for r in self._in_chunks(
            "SELECT dst FROM rels WHERE type='CITES' AND src IN ({marks})", wanted)}
        nodes = self._in_chunks("SELECT id, label, props FROM nodes WHERE id IN ({marks})",
                                wanted)
        present = {n[0] for n in nodes}
        rows = [(src, _PARTY, dst, props) for src, dst, props in parties]
        rows += self._in_chunks(
            "SELECT src, type, dst, props FROM rels WHERE src IN ({marks}) "
            f"AND type IN ({_NOT_PARTY_SQL})", present)
        rows += self._in_chunks(
            f"SELECT src, type, dst, props FROM rels WHERE type='{_PARTY}' AND dst IN ({{marks}})",
            [nid for nid, label, _ in nodes if label == "Deal" and nid not in covered])
        rel_props = _RelProps()
        nodes.sort()
        with self._reading("a subgraph"):
            sub = Subgraph({nid: Node(nid, label, _props(props)) for nid, label, props in nodes})
            sub.rels = sorted((Rel(src, typ, dst, rel_props(props))
                               for src, typ, dst, props in rows
                               if src in present and dst in present), key=_rel_key)
        return sub

    def close(self) -> None:
        try:
            self.db.close()
        except sqlite3.Error:
            pass


_ENTITY_LABELS = tuple(MODEL.kinds[k].label for k in MODEL.entity_kinds)
# Stores written before 2026-12 kept a pickled whole graph in a ``snapshot`` table.
# It is never read; the next load or clear drops it.
_DROP_OLD_CACHE = "DROP TABLE IF EXISTS snapshot"
_PARTY = MODEL.rel_type("PARTY_TO")
_NOT_PARTY_SQL = ",".join(f"'{MODEL.rel_type(t)}'" for t in sorted(MODEL.relationships)
                          if t != _PARTY)


class _Stored(StoredState):
    """What the planner reads from the embedded store, inside the load's transaction."""

    def __init__(self, store: EmbeddedStore, cur):
        self.store, self.cur = store, cur

    def is_empty(self) -> bool:
        return self.cur.execute("SELECT 1 FROM nodes LIMIT 1").fetchone() is None

    def nodes(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        return {nid: (label, props) for nid, label, props in self.store._in_chunks(
            "SELECT id, label, props FROM nodes WHERE id IN ({marks})", ids)}

    def owned_rels(self, rel_types: list[str], src_ids: list[str]) -> list[tuple]:
        out = []
        for t in rel_types:
            out += self.store._in_chunks(
                "SELECT src, type, dst, role, props FROM rels "
                f"WHERE type='{MODEL.rel_type(t)}' AND src IN ({{marks}})", src_ids)
        return out

    def party_rels(self, deal_ids: list[str]) -> list[tuple]:
        self.store._ensure_rel_index()
        return self.store._in_chunks("SELECT src, type, dst, role, props FROM rels "
                                     f"WHERE type='{_PARTY}' AND dst IN ({{marks}})", deal_ids)


class _Load(StoreWriter):
    """One load into the embedded store: a single write transaction from the first read
    of validation to ``commit``, fed batch by batch so that a big load never holds all
    its records. A crash, an error or ``rollback`` leaves the store as it was.

    What each batch changes is the load planner's (``dealgraph.graph.plan``); this
    writes its parts: nodes and their name keys, then the relationships gone and new.
    """

    def __init__(self, store: EmbeddedStore):
        self.store = store
        self.cur = store.db.cursor()
        self.cur.execute("BEGIN IMMEDIATE")
        self.open = True
        # a page cache of 64 MB for a big load's B-tree pages (SQLite's default is 2 MB):
        # inserts in random key order then hit cached pages; back to the default after
        self.cur.execute(f"PRAGMA cache_size=-{_LOAD_CACHE_KB}")
        self.cur.execute(_DROP_OLD_CACHE)
        self.planner = LoadPlanner(_Stored(store, self.cur))
        self.summary = self.planner.summary
        self.rel_count: int | None = 0 if self.planner.empty else None

    def write(self, batch: Batch) -> None:
        with paused_gc():
            self._carry_out(self.planner.part(batch))

    def _carry_out(self, part: Part) -> None:
        cur, store = self.cur, self.store
        changed = [(n, _dumps(n.props)) for n in part.created] + part.updated
        # in key order: inserts into the B-trees then touch each page once, not at random
        # (a batch of 140,000 nodes: 0.5 s instead of 2.7 s)
        changed.sort(key=_by_node_id)
        cur.executemany("INSERT OR REPLACE INTO nodes VALUES (?,?,?)",
                        [(n.id, n.label, props) for n, props in changed])
        if part.updated:
            cur.executemany("DELETE FROM names WHERE id=?", [(n.id,) for n, _ in part.updated])
        cur.executemany("INSERT OR IGNORE INTO names VALUES (?,?)",
                        sorted((k, n.id) for n, _ in changed for k in _name_keys(n)))
        # with the properties: a party row whose note changed was replaced by its new
        # row (same key) before the last part deletes the rows deals no longer have
        cur.executemany("DELETE FROM rels WHERE src=? AND type=? AND dst=? AND role=? "
                        "AND props=?", part.gone)
        new = part.new
        if len(new) >= _REBUILD_INDEX_AT and not store._rel_index_dropped:
            if self.rel_count is None:
                self.rel_count = cur.execute("SELECT COUNT(*) FROM rels").fetchone()[0]
            if 2 * len(new) >= self.rel_count:
                cur.execute("DROP INDEX IF EXISTS rels_by_dst")
                store._rel_index_dropped = True
        # in order of start node, for locality in the primary key (the planner sorts them;
        # a batch never holds two rows with one key)
        cur.executemany("INSERT OR REPLACE INTO rels VALUES (?,?,?,?,?)", new)
        if self.rel_count is not None:
            self.rel_count += len(new)

    def commit(self) -> ApplySummary:
        cur, summary = self.cur, self.summary
        try:
            self._carry_out(self.planner.finish())
            self.store._ensure_rel_index()
            if self.model_extension is not None:
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('model_extension', ?)",
                            (self.model_extension.to_json(),))
            if summary.created or summary.updated or summary.rels_added or summary.rels_removed:
                cur.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                            "WHERE key='generation'")
            cur.execute("COMMIT")
            self.open = False
            cur.execute(f"PRAGMA cache_size=-{_CACHE_KB}")
        except BaseException:
            self.rollback()
            raise
        if self.model_extension is not None:
            self.store.model_extension = self.model_extension
        return summary

    def rollback(self) -> None:
        if self.open:
            self.open = False
            self.store._rel_index_dropped = False  # the DROP INDEX is rolled back too
            self.cur.execute("ROLLBACK")
            self.cur.execute(f"PRAGMA cache_size=-{_CACHE_KB}")


def _props(text: str) -> dict:
    """The properties stored as ``text``: a JSON object, else ValueError (a damaged or
    hostile store file; ``EmbeddedStore._reading`` reports it)."""
    props = json.loads(text)
    if props.__class__ is not dict:
        raise ValueError(f"{text[:40]!r} is not a JSON object")
    return props


def _short(exc: BaseException) -> str:
    """The first line of an exception's message, at most 120 characters."""
    text = (str(exc) or exc.__class__.__name__).strip().splitlines()[0]
    return text if len(text) <= 120 else text[:117] + "..."


def _by_node_id(pair: tuple) -> str:
    return pair[0].id


def _rel_key(rel: Rel) -> tuple:
    return rel.key


class _RelProps:
    """json.loads of relationship properties, parsing each distinct text once (most are
    ``{}`` or one of a few roles); every caller gets its own dict."""

    def __init__(self):
        self.seen: dict[str, dict] = {}

    def __call__(self, text: str) -> dict:
        return dict(self.seen_or_load(text))

    def seen_or_load(self, text: str) -> dict:
        """The parsed dict itself, shared: for callers that copy it."""
        props = self.seen.get(text)
        if props is None:
            props = self.seen[text] = _props(text)
        return props


def _name_keys(node: Node) -> set[str]:
    """The ``entity_keys`` of an entity (what users may type to find it); none for
    other nodes."""
    if node.label not in _ENTITY_LABELS:
        return set()
    return entity_keys(node.id, node.props)
