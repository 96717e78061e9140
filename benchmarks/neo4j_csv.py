"""The Neo4j baseline: ``LOAD CSV`` of a native CSV dataset, written from the model.

The statements create what dealgraph's loader creates from the same files: one
node per row with its kind label (entities also ``Entity``), list cells split on
``|``, numbers as numbers, dates with their DATE companions, the field relationships (``SUBSIDIARY_OF``, ``PART_OF``,
``AFFILIATED_WITH``, ``CITES``) and one ``PARTY_TO {role, note}`` per party row.
Nodes are MERGEd by id (the uniqueness constraints dealgraph creates are in
place) and relationships MERGEd, as a hand-written idempotent import would do;
big files go through ``CALL { … } IN TRANSACTIONS``. Unlike dealgraph's loader
this checks nothing and is not atomic: it is the speed to compare with.

The files must be readable by the server: ``import_dir`` finds the server's
import directory (``server.directories.import``), and ``run.py`` copies the
dataset there.
"""

from __future__ import annotations

import time

from dealgraph.graph.model import ENTITY_LABEL, MODEL
from dealgraph.graph.neo4j_schema import companion_set

__all__ = ["statements", "load_csv", "import_dir", "wipe", "MARKER"]

ROWS_PER_TX = 10_000
MARKER = "DealgraphBenchmark"  # left in a database the benchmark emptied, so it may empty it again
_ENTITY_LABELS = {MODEL.kinds[k].label for k in MODEL.entity_kinds}


def _key_label(kind_name: str) -> str:
    label = MODEL.kinds[kind_name].label
    return ENTITY_LABEL if label in _ENTITY_LABELS else label


def _cell(name: str) -> str:
    return f"CASE WHEN row.{name} <> '' THEN row.{name} END"


def _value(field) -> str:
    cell = f"row.{field.name}"
    if field.type in ("list", "refs"):
        return f"CASE WHEN {cell} <> '' THEN split({cell}, '{MODEL.separator}') END"
    if field.type in ("number", "percent"):
        return (f"CASE WHEN {cell} <> '' THEN CASE WHEN toFloat({cell}) = toInteger({cell}) "
                f"THEN toInteger({cell}) ELSE toFloat({cell}) END END")
    return _cell(field.name)


def statements(prefix: str) -> list[tuple[str, str]]:
    """(what, Cypher) pairs in the order they must run; files are ``prefix + 'firms.csv'`` ..."""
    nodes, rels = [], []
    for file, kind in MODEL.by_file.items():
        url = f"file:///{prefix}{file}.csv"
        load = f"LOAD CSV WITH HEADERS FROM '{url}' AS row CALL (row) {{ "
        tail = f" }} IN TRANSACTIONS OF {ROWS_PER_TX} ROWS"
        if not kind.is_node:  # parties
            props = "{" + ", ".join(f"{f.name}: {_value(f)}" for f in kind.fields.values()
                                     if f.name not in ("deal", "entity", "role")) + "}"
            rels.append((file, load + f"MATCH (d:Deal {{id: row.deal}}) "
                         f"MATCH (e:{ENTITY_LABEL} {{id: row.entity}}) "
                         f"MERGE (e)-[r:{kind.rel} {{role: row.role}}]->(d) SET r += {props}" + tail))
            continue
        key = _key_label(MODEL.by_file[file].name)
        extra = f" SET n:{kind.label}" if key != kind.label else ""
        props = "{" + ", ".join(f"`{f.name}`: {_value(f)}" for f in kind.prop_fields) + "}"
        # the DATE companions dealgraph's store keeps beside each date field
        dates = companion_set(kind.label)
        dates = f" SET {dates[2:]}" if dates else ""
        nodes.append((file, load + f"MERGE (n:{key} {{id: row.id}}){extra} SET n += {props}"
                      + dates + tail))
        for field in kind.rel_fields:
            target = _key_label(field.ref[0])
            if field.multi:
                match = (f"UNWIND split(row.{field.name}, '{MODEL.separator}') AS ref "
                         f"MATCH (b:{target} {{id: ref}}) ")
            else:
                match = f"MATCH (b:{target} {{id: row.{field.name}}}) "
            rels.append((f"{file}.{field.name}", load + f"WITH row WHERE row.{field.name} <> '' "
                         f"MATCH (a:{key} {{id: row.id}}) " + match
                         + f"MERGE (a)-[:{field.rel}]->(b)" + tail))
    return nodes + rels


def load_csv(store, prefix: str) -> dict:
    """Run the LOAD CSV statements on ``store`` (a Neo4jStore); seconds per statement
    and in all (``total``)."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    with store.driver.session(database=store.database) as session:
        for what, cypher in statements(prefix):
            t0 = time.perf_counter()
            session.run(cypher).consume()
            out[what] = time.perf_counter() - t0
    out["total"] = time.perf_counter() - start
    return out


def import_dir(store) -> str | None:
    """The server's import directory as the server names it (None if not shown)."""
    recs = store.read("SHOW SETTINGS YIELD name, value "
                      "WHERE name = 'server.directories.import' RETURN value")
    return recs[0]["value"] if recs else None


def node_count(store) -> int:
    return store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]


def marked(store) -> bool:
    return bool(store.read(f"MATCH (m:{MARKER}) RETURN count(m) AS n")[0]["n"])


def wipe(store) -> None:
    """Delete everything, then leave the marker node that allows the next run to do it."""
    with store.driver.session(database=store.database) as session:
        # relationships first: a batch of nodes that holds the hubs of a million-deal graph
        # carries millions of relationships, beyond one transaction's memory
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()
        session.run(f"MERGE (:{MARKER} {{id: 'benchmarks/run.py empties this database'}})"
                    ).consume()
