"""The Neo4j store: the same typed graph in a Neo4j server, cluster or Aura.

Nodes carry their kind's label (Firm, Government, Person, Deal, Source) and
entities also ``Entity``; each key label has a uniqueness constraint on ``id``,
created on first use. Writes are batched ``UNWIND $rows ...`` statements in one
write transaction, so a load is atomic here too, unless it writes more than
``ATOMIC_ROWS`` nodes and relationships: such a load (an initial import of
hundreds of thousands of deals) is committed in transactions of ``TX_ROWS`` rows,
which a server's transaction memory can hold, while one transaction keeps the
load lock (see ``_write_in_parts``). Only values travel as
parameters; labels and relationship types in query text come from the model
(``MODEL.label`` / ``MODEL.rel_type`` refuse anything else). Reads use read
routing, so the same code works against a cluster.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable

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
from .records import ApplySummary, Batch, Node, Rel, Subgraph
from .store import Store, entity_field, paused_gc

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
# uniqueness constraint) makes concurrent loads wait for each other; see _apply_tx.
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
        if self.outdated:  # loading again migrates: never a mix of old and new dates
            self.migrate()
        self._parts_committed = 0
        if batch.model_extension is not None:
            try:
                self._ensure_types(MODEL)
            except (ServiceUnavailable, SessionExpired) as exc:
                raise StoreUnavailable(f"lost Neo4j at {self.uri} ({_reason(exc)})") from None
        try:
            with self._session(write=True) as session, paused_gc():
                summary = session.execute_write(self._apply_tx, batch)
            if batch.model_extension is not None:
                self.model_extension = batch.model_extension
            return summary
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

    def _apply_tx(self, tx, batch: Batch) -> ApplySummary:
        # 0. one load at a time: this MERGE waits on the constraint's index entry until any
        # other load's transaction ends, so what follows reads what that load committed
        # (two loads at once would otherwise both create a node or a relationship). The node
        # is deleted again before the commit.
        tx.run(f"MERGE (:{LOAD_LOCK} {{id: 'load'}})").consume()
        summary, writes = self._plan(tx, batch)
        if sum(len(rows) for _, rows in writes) <= self.atomic_rows:
            for cypher, rows in writes:
                # not consumed one by one: the driver sends the next statement while the
                # server runs this one; the commit waits for all of them
                tx.run(cypher, rows=rows)
        else:
            self._write_in_parts(tx, writes)
        if batch.model_extension is not None:
            tx.run(f"MERGE (m:{META} {{id: 'model'}}) SET m.extension = $e",
                   e=batch.model_extension.to_json()).consume()
        tx.run(f"MERGE (m:{FORMAT_LABEL} {{id: 'store'}}) SET m.format = $f", f=FORMAT).consume()
        tx.run(f"MATCH (n:{LOAD_LOCK} {{id: 'load'}}) DELETE n").consume()
        return summary

    def _write_in_parts(self, lock_tx, writes: list[tuple[str, list]]) -> None:
        """Commit ``writes`` in order, in transactions of at most ``tx_rows`` rows, from a
        second session, while ``lock_tx`` stays open holding the load lock: other loads
        wait as they do for a one-transaction load, and if this process dies the server
        ends ``lock_tx`` and so frees the lock. Nodes are written before relationships and
        deletions before creations, so what a crash leaves is a state from which loading
        the same files again (a fresh diff) completes the load."""
        parts: list[list[tuple[str, list]]] = [[]]
        size = 0
        for cypher, rows in writes:
            if size and size + len(rows) > self.tx_rows:
                parts.append([])
                size = 0
            parts[-1].append((cypher, rows))
            size += len(rows)
        with self._session(write=True) as session:
            for part in parts:
                lock_tx.run("RETURN 1").consume()  # the lock is still held
                tx = session.begin_transaction()
                try:
                    for cypher, rows in part:
                        tx.run(cypher, rows=rows)
                    tx.commit()
                finally:
                    tx.close()
                self._parts_committed += 1

    def _plan(self, tx, batch: Batch) -> tuple[ApplySummary, list[tuple[str, list]]]:
        """Compare ``batch`` with the store; the summary and the writes, in order, as
        (Cypher, rows) pairs of at most ``CHUNK`` rows."""
        summary = ApplySummary()
        writes: list[tuple[str, list]] = []
        labels = {n.id: n.label for n in batch.nodes}
        # an empty store (a first import) has nothing to compare with
        empty = all(tx.run(f"MATCH (n:{MODEL.label(k)}) RETURN count(n) AS n").single()["n"] == 0
                    for k in KEY_LABELS)
        # 1. compare with what is stored, and write only changed nodes
        existing: dict[str, tuple[str, dict]] = {}
        by_key: dict[str, list[str]] = {}
        for n in ([] if empty else batch.nodes):
            by_key.setdefault(key_label(n.label), []).append(n.id)
        for klabel, ids in by_key.items():
            for chunk in _chunks(ids):
                for rec in tx.run(f"MATCH (n:{MODEL.label(klabel)}) WHERE n.id IN $ids RETURN n",
                                  ids=chunk):
                    node = _node(rec["n"])
                    existing[node.id] = (node.label, node.props)
        created: dict[str, list[dict]] = {}
        updated: dict[str, list[dict]] = {}
        for n in batch.nodes:
            old = existing.get(n.id)
            row = {"id": n.id, **n.props, **derived_props(n.label, n.id, n.props)}
            if old is None:
                summary.created += 1
                created.setdefault(n.label, []).append(row)
            elif old == (n.label, n.props):
                summary.unchanged += 1
            else:
                summary.updated += 1
                updated.setdefault(n.label, []).append(row)
        for label, rows in created.items():
            both = ":".join(MODEL.label(x) for x in dict.fromkeys([key_label(label), label]))
            cypher = f"UNWIND $rows AS row CREATE (n:{both}) SET n = row{companion_set(label, 'n', 'row')}"
            writes.extend((cypher, chunk) for chunk in _chunks(rows))
        for label, rows in updated.items():
            klabel = key_label(label)
            others = [lab for lab in ENTITY_LABELS if lab != label] if klabel == ENTITY_LABEL else []
            remove = f" REMOVE n:{':'.join(MODEL.label(o) for o in others)}" if others else ""
            extra = f" SET n:{MODEL.label(label)}" if klabel != label else ""
            cypher = (f"UNWIND $rows AS row MATCH (n:{MODEL.label(klabel)} {{id: row.id}}) "
                      f"SET n = row{companion_set(label, 'n', 'row')}{remove}{extra}")
            writes.extend((cypher, chunk) for chunk in _chunks(rows))

        # 2. replace owned relationships: read the old ones, delete the gone, create the new
        # (only nodes that existed before this load can have any)
        before: set[tuple] = set()
        owned = {k.label: sorted({f.rel for f in k.rel_fields}) for k in MODEL.kinds.values()
                 if k.label}
        # an entity owns the relationships of every entity kind: one that changed kind loses
        # those of its old kind (also when a load that changed the kind stopped half-way)
        entity_owned = sorted({t for lab in ENTITY_LABELS for t in owned.get(lab, [])})
        for label in {n.label for n in batch.nodes}:
            kl = MODEL.label(key_label(label))
            types = entity_owned if kl == ENTITY_LABEL else owned.get(label) or []
            if not types:
                continue
            ids = [n.id for n in batch.nodes if n.label == label and n.id in existing]
            rtypes = "|".join(MODEL.rel_type(t) for t in types)
            for chunk in _chunks(ids):
                for rec in tx.run(f"MATCH (a:{kl})-[r:{rtypes}]->(b) WHERE a.id IN $ids "
                                  "RETURN a.id AS src, type(r) AS type, b.id AS dst, "
                                  "properties(r) AS props", ids=chunk):
                    before.add(_relkey(rec["src"], rec["type"], rec["dst"], rec["props"]))
        party = MODEL.rel_type(MODEL.kinds["Party"].rel)
        deals = [] if empty else sorted(d for d in batch.party_deals
                                        if d in existing or d not in labels)
        for chunk in _chunks(deals):
            for rec in tx.run(f"MATCH (a:{ENTITY_LABEL})-[r:{party}]->(d:Deal) WHERE d.id IN $ids "
                              "RETURN a.id AS src, d.id AS dst, properties(r) AS props", ids=chunk):
                before.add(_relkey(rec["src"], party, rec["dst"], rec["props"]))
        after = {_relkey(r.src, r.type, r.dst, r.props) for r in batch.rels}
        gone = before - after
        new = after - before
        summary.rels_removed, summary.rels_added = len(gone), len(new)
        ends = {k[0] for k in gone | new} | {k[2] for k in gone | new}
        stored_labels = {} if empty else self._labels_tx(tx, {i for i in ends if i not in labels})
        stored_labels.update(labels)
        # rows are [src, dst, props] lists: a third of the bytes of maps with key names
        for (typ, sl, dl), rows in _group(gone, stored_labels).items():
            cypher = (f"UNWIND $rows AS row MATCH (a:{sl} {{id: row[0]}})"
                      f"-[r:{MODEL.rel_type(typ)}]->(b:{dl} {{id: row[1]}}) "
                      "WHERE properties(r) = row[2] DELETE r")
            writes.extend((cypher, chunk) for chunk in _chunks(rows))
        for (typ, sl, dl), rows in _group(new, stored_labels).items():
            with_props = any(row[2] for row in rows)
            if not with_props:
                rows = [row[:2] for row in rows]
            cypher = (f"UNWIND $rows AS row MATCH (a:{sl} {{id: row[0]}}) "
                      f"MATCH (b:{dl} {{id: row[1]}}) "
                      f"CREATE (a)-[r:{MODEL.rel_type(typ)}]->(b)"
                      + (" SET r = row[2]" if with_props else ""))
            writes.extend((cypher, chunk) for chunk in _chunks(rows))
        return summary, writes

    def _labels_tx(self, tx, ids: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        ids = sorted(ids)
        for klabel in KEY_LABELS:
            for chunk in _chunks(ids):
                for rec in tx.run(f"MATCH (n:{MODEL.label(klabel)}) WHERE n.id IN $ids "
                                  "RETURN n.id AS id, labels(n) AS labels", ids=chunk):
                    out[rec["id"]] = _kind_label(rec["labels"])
        return out

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

    def entities_where(self, field: str, value) -> set[str]:
        entity_field(field)
        return {r["id"] for r in self._read_records(
            f"MATCH (e:{ENTITY_LABEL}) WHERE CASE WHEN e[$field] IS :: LIST<ANY> "
            "THEN $value IN e[$field] ELSE e[$field] = $value END RETURN e.id AS id",
            {"field": field, "value": value})}

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

    def linked_from(self, ids: Iterable[str], rel_type: str) -> set[str]:
        labels = "|".join(MODEL.label(k) for k in KEY_LABELS)
        return {r["id"] for r in self.read(
            f"MATCH (a:{labels})-[:{MODEL.rel_type(rel_type)}]->(b:{labels}) "
            "WHERE b.id IN $ids RETURN DISTINCT a.id AS id", {"ids": sorted(set(ids))})}

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

    def run_query(self, query, params: dict) -> list[dict]:
        self._require_current()
        return query.run_cypher(self, params)

    def close(self) -> None:
        try:
            self.driver.close()
        except DriverError:
            pass


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _relkey(src: str, typ: str, dst: str, props: dict) -> tuple:
    items = props.items()
    return (src, typ, dst, tuple(sorted(items)) if len(items) > 1 else tuple(items))


def _group(keys: set[tuple], labels: dict[str, str]) -> dict[tuple, list[list]]:
    """Relationship keys as [src, dst, props] rows, by (type, start label, end label)."""
    out: dict[tuple, list[list]] = {}
    key_labels = {label: MODEL.label(key_label(label)) for label in set(labels.values())}
    for src, typ, dst, props in sorted(keys):
        group = (typ, key_labels[labels[src]], key_labels[labels[dst]])
        rows = out.get(group)
        if rows is None:
            rows = out[group] = []
        rows.append([src, dst, dict(props)])
    return out
