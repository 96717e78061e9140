"""Ad-hoc Cypher: on Neo4j read-only unless asked, on the embedded store a checked
read-only subset (``graph_cypher``), with rows like the saved queries'.

The text runs in a read transaction, which Neo4j refuses to write in (on a single
server as on a cluster). Before sending it, ``write_clauses`` looks for clauses
and procedures that write or administer (CREATE, MERGE, SET, DELETE, REMOVE, DROP,
LOAD CSV, CALL ... IN TRANSACTIONS, db/dbms procedures other than a few readers),
so that the refusal is a clear message instead of a server error. ``write=True``
runs the text in a write transaction instead.

>>> write_clauses("MATCH (n) WHERE n.name = 'CREATE' RETURN n.set AS set")
[]
>>> write_clauses("MATCH (n:Firm {id: 'x'}) SET n.name = 'y'")
['SET']
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

from ..errors import DealgraphError, ParameterError, StoreUnavailable
from . import QueryResult

__all__ = ["write_clauses", "run_cypher_text", "parse_value"]

_WRITE_WORDS = re.compile(
    r"(?<![\w.:$])(CREATE|MERGE|DELETE|DETACH\s+DELETE|SET|REMOVE|DROP|FOREACH|ALTER|RENAME|"
    r"GRANT|DENY|REVOKE|TERMINATE|LOAD\s+CSV|IN\s+TRANSACTIONS|START\s+DATABASE|"
    r"STOP\s+DATABASE|ENABLE\s+SERVER|DEALLOCATE|REALLOCATE)(?![\w])(?!\s*:(?!:))",
    re.IGNORECASE)
_AS_BEFORE = re.compile(r"\bAS\s+$", re.IGNORECASE)
_CALL = re.compile(r"(?<![\w.])CALL\s+([A-Za-z_][\w.]*)\s*\(", re.IGNORECASE)
_READ_PROCEDURES = re.compile(
    r"^(db\.(labels|relationshipTypes|propertyKeys|info|ping|schema\.\w+|"
    r"index\.(fulltext|vector)\.query\w*)|dbms\.(components|showCurrentUser))$", re.IGNORECASE)
_WRITING_PROCEDURE = re.compile(
    r"(create|merge|delete|set|remove|drop|refactor|periodic|load|import|export|write|"
    r"mutate|kill|clear|await|rename)", re.IGNORECASE)


def _strip(text: str) -> str:
    """The text with comments, string literals and `quoted names` blanked out."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            out.append(" ")
            continue
        if c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            out.append(" ")
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def write_clauses(text: str) -> list[str]:
    """The writing or administrative clauses and procedures in Cypher ``text``."""
    code = _strip(text)
    found = [" ".join(m.group(1).upper().split()) for m in _WRITE_WORDS.finditer(code)
             if not _AS_BEFORE.search(code, 0, m.start())]  # "AS set" names a column
    for m in _CALL.finditer(code):
        proc = m.group(1)
        if _READ_PROCEDURES.match(proc):
            continue
        if proc.lower().startswith(("db.", "dbms.")) or _WRITING_PROCEDURE.search(proc):
            found.append(f"CALL {proc}")
    return list(dict.fromkeys(found))


def parse_value(text: str):
    """A ``-p`` value for ad-hoc Cypher: JSON when it parses (numbers, true/false, null,
    lists, quoted strings), otherwise the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


@lru_cache(maxsize=64)
def _derived(labels: frozenset) -> frozenset:
    """The derived properties of a node with these labels (see ``neo4j_schema``); a
    result has few distinct label sets, so each is worked out once."""
    from ..graph.model import MODEL
    from ..graph.neo4j_schema import companion_keys
    out: frozenset = frozenset()
    for label in labels:
        if label in MODEL.labels:
            out |= companion_keys(label)
    return out


def _plain(value):
    """Driver values as JSON-friendly data: nodes and relationships as property maps
    with ``_labels`` / ``_type``, paths as lists, temporals as ISO text. A node's map
    leaves out what the store derives from its own properties (DATE companions,
    ``name_keys``), as the embedded store's nodes have none; asked for by name
    (``d.announced_from``) they are still returned."""
    from neo4j.graph import Node, Path, Relationship
    if isinstance(value, Node):
        derived = _derived(frozenset(value.labels))
        return {"_labels": sorted(value.labels),
                **{k: _plain(v) for k, v in value.items() if k not in derived}}
    if isinstance(value, Relationship):
        ends = {"_start": value.start_node.get("id") if value.start_node is not None else None,
                "_end": value.end_node.get("id") if value.end_node is not None else None}
        return {"_type": value.type, **ends, **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, Path):
        out = [_plain(value.start_node)]
        for rel in value.relationships:
            out += [_plain(rel), _plain(rel.end_node)]
        return out
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "iso_format"):
        return value.iso_format()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def run_cypher_text(store, text: str, params: dict | None = None,
                    write: bool = False) -> QueryResult:
    """Run ad-hoc Cypher; rows keyed by the statement's columns.

    On Neo4j, without ``write`` the statement runs in a read transaction and statements
    that write are refused before they are sent. On the embedded store it runs on the
    NetworkX graph if it is in the subset ``graph_cypher`` checks, and is refused with
    a message naming the construct otherwise.
    """
    if not text.strip():
        raise ParameterError("the Cypher text is empty")
    if getattr(store, "backend", "") != "neo4j":
        if write:
            raise DealgraphError("${write} needs Neo4j: the embedded store runs read-only "
                                 "Cypher (load data with load)", params={"write": "write=True"})
        from .graph_cypher import run_embedded_cypher
        return run_embedded_cypher(store, text, params)
    if not write:
        found = write_clauses(text)
        if found:
            raise DealgraphError(
                f"refused: the statement writes or administers ({', '.join(found)}); ad-hoc "
                "Cypher is read-only unless you add ${write}", params={"write": "write=True"})
    from neo4j import RoutingControl
    from neo4j.exceptions import ClientError, Neo4jError, ServiceUnavailable, SessionExpired
    try:
        records, summary, keys = store.driver.execute_query(
            text, params or {}, database_=store.database,
            routing_=RoutingControl.WRITE if write else RoutingControl.READ)
    except ClientError as exc:
        if exc.code == "Neo.ClientError.Statement.AccessMode":
            raise DealgraphError("refused by Neo4j: the statement writes, and ad-hoc Cypher runs "
                                 "in a read transaction unless you add ${write}",
                                 params={"write": "write=True"}) from None
        raise DealgraphError(f"Neo4j refused the statement: {_first_line(exc.message)}") from None
    except (ServiceUnavailable, SessionExpired) as exc:
        raise StoreUnavailable(f"lost Neo4j at {store.uri} ({_first_line(str(exc))})") from None
    except Neo4jError as exc:
        raise DealgraphError(f"Neo4j error: {_first_line(exc.message or str(exc))}") from None
    rows = [{k: _plain(r[k]) for k in keys} for r in records]
    notes = []
    counters = summary.counters
    if counters.contains_updates or counters.contains_system_updates:
        changed = {k: v for k, v in vars(counters).items() if not k.startswith("_")
                   and isinstance(v, int) and not isinstance(v, bool) and v}
        notes.append("changes: " + ", ".join(f"{k.replace('_', ' ')} {v}"
                                             for k, v in sorted(changed.items())))
    return QueryResult(tuple(keys), rows, notes)


def _first_line(text: str | None) -> str:
    text = (text or "").strip()
    return text.splitlines()[0] if text else "unknown error"
