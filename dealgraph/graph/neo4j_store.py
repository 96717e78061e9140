"""The Neo4j store: the same typed graph in a Neo4j server, cluster or Aura.

Nodes carry their kind's label (Firm, Government, Person, Deal, Source) and
entities also ``Entity``; each key label has a uniqueness constraint on ``id``,
created on first use. Writes are batched ``UNWIND $rows ...`` statements in one
write transaction, so a load is atomic here too, unless it writes more than
``ATOMIC_ROWS`` nodes and relationships: such a load (an initial import of
hundreds of thousands of deals) is committed in transactions of ``TX_ROWS`` rows,
which a server's transaction memory can hold, while one transaction keeps the
load lock (see ``_Load``). What a load changes is the load planner's
(``dealgraph.graph.plan``); this module only writes it. Only values travel as
parameters; labels and relationship types in query text come from the model
(``MODEL.label`` / ``MODEL.rel_type`` refuse anything else). Reads use read
routing, so the same code works against a cluster.
"""

from __future__ import annotations

import json
import queue
import tempfile
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import AuthError, ClientError, ConfigurationError, DriverError, \
    IncompleteCommit, Neo4jError, ServiceUnavailable, SessionExpired, TransientError

from ..errors import DealgraphError, StoreUnavailable
from .neo4j_settings import Neo4jSettings
from .model import ENTITY_LABEL, MODEL
from .notifications import driver_config
from .neo4j_schema import FORMAT, FORMAT_LABEL, KEY_LABELS, NAME_KEYS, WITHOUT_NAME_KEYS, \
    companion_keys, companion_set, derived_props, migrate_statements, name_keys_text, \
    outdated_query, schema_statements
from .plan import LoadPlanner, Part, RelRow, StoredState, dumps
from .records import ApplySummary, Batch, Node, Rel, Subgraph
from .store import Store, StoreWriter, node_labels_in_order, paused_gc

__all__ = ["Neo4jStore"]

CHUNK = 10_000
# A load that writes (creates, updates or deletes) at most ATOMIC_ROWS nodes and relationships
# is one transaction. A bigger one is committed in transactions of at most TX_ROWS rows each:
# a single transaction of 100,000 deals (515,000 rows) already takes most of a 2 GB heap's
# transaction memory, and 1,000,000 deals fail with MemoryPoolOutOfMemoryError.
ATOMIC_ROWS = 200_000
TX_ROWS = 50_000
MEMORY_ERROR = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
URI_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")
ENTITY_LABELS = tuple(MODEL.kinds[k].label for k in MODEL.entity_kinds)
# Not a model label: a node that exists only inside a write transaction, whose MERGE (on a
# uniqueness constraint) makes concurrent loads wait for each other; see _Load.
LOAD_LOCK = "DealgraphLoadLock"
# Not a model label either: the one node {id: 'model'} that keeps the store's model extension
# as JSON (see dealgraph.graph.extension); no saved query or export reads it.
META = "DealgraphMeta"
# Cypher property types of extension fields, for property type constraints (which need
# Neo4j Enterprise; on Community the types are still right, as values are typed by
# validation). Dates are left out: how they are stored is the date code's business.
_CYPHER_TYPES = {"text": "STRING", "url": "STRING", "enum": "STRING", "currency": "STRING",
                 "integer": "INTEGER", "number": "INTEGER | FLOAT", "percent": "INTEGER | FLOAT",
                 "list": "LIST<STRING NOT NULL>", "countries": "LIST<STRING NOT NULL>"}


def key_label(label: str) -> str:
    """The label whose uniqueness constraint finds a node of kind ``label``."""
    return ENTITY_LABEL if label in ENTITY_LABELS else MODEL.label(label)


def _kind_label(labels: Iterable[str]) -> str:
    for label in labels:
        if label != ENTITY_LABEL and label in MODEL.labels:
            return label
    raise DealgraphError(f"node with labels {sorted(labels)} is not a dealgraph node")


_COMPANIONS = {label: companion_keys(label) for label in MODEL.labels}


def _node(n) -> Node:
    """A driver node as a dealgraph Node: its DATE companions left out (they are derived
    from the date fields, which hold the values as loaded)."""
    props = dict(n)
    nid = props.pop("id")
    label = _kind_label(n.labels)
    for key in _COMPANIONS.get(label, ()):
        props.pop(key, None)
    return Node(nid, label, props)


def _chunks(rows: list, size: int = CHUNK):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


