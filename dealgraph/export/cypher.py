r"""Cypher export: a script that recreates the subgraph in Neo4j, for ``dealgraph cypher --file``.

The script first creates the constraints and indexes dealgraph's Neo4j store uses
(unique ``id`` per key label; range indexes), then one ``MERGE`` statement per node and per
relationship, with every value written inline as a Cypher literal. The graph it
makes is shaped like the store's: entities carry ``Entity`` and their kind's
label, date fields have their DATE companions (``announced_from``/``announced_to``),
relationships carry their properties. Run on a database that already
holds some of it, it updates those nodes instead of duplicating them; run twice,
it changes nothing the second time.

Every statement is on one line and ends with ``;``; lines that start with
``//`` are comments. ``dealgraph cypher --write --file FILE`` runs it
(constraints each in their own transaction, the rest in batches), and so does a
program that runs it line by line. Properties are written in model field order,
so the script is the same byte for byte from either store.

Strings are escaped by ``cypher_string``: backslash, both quotes, newlines,
tabs and every control, format or separator character become escape
sequences, so no value can end its string literal.

>>> print(cypher_string("O'Brien \\ \"x\" \n"))
'O\'Brien \\ \"x\" \n'
>>> literal({"name": "A", "aliases": ["B", "C"], "value": 5})
"{`name`: 'A', `aliases`: ['B', 'C'], `value`: 5}"
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

from ..errors import DealgraphError
from ..graph import neo4j_schema
from ..graph.dates import date_companions
from ..graph.model import ENTITY_LABEL, MODEL
from ..graph.records import Subgraph
from .common import ordered_nodes, ordered_props, ordered_rels, write_text

__all__ = ["write", "render", "statements", "cypher_string", "literal", "SUFFIX"]

SUFFIX = ".cypher"
DIRECTORY = False

_ENTITY_LABELS = [MODEL.kinds[k].label for k in MODEL.entity_kinds]
_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\b": "\\b", "\f": "\\f"}


def cypher_string(text: str) -> str:
    """``text`` as a single-quoted Cypher string literal."""
    out = ["'"]
    for ch in str(text):
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif unicodedata.category(ch)[0] in "CZ" and ch != " ":
            cp = ord(ch)
            if cp > 0xFFFF:  # Cypher has no \U escape: a UTF-16 surrogate pair, as Java holds it
                cp -= 0x10000
                out.append(f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}")
            else:
                out.append(f"\\u{cp:04x}")
        else:
            out.append(ch)
    out.append("'")
    return "".join(out)


def _name(name: str) -> str:
    """A property key as a backtick-quoted Cypher name."""
    return "`" + str(name).replace("`", "``") + "`"


def literal(value) -> str:
    """A Python value (str, int, float, bool, None, list, dict) as a Cypher literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DealgraphError(f"cannot write {value!r} as a Cypher literal")
        text = repr(value)
        return text.replace("e+", "e")  # Cypher exponents take no '+'
    if isinstance(value, str):
        return cypher_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_name(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise DealgraphError(f"cannot write a {type(value).__name__} as a Cypher literal")


def _key_label(label: str) -> str:
    return ENTITY_LABEL if label in _ENTITY_LABELS else MODEL.label(label)


def schema_statements() -> list[str]:
    """The constraints and range indexes of dealgraph's Neo4j store (same names)."""
    return [stmt + ";" for stmt in neo4j_schema.schema_statements()]


def _companions(node) -> str:
    """``, n.announced_from = date('2023-01-01'), ...``: the DATE companions the store keeps
    beside each date field (see ``dealgraph.graph.dates``), and an entity's ``name_keys``
    (see ``dealgraph.graph.neo4j_schema``)."""
    return "".join(f", n.{_name(k)} = date({cypher_string(v.isoformat())})"
                   for k, v in date_companions(node.label, node.props).items()) + "".join(
        f", n.{_name(k)} = {cypher_string(v)}"
        for k, v in neo4j_schema.derived_props(node.label, node.id, node.props).items())


def statements(sub: Subgraph) -> list[str]:
    """The script's statements, each one line ending in ``;``: schema, nodes, relationships."""
    out = schema_statements()
    for node in ordered_nodes(sub):
        key = _key_label(node.label)
        props = literal({"id": node.id, **ordered_props(node.props)})
        stmt = (f"MERGE (n:{key} {{id: {cypher_string(node.id)}}}) SET n = {props}"
                + _companions(node))
        if key != node.label:
            others = [lab for lab in _ENTITY_LABELS if lab != node.label]
            stmt += f", n:{MODEL.label(node.label)}"
            if others:
                stmt += " REMOVE n:" + ":".join(MODEL.label(o) for o in others)
        out.append(stmt + ";")
    for rel in ordered_rels(sub):
        a = _key_label(sub.nodes[rel.src].label)
        b = _key_label(sub.nodes[rel.dst].label)
        rtype = MODEL.rel_type(rel.type)
        match = (f"MATCH (a:{a} {{id: {cypher_string(rel.src)}}}) "
                 f"MATCH (b:{b} {{id: {cypher_string(rel.dst)}}}) ")
        if "role" in rel.props:
            merge = f"MERGE (a)-[r:{rtype} {{role: {literal(rel.props['role'])}}}]->(b)"
        else:
            merge = f"MERGE (a)-[r:{rtype}]->(b)"
        setter = f" SET r = {literal(ordered_props(rel.props, rel=True))}" if rel.props else ""
        out.append(match + merge + setter + ";")
    return out


def render(sub: Subgraph, context=None) -> str:
    head = ["// dealgraph Cypher export"]
    if context is not None:
        head += [f"// {_comment(context.title)}", f"// Selection: {_comment(context.question)}",
                 f"// Generated {context.generated_text}"]
    head += [f"// {len(sub.nodes)} nodes, {len(sub.rels)} relationships.",
             "//",
             "// Run with:  dealgraph cypher --backend neo4j --write --file THIS_FILE",
             "// (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD say which server), or with any client",
             "// that runs ';'-separated statements. Every statement is one line ending in ';'.",
             "// MERGE on ids: running it again, or on a database that holds part of the",
             "// graph already, updates those nodes and relationships instead of duplicating them.",
             ""]
    return "\n".join(head) + "\n".join(statements(sub)) + "\n"


def _comment(text: str) -> str:
    """Text for a ``//`` comment: on one line, whatever it holds."""
    return "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in str(text))


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    return [write_text(Path(path), render(sub, context))]