class Neo4jStore(Store):
    """A store in Neo4j, reached with the official driver."""

    backend = "neo4j"
    outdated = False  # dates without DATE companions: see neo4j_schema and migrate()
    atomic_rows = ATOMIC_ROWS  # instance attributes may override these (the tests do)
    tx_rows = TX_ROWS

    def __init__(self, settings: Neo4jSettings):
        self.settings = settings
        self.uri = settings.uri
        self.database = settings.database
        scheme = str(settings.uri).split("://", 1)[0].lower() if "://" in str(settings.uri) else ""
        if scheme not in URI_SCHEMES:
            raise StoreUnavailable(f"bad Neo4j URI {self.uri!r}: use one of "
                                   + ", ".join(f"{s}://" for s in URI_SCHEMES))
        if settings.password is None:
            raise StoreUnavailable(
                f"no password for Neo4j at {self.uri}: set NEO4J_PASSWORD "
                "(or pass --neo4j-password-prompt)")
        try:
            self.driver = GraphDatabase.driver(settings.uri, auth=(settings.user, settings.password),
                                               **driver_config(settings.notifications))
            self.driver.verify_connectivity()
        except AuthError:
            raise StoreUnavailable(
                f"Neo4j at {self.uri} refused the credentials of user {settings.user!r}; "
                "check NEO4J_USER and NEO4J_PASSWORD (the password is not shown)") from None
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise StoreUnavailable(
                f"cannot reach Neo4j at {self.uri} ({_reason(exc)}); start a server "
                "(docker compose up -d, or eval \"$(scripts/neo4j-local start)\") "
                "or point NEO4J_URI at one") from None
        except (ConfigurationError, ValueError) as exc:
            raise StoreUnavailable(f"bad Neo4j URI {self.uri!r}: {exc} "
                                   "(use bolt://, neo4j:// or neo4j+s://)") from None
        except Neo4jError as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} refused the connection: "
                                   f"{exc.message}") from None
        self._ensure_schema()
        self.use_own_model()

    def describe(self) -> str:
        return f"Neo4j at {self.uri}"

    def _read_extension_json(self) -> str | None:
        # properties(m), not m.extension: no "unknown property" notice on a fresh database
        rows = self.read(f"MATCH (m:{META} {{id: 'model'}}) RETURN properties(m) AS p")
        return rows[0]["p"].get("extension") if rows else None

    def _ensure_types(self, model) -> list[str]:
        """Property type constraints for the fields a model extension adds, where the
        server supports them (Enterprise); the names of those it created or had."""
        made = []
        for kind in model.kinds.values():
            for f in kind.fields.values():
                ctype = _CYPHER_TYPES.get(f.type)
                if not f.extension or ctype is None:
                    continue
                name = f"dealgraph_ext_{kind.name.lower()}_{f.name}_type"
                if kind.label:
                    target = f"(n:{MODEL.label(kind.label)})"
                else:
                    target = f"()-[n:{MODEL.rel_type(kind.rel)}]-()"
                try:
                    with self._session(write=True) as session:
                        session.run(f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR {target} "
                                    f"REQUIRE n.`{f.name}` IS :: {ctype}").consume()
                    made.append(name)
                except Neo4jError:
                    return made  # Community edition: no property type constraints
        return made

    # -- plumbing --------------------------------------------------------------
    def _session(self, write: bool = False):
        mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
        return self.driver.session(database=self.database, default_access_mode=mode)

    @contextmanager
    def reading(self):
        """One read transaction (read routing) that ``read`` uses until the block ends.
        Neo4j isolates reads at read-committed: one statement sees one state, but a
        second statement in the same transaction may see a load committed after the
        first; saved queries therefore answer in one statement where they can."""
        if getattr(self, "_tx", None) is not None:
            yield self
            return
        try:
            session = self._session()
            tx = session.begin_transaction()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.uri} ({_reason(exc)})") from None
        self._tx = tx
        try:
            yield self
        finally:
            self._tx = None
            try:
                tx.close()  # read only: nothing to commit
            finally:
                session.close()

    def read(self, cypher: str, params: dict | None = None) -> list[dict]:
        """Run read-only Cypher with read routing and return the records as dicts."""
        return [r.data() for r in self._read_records(cypher, params)]

    def read_records(self, cypher: str, params: dict | None = None) -> list:
        """``read``, with the driver's records (immutable tuples readable by key): less
        memory than dicts for answers of millions of rows."""
        return self._read_records(cypher, params)

    def _read_records(self, cypher: str, params: dict | None = None):
        tx = getattr(self, "_tx", None)
        try:
            if tx is not None:
                return list(tx.run(cypher, params or {}))
            records, _, _ = self.driver.execute_query(
                cypher, params or {}, database_=self.database, routing_=RoutingControl.READ)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.uri} ({_reason(exc)})") from None
        return records

    def _ensure_schema(self) -> None:
        statements = schema_statements()
        statements.append(f"CREATE CONSTRAINT dealgraph_load_lock IF NOT EXISTS "
                          f"FOR (n:{LOAD_LOCK}) REQUIRE n.id IS UNIQUE")
        statements.append(f"CREATE CONSTRAINT dealgraph_store_format IF NOT EXISTS "
                          f"FOR (n:{FORMAT_LABEL}) REQUIRE n.id IS UNIQUE")
        statements.append(f"CREATE CONSTRAINT dealgraph_meta_id IF NOT EXISTS "
                          f"FOR (n:{META}) REQUIRE n.id IS UNIQUE")
        try:
            with self._session(write=True) as session:
                for stmt in statements:
                    session.run(stmt).consume()
                self.outdated = self._check_format(session)
        except ClientError as exc:
            raise StoreUnavailable(f"cannot set up the dealgraph schema in Neo4j at "
                                   f"{self.uri}: {exc.message}") from None
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.uri} ({_reason(exc)})") from None

    def _check_format(self, session) -> bool:
        """Whether the database holds what an earlier dealgraph wrote (dates without their
        DATE companions, one-value countries). A database with the current format marker
        is not searched; the marker is written by loads and migrations only, so opening a
        database (for a read-only command, too) writes no data."""
        rec = session.run(f"MATCH (m:{FORMAT_LABEL} {{id: 'store'}}) RETURN m.format AS f"
                          ).single()
        if rec is not None and rec["f"] == FORMAT:
            return False
        return session.run(outdated_query()).peek() is not None

    def migrate(self) -> int:
        """Bring a database written by an earlier dealgraph up to date: every dated node gets
        its DATE companions and every one-value country becomes a list (in transactions of
        10,000 nodes; running it again is harmless), then the database is marked current.
        Returns the number of values migrated."""
        changed = 0
        try:
            with self._session(write=True) as session:
                for stmt, per_value in migrate_statements():
                    summary = session.run(stmt).consume()
                    changed += summary.counters.properties_set // per_value
                changed += self._fill_name_keys(session)
                session.run(f"MERGE (m:{FORMAT_LABEL} {{id: 'store'}}) SET m.format = $f",
                            f=FORMAT).consume()
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.uri} during the migration "
                                   f"({_reason(exc)}); run it again") from None
        self.outdated = False
        return changed

    def _fill_name_keys(self, session) -> int:
        """Give every entity without them its ``name_keys`` (computed in Python, written in
        transactions of ``CHUNK`` entities); how many it gave them to."""
        done = 0
        while True:
            rows = [{"id": r["id"], "k": name_keys_text(r["id"], {"name": r["name"],
                                                                 "aliases": r["aliases"] or []})}
                    for r in session.run(f"{WITHOUT_NAME_KEYS} RETURN n.id AS id, "
                                         "n.name AS name, n.aliases AS aliases "
                                         "LIMIT $n", n=CHUNK)]
            if not rows:
                return done
            session.run(f"UNWIND $rows AS row MATCH (n:{ENTITY_LABEL} {{id: row.id}}) "
                        f"SET n.{NAME_KEYS} = row.k", rows=rows).consume()
            done += len(rows)

    def _require_current(self) -> None:
        if self.outdated:
            raise DealgraphError(
                f"the Neo4j database at {self.uri} was written by an earlier dealgraph that "
                "kept dates as text only, countries as one value or no name keys; migrate it "
                "first: "
                "dealgraph migrate --backend neo4j (or load your data again)")

    # -- writes ----------------------------------------------------------------
    def apply(self, batch: Batch) -> ApplySummary:
        with self.writer() as load:
            load.model_extension = getattr(batch, "model_extension", None)
            load.write(batch)
            return load.commit()

    def writer(self) -> "_Load":
        """A load written batch by batch as the loader validates it (see ``_Load``)."""
        return _Load(self)

    @contextmanager
    def _write_errors(self):
        """What a failed write tells the user: one line, and whether part of the load was
        committed."""
        try:
            yield
        except IncompleteCommit as exc:
            raise StoreUnavailable(
                f"lost Neo4j at {self.uri} while committing ({_reason(exc)}); the load may or "
                "may not be in the store: run it again (loading is idempotent)") from None
        except (ServiceUnavailable, SessionExpired, TransientError) as exc:
            if isinstance(exc, Neo4jError) and exc.code == MEMORY_ERROR:
                raise StoreUnavailable(
                    f"Neo4j at {self.uri} ran out of transaction memory during the write "
                    f"({_reason(exc)}); {self._outcome()}. Give the server more heap "
                    "(dbms.memory.transaction.total.max is 70% of it by default)") from None
            raise StoreUnavailable(
                f"lost Neo4j at {self.uri} during the write ({_reason(exc)}); "
                f"{self._outcome()}: run it again") from None
        except Neo4jError as exc:
            raise DealgraphError(
                f"Neo4j at {self.uri} refused the write ({exc.code}: {_reason(exc)}); "
                f"{self._outcome('rolled back')}") from None

    def _outcome(self, verb: str = "not committed") -> str:
        if self._parts_committed:
            return (f"{self._parts_committed} of the load's transactions were committed, so "
                    "part of this load is in the store: running it again completes it")
        return f"the transaction was {verb}, so nothing of this load is in the store"

    _parts_committed = 0

    def _begin_parts(self, lock_tx) -> None:
        """Called once before the first part of a load too big for one transaction is
        committed (while ``lock_tx`` holds the load lock); a hook for tests."""

    def _part_committed(self) -> None:
        """Called in the writer thread after each part of a big load is committed; a hook
        for tests."""

    def _plan(self, tx, batch: Batch) -> tuple[ApplySummary, list[tuple[str, list]]]:
        """The summary and the writes, as (Cypher, rows) pairs in order, of loading
        ``batch`` as one batch, read in ``tx`` (for tests and inspection: loads stream)."""
        planner = LoadPlanner(_Stored(self, tx), ends_first=True)
        writes = _statements(planner.part(batch)) + _statements(planner.finish())
        return planner.summary, writes

    def clear(self) -> None:
        labels = "|".join(MODEL.label(k) for k in KEY_LABELS)
        try:
            with self._session(write=True) as session:
                # relationships first: 10,000 nodes that include the hubs of a big graph carry
                # millions of relationships, too many for one transaction's memory
                session.run(f"MATCH (:{labels})-[r]->() CALL (r) {{ DELETE r }} "
                            "IN TRANSACTIONS OF 10000 ROWS").consume()
                session.run(f"MATCH (n:{labels}) CALL (n) {{ DETACH DELETE n }} "
                            "IN TRANSACTIONS OF 10000 ROWS").consume()
                session.run(f"MATCH (m:{META}) DELETE m").consume()
                # an empty database is current: the next load writes the marker again
                session.run(f"MATCH (m:{FORMAT_LABEL}) DELETE m").consume()
                self.outdated = False
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.uri} ({_reason(exc)})") from None
        self.use_own_model()  # an empty store has no extension

    # -- lookups ---------------------------------------------------------------
    def labels_of(self, ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(ids))
        out: dict[str, str] = {}
        for klabel in KEY_LABELS:
            for chunk in _chunks(ids):
                for rec in self._read_records(
                        f"MATCH (n:{MODEL.label(klabel)}) WHERE n.id IN $ids "
                        "RETURN n.id AS id, labels(n) AS labels", {"ids": chunk}):
                    out[rec["id"]] = _kind_label(rec["labels"])
        return out

    def deals_with_parties(self, ids: Iterable[str]) -> set[str]:
        party = MODEL.rel_type("PARTY_TO")
        out: set[str] = set()
        for chunk in _chunks(sorted(set(ids))):
            out.update(r["id"] for r in self.read(
                f"MATCH (d:Deal) WHERE d.id IN $ids AND EXISTS {{ (d)<-[:{party}]-() }} "
                "RETURN d.id AS id", {"ids": chunk}))
        return out

    # -- reads -----------------------------------------------------------------
    def stats(self) -> dict:
        out = {}
        for label in (MODEL.kinds[k].label for k in MODEL.node_kinds):
            out[label] = self.read(f"MATCH (n:{MODEL.label(label)}) RETURN count(n) AS n")[0]["n"]
        rels = {}
        for typ in sorted(MODEL.relationships):
            rels[typ] = self.read(f"MATCH ()-[r:{MODEL.rel_type(typ)}]->() "
                                  "RETURN count(r) AS n")[0]["n"]
        out["parties"] = rels.get("PARTY_TO", 0)
        out["relationships"] = rels
        return out

    def entity_index(self) -> list[Node]:
        return [_node(r["n"]) for r in self._read_records(
            f"MATCH (n:{ENTITY_LABEL}) RETURN n ORDER BY n.id")]

    def find_entities(self, text: str) -> list[Node]:
        from .resolve import lookup_keys
        # one index look-up per key (the text index answers CONTAINS)
        return [_node(r["n"]) for r in self._read_records(
            f"UNWIND $keys AS key MATCH (n:{ENTITY_LABEL}) WHERE n.{NAME_KEYS} CONTAINS key "
            "WITH DISTINCT n RETURN n ORDER BY n.id",
            {"keys": [f"\n{k}\n" for k in lookup_keys(text)]})]

    def name_index(self) -> list[tuple[str, str]]:
        return [(k, r["id"]) for r in self._read_records(
                    f"MATCH (n:{ENTITY_LABEL}) RETURN n.id AS id, n.{NAME_KEYS} AS keys")
                for k in (r["keys"] or "").split("\n") if k]

    def deal_parties(self, entity_ids: Iterable[str]) -> list[Rel]:
        party = MODEL.rel_type("PARTY_TO")
        recs = self._read_records(
            f"MATCH (e:{ENTITY_LABEL})-[:{party}]->(d:Deal) WHERE e.id IN $ids "
            f"WITH DISTINCT d MATCH (p:{ENTITY_LABEL})-[r:{party}]->(d) "
            "RETURN p.id AS src, d.id AS dst, properties(r) AS props ORDER BY dst, src",
            {"ids": sorted(set(entity_ids))})
        return [Rel(r["src"], party, r["dst"], dict(r["props"])) for r in recs]

    def iter_nodes(self) -> Iterator[Node]:
        """``Store.iter_nodes``: label by label in model order, each ordered by id in the
        server; records are fetched in batches as they are consumed."""
        for label in node_labels_in_order():
            for rec in self._stream(f"MATCH (n:{MODEL.label(label)}) RETURN n ORDER BY n.id"):
                yield _node(rec["n"])

    def iter_rels(self) -> Iterator[Rel]:
        """``Store.iter_rels``: type by type, each ordered by start, end and role in the
        server (only relationships between dealgraph's nodes, as ``subgraph`` reads)."""
        labels = "|".join(MODEL.label(k) for k in KEY_LABELS)
        for typ in sorted(MODEL.relationships):
            for rec in self._stream(
                    f"MATCH (a:{labels})-[r:{MODEL.rel_type(typ)}]->(b:{labels}) "
                    "RETURN a.id AS src, b.id AS dst, properties(r) AS props "
                    "ORDER BY src, dst, coalesce(r.role, '')"):
                yield Rel(rec["src"], typ, rec["dst"], dict(rec["props"]))

    def rel_ends(self, rel_type: str) -> Iterator[tuple[str, str]]:
        """``Store.rel_ends``: two ids per record, streamed (the type comes from the model)."""
        labels = "|".join(MODEL.label(k) for k in KEY_LABELS)
        for rec in self._stream(f"MATCH (a:{labels})-[:{MODEL.rel_type(rel_type)}]->"
                                f"(b:{labels}) RETURN a.id AS src, b.id AS dst"):
            yield rec["src"], rec["dst"]

    def _stream(self, cypher: str, params: dict | None = None):
        """The records of read-only ``cypher``, fetched as they are consumed, in the
        current read transaction (or in one of their own)."""
        if getattr(self, "_tx", None) is None:
            with self.reading():
                yield from self._stream(cypher, params)
            return
        try:
            yield from self._tx.run(cypher, params or {})
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreUnavailable(f"lost Neo4j at {self.uri} ({_reason(exc)})") from None

    def subgraph(self, ids: Iterable[str] | None = None) -> Subgraph:
        labels = "|".join(MODEL.label(k) for k in KEY_LABELS)
        cites = MODEL.rel_type("CITES")
        if ids is None:
            node_recs = self._read_records(f"MATCH (n:{labels}) RETURN n")
            rel_recs = self._read_records(
                f"MATCH (a:{labels})-[r]->(b:{labels}) RETURN a.id AS src, type(r) AS type, "
                "b.id AS dst, properties(r) AS props")
        else:
            wanted = sorted(set(ids))
            node_recs = self._read_records(
                f"MATCH (n:{labels}) WHERE n.id IN $ids "
                f"OPTIONAL MATCH (n)-[:{cites}]->(s:Source) "
                "WITH collect(n) + collect(s) AS ns UNWIND ns AS n RETURN DISTINCT n",
                {"ids": wanted})
            all_ids = sorted({r["n"]["id"] for r in node_recs})
            rel_recs = self._read_records(
                f"MATCH (a:{labels})-[r]->(b:{labels}) WHERE a.id IN $ids AND b.id IN $ids "
                "RETURN a.id AS src, type(r) AS type, b.id AS dst, properties(r) AS props",
                {"ids": all_ids})
        sub = Subgraph({})
        for rec in node_recs:
            node = _node(rec["n"])
            sub.nodes[node.id] = node
        sub.nodes = dict(sorted(sub.nodes.items()))
        sub.rels = sorted((Rel(r["src"], r["type"], r["dst"], dict(r["props"]))
                           for r in rel_recs if r["type"] in MODEL.relationships),
                          key=lambda r: r.key)
        return sub

    def check_current(self) -> None:
        self._require_current()

    def close(self) -> None:
        try:
            self.driver.close()
        except DriverError:
            pass


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# -- the writer: what the planner planned, as Cypher --------------------------------------

class _Stored(StoredState):
    """What the planner reads from Neo4j, in the load's transaction ``tx`` (which holds the
    load lock), CHUNK ids a statement; each read asks the three key labels' indexes at once."""

    def __init__(self, store: "Neo4jStore", tx):
        self.store, self.tx = store, tx

    def _union(self, match: str, ret: str, ids: list[str]):
        query = " UNION ALL ".join(f"MATCH {match.format(label=MODEL.label(k))} "
                                   f"WHERE n.id IN $ids RETURN {ret}" for k in KEY_LABELS)
        for chunk in _chunks(ids):
            yield from self.tx.run(query, ids=chunk)

    def is_empty(self) -> bool:
        return self.tx.run(" UNION ALL ".join(
            f"MATCH (n:{MODEL.label(k)}) RETURN n.id AS id LIMIT 1" for k in KEY_LABELS)
            ).peek() is None

    def nodes(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        out = {}
        for rec in self._union("(n:{label})", "n", ids):
            node = _node(rec["n"])
            out[node.id] = (node.label, dumps(node.props))
        return out

    def owned_rels(self, rel_types: list[str], src_ids: list[str]) -> list[RelRow]:
        types = "|".join(MODEL.rel_type(t) for t in rel_types)
        return [_rel_row(rec["src"], rec["type"], rec["dst"], rec["props"])
                for rec in self._union(f"(n:{{label}})-[r:{types}]->(b)",
                                       "n.id AS src, type(r) AS type, b.id AS dst, "
                                       "properties(r) AS props", src_ids)]

    def party_rels(self, deal_ids: list[str]) -> list[RelRow]:
        party = MODEL.rel_type(MODEL.kinds["Party"].rel)
        out = []
        for chunk in _chunks(deal_ids):
            out += [_rel_row(rec["src"], party, rec["dst"], rec["props"])
                    for rec in self.tx.run(
                        f"MATCH (a:{ENTITY_LABEL})-[r:{party}]->(d:Deal) WHERE d.id IN $ids "
                        "RETURN a.id AS src, d.id AS dst, properties(r) AS props", ids=chunk)]
        return out

    def stored_ids(self, ids: list[str]) -> set[str]:
        return {rec["id"] for rec in self._union("(n:{label})", "n.id AS id", ids)}


def _rel_row(src: str, typ: str, dst: str, props: dict) -> RelRow:
    return (src, typ, dst, props.get("role", ""), dumps(props))


def _end_labels() -> dict[tuple[str, int], str]:
    """(relationship type, 0 for the start / 2 for the end) -> the label expression that
    finds that end by id: one key label where the model allows only one, else several."""
    ends: dict[tuple[str, int], set] = {}
    for kind in MODEL.kinds.values():
        if kind.is_node:
            for f in kind.rel_fields:
                ends.setdefault((f.rel, 0), set()).add(key_label(kind.label))
                ends.setdefault((f.rel, 2), set()).update(
                    key_label(MODEL.kinds[k].label) for k in f.ref)
        elif kind.rel:
            ends.setdefault((kind.rel, 0), set()).update(
                key_label(MODEL.kinds[k].label) for k in kind.fields["entity"].ref)
            ends.setdefault((kind.rel, 2), set()).update(
                key_label(MODEL.kinds[k].label) for k in kind.fields["deal"].ref)
    return {(MODEL.rel_type(t), end): "|".join(MODEL.label(x) for x in sorted(labels))
            for (t, end), labels in ends.items()}


class _PropsText:
    """json.loads of relationship property texts, each distinct text parsed once."""

    def __init__(self):
        self.seen: dict[str, dict] = {}

    def __call__(self, text: str) -> dict:
        props = self.seen.get(text)
        if props is None:
            props = self.seen[text] = json.loads(text)
        return props


def _statements(part: Part) -> list[tuple[str, list]]:
    """A planner's part as (Cypher, rows) pairs of at most CHUNK rows, in order: nodes
    created, nodes updated, relationships deleted, relationships created. Relationship
    ends are found by id through the key label's uniqueness index: the label of a node of
    the part's batch, else the one the model allows for that end."""
    writes: list[tuple[str, list]] = []
    created: dict[str, list[dict]] = {}
    for n in part.created:
        created.setdefault(n.label, []).append(
            {"id": n.id, **n.props, **derived_props(n.label, n.id, n.props)})
    for label, rows in created.items():
        both = ":".join(MODEL.label(x) for x in dict.fromkeys([key_label(label), label]))
        cypher = f"UNWIND $rows AS row CREATE (n:{both}) SET n = row{companion_set(label, 'n', 'row')}"
        writes.extend((cypher, chunk) for chunk in _chunks(rows))
    updated: dict[str, list[dict]] = {}
    for n, _ in part.updated:
        updated.setdefault(n.label, []).append(
            {"id": n.id, **n.props, **derived_props(n.label, n.id, n.props)})
    for label, rows in updated.items():
        klabel = key_label(label)
        others = [lab for lab in ENTITY_LABELS if lab != label] if klabel == ENTITY_LABEL else []
        remove = f" REMOVE n:{':'.join(MODEL.label(o) for o in others)}" if others else ""
        extra = f" SET n:{MODEL.label(label)}" if klabel != label else ""
        cypher = (f"UNWIND $rows AS row MATCH (n:{MODEL.label(klabel)} {{id: row.id}}) "
                  f"SET n = row{companion_set(label, 'n', 'row')}{remove}{extra}")
        writes.extend((cypher, chunk) for chunk in _chunks(rows))
    props = _PropsText()
    # rows are [src, dst, props] lists: a third of the bytes of maps with key names
    for (typ, sl, dl), rows in _group(part.gone, part.labels, props).items():
        cypher = (f"UNWIND $rows AS row MATCH (a:{sl} {{id: row[0]}})"
                  f"-[r:{typ}]->(b:{dl} {{id: row[1]}}) "
                  "WHERE properties(r) = coalesce(row[2], {}) DELETE r")
        writes.extend((cypher, chunk) for chunk in _chunks(rows))
    for (typ, sl, dl), rows in _group(part.new, part.labels, props).items():
        with_props = any(len(row) > 2 for row in rows)
        cypher = (f"UNWIND $rows AS row MATCH (a:{sl} {{id: row[0]}}) "
                  f"MATCH (b:{dl} {{id: row[1]}}) "
                  f"CREATE (a)-[r:{typ}]->(b)"
                  + (" SET r = coalesce(row[2], {})" if with_props else ""))
        writes.extend((cypher, chunk) for chunk in _chunks(rows))
    return writes


_END_LABELS: dict[int, dict] = {}


def _group(rels: list[RelRow], labels: dict[str, str], props: _PropsText
           ) -> dict[tuple, list[list]]:
    """Relationship rows as [src, dst] or [src, dst, props] lists, by (type, start label
    expression, end label expression)."""
    ends = _END_LABELS.get(id(MODEL))
    if ends is None:
        ends = _END_LABELS[id(MODEL)] = _end_labels()
    anything = "|".join(MODEL.label(k) for k in KEY_LABELS)
    key_labels = {label: MODEL.label(key_label(label)) for label in set(labels.values())}
    out: dict[tuple, list[list]] = {}
    for src, typ, dst, _role, text in rels:
        sl, dl = labels.get(src), labels.get(dst)
        group = (typ, key_labels[sl] if sl else ends.get((typ, 0), anything),
                 key_labels[dl] if dl else ends.get((typ, 2), anything))
        rows = out.get(group)
        if rows is None:
            rows = out[group] = []
        rows.append([src, dst] if text == "{}" else [src, dst, props(text)])
    return out


class _Load(StoreWriter):
    """One load into Neo4j, carried out part by part as the planner plans each batch.

    The load lock is taken (a MERGE on the uniquely constrained ``DealgraphLoadLock``
    node) by the load's first transaction, which also does every read of the planner.
    Parts are kept by the loader until they add up to more than ``atomic_rows`` rows: a
    load that stays under that is written in that one transaction at ``commit``
    (atomic). A bigger one is spilled to a temporary file (JSON lines, read back by this
    writer only), so the loader holds at most ``atomic_rows`` rows of difference, and
    nothing is written before ``commit``: a load the validation refuses, even in its
    last batch, leaves the store as it was. At ``commit`` the parts are committed in
    transactions of ``tx_rows`` rows from a second session and a background thread
    (which writes while the next part is read back), while the first transaction stays
    open with the lock. Each part writes its nodes, then deletes, then creates
    relationships, and a relationship waits until both its ends are written (see
    ``LoadPlanner``), so what a stopped load leaves is a state from which loading the
    same files again completes it.
    """

    def __init__(self, store: Neo4jStore):
        self.store = store
        store._parts_committed = 0
        self.session = self.tx = self.planner = None
        self.summary = ApplySummary()
        self.buffer: list[tuple[str, list]] = []  # the parts while the load may be atomic
        self.buffered = 0
        self.spill = None  # the temporary file of a load committed in parts
        self.open = True

    def _begin(self) -> None:
        if self.tx is not None:
            return
        store = self.store
        if store.outdated:  # loading again migrates: never a mix of old and new dates
            store.migrate()
        if self.model_extension is not None:
            store._ensure_types(MODEL)  # schema changes: before the load's transaction
        self.session = store._session(write=True)
        self.tx = self.session.begin_transaction()
        # one load at a time: this MERGE waits on the constraint's index entry until any
        # other load's transaction ends, so what follows reads what that load committed
        # (two loads at once would otherwise both create a node or a relationship). The
        # node is deleted again before the commit.
        self.tx.run(f"MERGE (:{LOAD_LOCK} {{id: 'load'}})").consume()
        self.planner = LoadPlanner(_Stored(store, self.tx), ends_first=True)
        self.summary = self.planner.summary

    def write(self, batch: Batch) -> None:
        with self.store._write_errors(), paused_gc():
            self._begin()
            self._keep(_statements(self.planner.part(batch)))

    def _keep(self, writes: list[tuple[str, list]]) -> None:
        if self.spill is None:
            self.buffer += writes
            self.buffered += sum(len(rows) for _, rows in writes)
            if self.buffered <= self.store.atomic_rows:
                return
            self.spill = tempfile.TemporaryFile("w+", encoding="utf-8",
                                                prefix="dealgraph-load-")
            writes, self.buffer = self.buffer, []
        for cypher, rows in writes:
            self.spill.write(_spill_dumps([cypher, rows]))
            self.spill.write("\n")

    def commit(self) -> ApplySummary:
        store = self.store
        try:
            with store._write_errors(), paused_gc():
                self._begin()
                self._keep(_statements(self.planner.finish()))
                if self.spill is not None:
                    self._commit_parts()
                for cypher, rows in self.buffer:
                    # not consumed one by one: the driver sends the next statement while
                    # the server runs this one; the commit waits for all of them
                    self.tx.run(cypher, rows=rows)
                self.buffer = []
                tx = self.tx
                if self.model_extension is not None:
                    tx.run(f"MERGE (m:{META} {{id: 'model'}}) SET m.extension = $e",
                           e=self.model_extension.to_json()).consume()
                tx.run(f"MERGE (m:{FORMAT_LABEL} {{id: 'store'}}) SET m.format = $f",
                       f=FORMAT).consume()
                tx.run(f"MATCH (n:{LOAD_LOCK} {{id: 'load'}}) DELETE n").consume()
                tx.commit()
        finally:
            self.rollback()
        if self.model_extension is not None:
            store.model_extension = self.model_extension
        return self.summary

    def _commit_parts(self) -> None:
        self.store._begin_parts(self.tx)
        sender = _PartSender(self.store, self.tx)
        try:
            self.spill.seek(0)
            for line in self.spill:
                cypher, rows = json.loads(line)
                sender.add([(cypher, rows)])
            sender.finish()
        finally:
            sender.stop()

    def rollback(self) -> None:
        """Roll back what is not committed yet (all of a one-transaction load; the parts
        not committed of a bigger one), free the lock and drop the temporary file."""
        if not self.open:
            return
        self.open = False
        if self.spill is not None:
            self.spill.close()
        try:
            if self.tx is not None:
                self.tx.close()
        except (DriverError, Neo4jError):
            pass
        finally:
            if self.session is not None:
                self.session.close()


# the parts of a big load in its temporary file: values only (text, numbers, lists, maps)
_spill_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class _PartSender:
    """Commits parts of a load (transactions of at most ``store.tx_rows`` rows) from a
    second session in a background thread, in order, while the loader reads the next
    part back. At most two parts wait. An error stops the thread and is raised in the
    loader at its next call."""

    def __init__(self, store: Neo4jStore, lock_tx):
        self.store, self.lock_tx = store, lock_tx
        self.part: list[tuple[str, list]] = []
        self.rows = 0
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="dealgraph-load-parts",
                                       daemon=True)
        self.thread.start()

    def add(self, writes: list[tuple[str, list]]) -> None:
        size = self.store.tx_rows
        for cypher, rows in writes:
            for i in range(0, len(rows), size):
                chunk = rows[i:i + size]
                if self.rows and self.rows + len(chunk) > size:
                    self._put()
                self.part.append((cypher, chunk))
                self.rows += len(chunk)
        if self.rows >= size:
            self._put()

    def _put(self) -> None:
        self._check()
        self.lock_tx.run("RETURN 1").consume()  # the lock is still held
        part, self.part, self.rows = self.part, [], 0
        while True:
            try:
                self.queue.put(part, timeout=1)
                return
            except queue.Full:
                self._check()

    def _check(self) -> None:
        if self.error is not None:
            raise self.error
        if not self.thread.is_alive():
            raise DealgraphError("the load's writer thread stopped")

    def finish(self) -> None:
        """Commit what is left and wait for every part."""
        if self.part:
            self._put()
        self._check()
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        if self.thread.is_alive():
            self.error = self.error or DealgraphError("load stopped")
            try:
                while True:
                    self.queue.get_nowait()
            except queue.Empty:
                pass
            self.queue.put(None)
            self.thread.join()

    def _run(self) -> None:
        try:
            with self.store._session(write=True) as session:
                while True:
                    part = self.queue.get()
                    if part is None or self.error is not None:
                        return
                    tx = session.begin_transaction()
                    try:
                        for cypher, rows in part:
                            tx.run(cypher, rows=rows)
                        tx.commit()
                    finally:
                        tx.close()
                    self.store._parts_committed += 1
                    self.store._part_committed()
        except BaseException as exc:  # noqa: BLE001 - raised in the loader's thread
            self.error = exc
