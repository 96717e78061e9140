"""Cypher on the embedded store: a checked subset of read-only Cypher, run by
grand-cypher on the store's NetworkX graph.

Why grand-cypher (over its fork nxcypher): on 10,000 synthetic deals it answers a
two-step pattern anchored on one entity in 0.2 s where nxcypher takes 3-44 s, and
nxcypher gave wrong rows for parameters in node maps (``{id: $x}`` matched nothing)
and for grouped counts; grand-cypher's grammar is smaller, and what it lacks is
refused here with a message.

The engine is not Neo4j, so every statement is checked first and anything whose
answer could differ is refused with a one-line error naming the construct. What is
accepted (docs/python.md lists it):

- ``MATCH`` chains of node and relationship patterns, several ``MATCH`` clauses,
  one ``WHERE``, ``RETURN`` (``DISTINCT``), ``ORDER BY``, ``SKIP``, ``LIMIT``;
- labels (``Firm``, ``Entity``…) and relationship types, property maps with literals
  or ``$parameters``, directed variable-length steps ``-[:TYPE*1..3]->`` on their own;
- ``=``, ``<``, ``<=``, ``>``, ``>=``, ``IN [list]``, ``STARTS WITH``, ``ENDS WITH``,
  ``CONTAINS`` (text properties), ``IS NULL``, ``AND``, ``OR``, and ``a <> b``
  between two node variables;
- ``count(n)`` of a node variable, ``sum``, ``min``, ``max``, ``collect`` and
  ``toLower``, ``toUpper``, ``trim``, ``coalesce``, ``size``, ``type`` (named with ``AS``).

Refused, because the engine would answer differently or not at all: ``NOT`` and
``<>`` on values (null handling), ``avg`` and ``count`` of a
property (the engine counts missing values), ``OPTIONAL MATCH``, ``WITH``, ``UNWIND``,
``CALL``, ``UNION``, ``CASE``, ``EXISTS``, ``id()``, booleans, arithmetic, paths and
relationship variables in ``RETURN``, two pattern nodes that Neo4j could bind to one
node (the engine never does) unless ``WHERE a <> b`` says so, and variable-length
steps over relationships that form a cycle in the store.

>>> check_statement("MATCH (f:Firm) WHERE f.country = $cc RETURN f.id", {"cc": "CN"}).text
'MATCH (f:Firm) WHERE f.country = "CN" RETURN f.id'
>>> check_statement("MATCH (a:Firm) WHERE NOT a.country = 'CN' RETURN a.id", {})
Traceback (most recent call last):
...
dealgraph.queries.graph_cypher.Unsupported: not supported on the embedded store: NOT; ...
"""

from __future__ import annotations

import json
import math
import re
import threading
import weakref
from dataclasses import dataclass, field

from ..errors import DealgraphError, ParameterError

__all__ = ["Unsupported", "Statement", "check_statement", "run_embedded_cypher",
           "engine_graph", "FUNCTIONS", "AGGREGATES"]

AGGREGATES = ("count", "sum", "avg", "min", "max", "collect")
FUNCTIONS = AGGREGATES + ("tolower", "toupper", "trim", "coalesce", "size", "type")
# keywords the subset uses
_KEYWORDS = {"match", "where", "return", "distinct", "order", "by", "asc", "desc", "skip",
             "limit", "and", "or", "as", "is", "null", "in", "starts", "ends", "with",
             "contains"}
# Cypher words that start something the subset leaves out, and what to call it
_REFUSED = {
    "optional": "OPTIONAL MATCH", "with": "WITH", "unwind": "UNWIND", "call": "CALL",
    "union": "UNION", "case": "CASE", "exists": "EXISTS", "not": "NOT", "xor": "XOR",
    "true": "boolean values", "false": "boolean values", "create": "CREATE",
    "merge": "MERGE", "set": "SET", "delete": "DELETE", "detach": "DETACH DELETE",
    "remove": "REMOVE", "foreach": "FOREACH", "load": "LOAD CSV", "use": "USE",
    "shortest": "SHORTEST paths", "shortestpath": "shortestPath()",
    "allshortestpaths": "allShortestPaths()", "all": "ALL", "any": "ANY", "none": "NONE",
    "single": "SINGLE", "reduce": "reduce()", "filter": "filter()", "extract": "extract()",
    "ascending": "ASCENDING (write ASC)", "descending": "DESCENDING (write DESC)",
}
_TOKEN = re.compile(r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<backtick>`[^`]*`)
  | (?P<param>\$[A-Za-z_]\w*)
  | (?P<number>\d+\.\d+(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<op><>|<=|>=|=~|!=|\.\.|->|<-|[-<>=(){}\[\],.:|*+/%^;])
""", re.S | re.X)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r", "b": "\b",
            "f": "\f"}


class Unsupported(DealgraphError):
    """The statement uses Cypher that the embedded store does not run (or not exactly
    as Neo4j would); the message names the construct."""


def _refuse(what: str, why: str = "") -> Unsupported:
    return Unsupported(f"not supported on the embedded store: {what}"
                       + (f" ({why})" if why else "")
                       + "; run it on Neo4j, or see docs/python.md for the subset")


@dataclass
class _Tok:
    kind: str
    text: str
    value: object = None
    pos: int = 0
    end: int = 0

    def word(self) -> str:
        return self.text.lower() if self.kind == "name" else ""


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt in ("u", "U") and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2:i + 6]):
            out.append(chr(int(body[i + 2:i + 6], 16)))
            i += 6
        else:
            raise _refuse(f"the escape \\{nxt} in a string")
    return "".join(out)


def _tokens(text: str) -> tuple[list[_Tok], list[tuple[int, int]]]:
    """The tokens of ``text`` and the spans of its comments."""
    out, comments, pos = [], [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _refuse(f"the character {text[pos]!r}", f"at offset {pos}")
        kind = m.lastgroup
        if kind == "backtick":
            raise _refuse("`quoted names`")
        if kind == "ws":
            if m.group().startswith("/"):
                comments.append((m.start(), m.end()))
        else:
            tok = _Tok(kind, m.group(), pos=m.start(), end=m.end())
            if kind == "string":
                tok.value = _unescape(m.group()[1:-1])
            out.append(tok)
        pos = m.end()
    return out, comments


def _literal(value, name: str) -> str:
    """A parameter value as a literal the engine reads back exactly (JSON's string
    escapes are Python's too)."""
    if isinstance(value, bool):
        raise ParameterError(f"{name}: booleans are not supported on the embedded store")
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{name}: {value} is not supported on the embedded store")
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v, name) for v in value) + "]"
    raise ParameterError(f"{name}: a {type(value).__name__} value is not supported on the "
                         "embedded store (text, numbers, null or lists of them)")


@dataclass
class _Node:
    """One node position of the patterns: its variable (None if anonymous) and the
    kinds it may match."""
    var: str | None
    kinds: frozenset


@dataclass
class Statement:
    """A checked statement: the ``text`` the engine runs, the columns it returns (name,
    aggregate function or None), the relationship types of each variable-length step
    (to check against the graph), and whether two adjacent pattern nodes rely on the
    graph having no self-loops."""
    text: str
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    var_length_types: list[tuple[str, ...]] = field(default_factory=list)
    needs_no_self_loops: bool = False


def _kinds_of(labels: list[str]) -> frozenset:
    from ..graph.model import ENTITY_LABEL, MODEL
    every = frozenset(MODEL.kinds[k].label for k in MODEL.node_kinds)
    entities = frozenset(MODEL.kinds[k].label for k in MODEL.entity_kinds)
    kinds = every
    for label in labels:
        kinds &= entities if label == ENTITY_LABEL else frozenset({label})
    return kinds


def _list_fields() -> set[str]:
    from ..graph.model import MODEL
    return {name for kind in MODEL.kinds.values() for name, f in kind.fields.items()
            if f.multi}


class _Checker:
    """Reads the tokens once: refuses what is outside the subset, notes the pattern
    nodes, the RETURN columns and the WHERE tokens; ``emit`` writes the engine's text."""

    def __init__(self, text: str, params: dict):
        self.text, self.params = text, params
        self.toks, self.comments = _tokens(text)
        self.used: set[str] = set()
        self.chains: list[list[_Node]] = []       # node positions of each MATCH chain
        self.adjacent: set[tuple[int, int, int]] = set()  # (chain, i, j): one fixed step
        self.var_length: list[tuple[int, tuple[str, ...]]] = []
        self.steps: dict[int, int] = {}          # relationship steps per chain
        self.where: list[_Tok] = []
        self.ret: list[_Tok] = []

    # -- reading ------------------------------------------------------------------------
    def run(self) -> Statement:
        toks = self.toks
        if not toks:
            raise ParameterError("the Cypher text is empty")
        clause = None
        i = 0
        while i < len(toks):
            t, w = toks[i], toks[i].word()
            prev = toks[i - 1] if i else None
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if t.kind == "backtick":
                raise _refuse("`quoted names`")
            if t.text == ";":
                raise _refuse("several statements (;)")
            if t.kind == "op" and t.text in ("=~", "!=", "+", "/", "%", "^", "{", "}") \
                    and clause != "match":
                raise _refuse(f"the operator {t.text}" if t.text not in "{}"
                              else "maps outside patterns")
            if t.kind == "param" and t.text[1:] not in self.params:
                raise ParameterError(f"{t.text[1:]}: missing parameter (the statement "
                                     f"uses {t.text})")
            if t.kind == "param":
                self.used.add(t.text[1:])
            keyword = t.kind == "name" and not (prev is not None and prev.text in (".", ":"))
            if keyword and nxt is not None and nxt.text == "(" and w not in _KEYWORDS:
                if w not in FUNCTIONS:
                    raise _refuse(f"the function {t.text}()")
            elif keyword and w in ("starts", "ends", "contains"):
                if i >= 2 and toks[i - 2].text == "." and toks[i - 1].text in _list_fields():
                    raise _refuse(f"{w.upper()} on the list property {toks[i - 1].text}")
            elif keyword and w == "with" and prev is not None and prev.word() in ("starts",
                                                                                 "ends"):
                pass
            elif keyword and w == "distinct":
                if prev is None or prev.word() != "return":
                    raise _refuse("DISTINCT inside a function", "e.g. count(DISTINCT x)")
            elif keyword and w in _REFUSED:
                raise _refuse(_REFUSED[w])
            if keyword and w == "match":
                if clause not in (None, "match"):
                    raise _refuse("MATCH after WHERE or RETURN",
                                  "one WHERE, after every MATCH")
                clause = "match"
                self.chains.append([])
            elif keyword and w == "where" and clause == "match":
                clause = "where"
            elif keyword and w == "where":
                raise _refuse("WHERE outside MATCH")
            elif keyword and w == "return":
                if clause not in ("match", "where"):
                    raise _refuse("RETURN without MATCH")
                clause = "return"
            elif keyword and w in ("order", "skip", "limit") and clause in ("return", "tail"):
                clause = "tail"
            elif clause == "match":
                i = self._pattern_token(i)
                continue
            if clause == "where":
                self.where.append(t)
            elif clause == "return":
                self.ret.append(t)
            if t.text == "*" and clause != "match":
                if clause == "return" and prev is not None and prev.text == "(":
                    raise _refuse("count(*)", "count a variable: count(n)")
                raise _refuse("RETURN * or the operator *")
            if t.text == "=" and clause == "where" and (
                    (nxt is not None and nxt.word() == "null")
                    or (prev is not None and prev.word() == "null")):
                raise _refuse("= NULL", "write IS NULL")
            if t.text == "<>" and not self._between_variables(i):
                raise _refuse("<> on values", "Neo4j drops rows where a value is missing "
                              "and the engine keeps them; only a <> b between node "
                              "variables is supported")
            i += 1
        if clause is None or not self.chains:
            raise _refuse("a statement without MATCH")
        if clause not in ("return", "tail"):
            raise _refuse("a statement without RETURN")
        stmt = Statement(self.emit())
        stmt.columns = self._columns()
        stmt.needs_no_self_loops = self._check_same_nodes()
        stmt.var_length_types = [types for _, types in self.var_length]
        return stmt

    def _between_variables(self, i: int) -> bool:
        toks = self.toks
        if i < 1 or i + 1 >= len(toks):
            return False
        left, right = toks[i - 1], toks[i + 1]
        return (left.kind == right.kind == "name"
                and not (i >= 2 and toks[i - 2].text in (".", ":"))
                and not (i + 2 < len(toks) and toks[i + 2].text in (".", "(")))

    def _pattern_token(self, i: int) -> int:
        """Read the pattern token at ``i`` inside MATCH; the index after what was read."""
        toks = self.toks
        t = toks[i]
        if t.text == "(":
            node, end = self._node(i)
            self.chains[-1].append(node)
            return end + 1
        if t.text == "[":
            return self._rel(i) + 1
        if t.text in ("-", "<-", "->"):
            prev = toks[i - 1].text if i else ""
            nxt = toks[i + 1].text if i + 1 < len(toks) else ""
            if not ((prev == ")" and t.text in ("-", "<-") and nxt == "[")
                    or (prev == "]" and t.text in ("-", "->") and nxt == "(")):
                raise _refuse("relationships without brackets", "write -[]-> or -[:TYPE]->")
            return i + 1
        if t.text == ",":
            raise _refuse("comma-separated patterns", "write a second MATCH")
        if t.text == "=":
            raise _refuse("named paths (p = ...)")
        if t.kind == "name" and i + 1 < len(toks) and toks[i + 1].text == "=":
            raise _refuse("named paths (p = ...)")
        if t.kind == "name" and t.word() in _REFUSED:
            raise _refuse(_REFUSED[t.word()])
        raise _refuse(f"{t.text!r} in a pattern", f"at offset {t.pos}")

    def _node(self, i: int) -> tuple[_Node, int]:
        """The node pattern opening at ``i``: its variable and labels; index of ')'."""
        toks = self.toks
        j, var, labels = i + 1, None, []
        if j < len(toks) and toks[j].kind == "name" and j + 1 < len(toks) \
                and toks[j + 1].text in (":", ")", "{"):
            var = toks[j].text
            j += 1
        while j + 1 < len(toks) and toks[j].text == ":" and toks[j + 1].kind == "name":
            labels.append(toks[j + 1].text)
            j += 2
        if j < len(toks) and toks[j].text == "{":
            j = self._map(j)
        if j >= len(toks) or toks[j].text != ")":
            raise _refuse("this node pattern", f"at offset {toks[i].pos}")
        return _Node(var, _kinds_of(labels)), j

    def _map(self, j: int) -> int:
        """A property map ``{key: literal or $param, ...}`` opening at ``j``; index after."""
        toks = self.toks
        j += 1
        while j < len(toks) and toks[j].text != "}":
            if not (j + 2 < len(toks) and toks[j].kind == "name" and toks[j + 1].text == ":"
                    and toks[j + 2].kind in ("string", "number", "param")):
                raise _refuse("this property map", "keys with text, numbers or $parameters")
            if toks[j + 2].kind == "param":
                self.used.add(toks[j + 2].text[1:])
                if toks[j + 2].text[1:] not in self.params:
                    raise ParameterError(f"{toks[j + 2].text[1:]}: missing parameter (the "
                                         f"statement uses {toks[j + 2].text})")
            j += 3
            if j < len(toks) and toks[j].text == ",":
                j += 1
        return j + 1

    def _rel(self, i: int) -> int:
        """The relationship pattern opening at ``i`` (``[``); index of ``]``."""
        toks = self.toks
        chain = len(self.chains) - 1
        j, types, hops, var = i + 1, [], None, None
        if j < len(toks) and toks[j].kind == "name":
            var = toks[j].text
            j += 1
        while j + 1 < len(toks) and toks[j].text in (":", "|"):
            k = j + 1
            if toks[k].text == ":":
                k += 1
            if toks[k].kind != "name":
                raise _refuse("this relationship type expression")
            types.append(toks[k].text)
            j = k + 1
        if j < len(toks) and toks[j].text == "*":
            k = j + 1
            parts = []
            while k < len(toks) and toks[k].text not in ("]", "{"):
                parts.append(toks[k].text)
                k += 1
            if len(parts) == 1 and parts[0].isdigit():
                hops = (int(parts[0]), int(parts[0]))
            elif len(parts) == 3 and parts[0].isdigit() and parts[1] == ".." \
                    and parts[2].isdigit():
                hops = (int(parts[0]), int(parts[2]))
            elif len(parts) == 1 and re.fullmatch(r"\d+\.\.\d+", "".join(parts)):
                a, b = parts[0].split("..")
                hops = (int(a), int(b))
            else:
                raise _refuse("variable-length steps without both bounds", "write *1..3")
            j = k
        if j < len(toks) and toks[j].text == "{":
            raise _refuse("property maps on relationships", "compare r.prop in WHERE")
        if j >= len(toks) or toks[j].text != "]":
            raise _refuse("this relationship pattern", f"at offset {toks[i].pos}")
        left = i >= 1 and toks[i - 1].text == "<-"
        right = j + 1 < len(toks) and toks[j + 1].text == "->"
        self.steps[chain] = self.steps.get(chain, 0) + 1
        if hops is not None:
            if left == right:
                raise _refuse("variable-length steps without one direction")
            if var is not None:
                raise _refuse("a variable on a variable-length step")
            self.var_length.append((chain, tuple(types)))
        else:
            n = len(self.chains[chain])
            self.adjacent.add((chain, n - 1, n))
        return j

    # -- after reading --------------------------------------------------------------------
    def emit(self) -> str:
        """The text for the engine: the statement as written, with string literals and
        parameters as JSON literals, aggregate functions in capitals, comments blanked."""
        edits: list[tuple[int, int, str]] = [(a, b, " ") for a, b in self.comments]
        toks = self.toks
        for i, t in enumerate(toks):
            if t.kind == "string":
                edits.append((t.pos, t.end, json.dumps(t.value, ensure_ascii=True)))
            elif t.kind == "param":
                name = t.text[1:]
                edits.append((t.pos, t.end, _literal(self.params[name], name)))
            elif t.word() in AGGREGATES and i + 1 < len(toks) and toks[i + 1].text == "(":
                edits.append((t.pos, t.end, t.text.upper()))
        out, last = [], 0
        for a, b, text in sorted(edits):
            out.append(self.text[last:a])
            out.append(text)
            last = b
        out.append(self.text[last:])
        return "".join(out).strip()

    def _columns(self) -> list[tuple[str, str | None]]:
        """(column, aggregate function or None) of each RETURN item."""
        node_vars = {n.var for chain in self.chains for n in chain if n.var}
        items, current, depth = [], [], 0
        for t in self.ret[1:]:
            if t.text in ("(", "["):
                depth += 1
            elif t.text in (")", "]"):
                depth -= 1
            if t.text == "," and depth == 0:
                items.append(current)
                current = []
                continue
            current.append(t)
        items.append(current)
        if items[0] and items[0][0].word() == "distinct":
            items[0] = items[0][1:]
        columns = []
        for item in items:
            alias = None
            if len(item) >= 2 and item[-2].word() == "as":
                alias = item[-1].text
                item = item[:-2]
            texts = [t.text for t in item]
            if not item:
                raise _refuse("an empty RETURN item")
            if len(item) == 1 and item[0].kind == "name":
                if item[0].text not in node_vars:
                    raise _refuse(f"RETURN {item[0].text}", "only node variables and their "
                                  "properties; not relationships or paths")
                columns.append((alias or item[0].text, None))
            elif len(item) == 3 and item[0].kind == item[2].kind == "name" and texts[1] == ".":
                columns.append((alias or "".join(texts), None))
            elif len(item) > 2 and item[0].kind == "name" and texts[1] == "(":
                if alias is None:
                    raise _refuse(f"RETURN {''.join(texts)} without AS",
                                  "name the column: ... AS name")
                func = item[0].text.lower()
                if func == "avg":
                    raise _refuse("avg()", "the engine divides by the rows with a missing "
                                  "value too; use sum() and count()")
                if func == "count" and not (len(item) == 4 and item[2].text in node_vars):
                    raise _refuse(f"RETURN {''.join(texts)}", "the engine counts missing "
                                  "values too; count a node variable: count(n)")
                columns.append((alias, func if func in AGGREGATES else None))
            else:
                raise _refuse(f"RETURN {' '.join(texts)}", "return node variables, "
                              "properties or functions of them")
        names = [c[0] for c in columns]
        if len(set(names)) != len(names):
            raise _refuse("two RETURN columns with the same name")
        return columns

    def _check_same_nodes(self) -> bool:
        """Refuse two pattern nodes that Neo4j could bind to one node, which the engine
        never does within a connected pattern; True when the answer relies on the graph
        having no self-loops (adjacent nodes of one kind)."""
        chains = self.chains
        parent = list(range(len(chains)))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        first: dict[str, int] = {}
        for c, chain in enumerate(chains):
            for node in chain:
                if node.var in first:
                    parent[find(c)] = find(first[node.var])
                elif node.var:
                    first[node.var] = c
        var_chains = {c for c, _ in self.var_length}
        for c in var_chains:
            if self.steps.get(c, 0) != 1 or any(find(o) == find(c) for o in range(len(chains))
                                                 if o != c):
                raise _refuse("a variable-length step joined to other steps",
                              "match it on its own: MATCH (a)-[:T*1..3]->(b)")
        steps: set[frozenset] = set()
        for c, a, b in sorted(self.adjacent):
            ends = (chains[c][a].var, chains[c][b].var)
            if ends[0] and ends[0] == ends[1]:
                raise _refuse(f"a relationship from {ends[0]} to itself")
            if all(ends):
                if frozenset(ends) in steps:
                    raise _refuse(f"two relationship patterns between {ends[0]} and {ends[1]}",
                                  "Neo4j may bind them to one relationship or two")
                steps.add(frozenset(ends))
        pairs = _distinct_pairs(self.where)
        relies_on_no_loops = False
        groups: dict[int, list[tuple[int, int, _Node]]] = {}
        for c, chain in enumerate(chains):
            for k, node in enumerate(chain):
                groups.setdefault(find(c), []).append((c, k, node))
        for members in groups.values():
            kinds: dict[str, frozenset] = {}
            for _, _, node in members:
                if node.var:
                    kinds[node.var] = kinds.get(node.var, node.kinds) & node.kinds
            positions, seen = [], set()
            for c, k, node in members:
                if node.var and node.var in seen:
                    continue
                seen.add(node.var)
                positions.append((c, k, node))
            for x in range(len(positions)):
                for y in range(x + 1, len(positions)):
                    (c1, k1, n1), (c2, k2, n2) = positions[x], positions[y]
                    if not (kinds.get(n1.var, n1.kinds) & kinds.get(n2.var, n2.kinds)):
                        continue
                    if c1 in var_chains:
                        continue  # checked on the graph: its steps form no cycle
                    if c1 == c2 and ((c1, k1, k2) in self.adjacent
                                     or (c1, k2, k1) in self.adjacent):
                        relies_on_no_loops = True
                        continue
                    if n1.var and n2.var and frozenset((n1.var, n2.var)) in pairs:
                        continue
                    a, b = n1.var or "(unnamed)", n2.var or "(unnamed)"
                    hint = (f"add WHERE {a} <> {b}" if n1.var and n2.var
                            else "name both nodes and add WHERE a <> b")
                    raise _refuse(f"pattern nodes {a} and {b} that may be one node",
                                  f"Neo4j would also return rows where they are, the "
                                  f"engine would not; {hint}, or give them labels that "
                                  "tell them apart")
        return relies_on_no_loops


def _distinct_pairs(where: list[_Tok]) -> set[frozenset]:
    """Pairs ``{a, b}`` with a top-level ``a <> b`` conjunct in WHERE (none when WHERE
    has a top-level OR)."""
    toks = where[1:]
    depth = 0
    conjuncts, current = [], []
    for t in toks:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if depth == 0 and t.word() == "or":
            return set()
        if depth == 0 and t.word() == "and":
            conjuncts.append(current)
            current = []
            continue
        current.append(t)
    conjuncts.append(current)
    return {frozenset((c[0].text, c[2].text)) for c in conjuncts
            if len(c) == 3 and c[1].text == "<>" and c[0].kind == c[2].kind == "name"}


def check_statement(text: str, params: dict | None = None) -> Statement:
    """Check ``text`` against the subset and substitute ``params``; raises Unsupported
    (naming the construct) or ParameterError."""
    from .adhoc import write_clauses
    found = write_clauses(text)
    if found:
        raise _refuse(f"statements that write ({', '.join(found)})", "the embedded store "
                      "runs read-only Cypher; load data with load()")
    return _Checker(text, dict(params or {})).run()


# -- the graph the engine reads -----------------------------------------------------------

_VIEWS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_VIEWS_LOCK = threading.Lock()


def engine_graph(store):
    """The store's graph as grand-cypher reads it: node attribute ``__labels__`` (the
    kind label, plus ``Entity`` for entities) and the properties with ``id``; edge
    attribute ``__labels__`` ({type}) and the properties. Built once per store version."""
    import networkx as nx
    from ..graph.model import ENTITY_LABEL, MODEL
    g = store.graph
    with _VIEWS_LOCK:
        cached = _VIEWS.get(store)
        if cached is not None and cached[0] is g:
            return cached[1]
    entities = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
    labels = {label: frozenset({label, ENTITY_LABEL}) if label in entities
              else frozenset({label}) for label in MODEL.labels}
    h = nx.MultiDiGraph()
    h.add_nodes_from((n, {**{k: v for k, v in d.items() if k != "label"}, "id": n,
                          "__labels__": labels.get(d.get("label"), frozenset())})
                     for n, d in g.nodes(data=True))
    types: dict[str, frozenset] = {}
    h.add_edges_from((u, v, k, {**{a: b for a, b in d.items() if a != "type"},
                                "__labels__": types.setdefault(d["type"],
                                                               frozenset({d["type"]}))})
                     for u, v, k, d in g.edges(keys=True, data=True))
    with _VIEWS_LOCK:
        _VIEWS[store] = (g, h)
    return h


def _check_graph(stmt: Statement, h) -> None:
    import networkx as nx
    if stmt.needs_no_self_loops and nx.number_of_selfloops(h):
        raise _refuse("this pattern on a store with self-relationships",
                      "two adjacent pattern nodes could be one node")
    for types in stmt.var_length_types:
        wanted = set(types)
        edges = [(u, v) for u, v, d in h.edges(data=True)
                 if not wanted or d["__labels__"] & wanted]
        if not nx.is_directed_acyclic_graph(nx.DiGraph(edges)):
            what = "|".join(types) or "any type"
            raise _refuse(f"a variable-length step over {what}",
                          "these relationships form a cycle in the store, where Neo4j "
                          "follows paths that revisit nodes")


def _plain(value):
    """Engine values as the Neo4j side returns them (``adhoc._plain``): nodes as
    property maps with ``_labels``."""
    if isinstance(value, dict) and "__labels__" in value:
        return {"_labels": sorted(value["__labels__"]),
                **{k: v for k, v in value.items() if k != "__labels__"}}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


_EMPTY_AGGREGATE = {"count": 0, "sum": 0, "collect": [], "avg": None, "min": None,
                    "max": None}


def run_embedded_cypher(store, text: str, params: dict | None = None):
    """Rows of ``text`` run on the embedded store's graph (a ``QueryResult``)."""
    from grandcypher import GrandCypher
    from lark.exceptions import LarkError, UnexpectedInput
    from . import QueryResult
    stmt = check_statement(text, params)
    h = engine_graph(store)
    _check_graph(stmt, h)
    try:
        try:
            raw = GrandCypher(h).run(stmt.text)
        except TypeError:
            # the engine's index, which narrows the search by WHERE, compares without
            # Cypher's null rules (``d.announced <= NULL``); the plain search keeps them
            engine = GrandCypher(h)
            engine.auto_where_hints = engine.auto_node_jsondata_hints = False
            raw = engine.run(stmt.text)
    except UnexpectedInput as exc:
        near = stmt.text[max(0, exc.pos_in_stream - 20):exc.pos_in_stream + 20] \
            if getattr(exc, "pos_in_stream", None) is not None else ""
        raise _refuse("this statement", f"the engine cannot read it near {near!r}") from None
    except LarkError as exc:
        reason = str(getattr(exc, "orig_exc", exc)).strip().splitlines()[0]
        raise _refuse("this statement", reason) from None
    except TypeError:
        raise _refuse("comparing or ordering values of different types",
                      "e.g. text with numbers, or min/max over missing values") from None
    except (KeyError, ValueError, AttributeError, NotImplementedError) as exc:
        raise _refuse("this statement", f"the engine failed: {type(exc).__name__}") from None
    by_name = {str(k): v for k, v in raw.items()}
    names = [name for name, _ in stmt.columns]
    missing = [n for n in names if n not in by_name]
    if missing:
        raise _refuse(f"the column {missing[0]}", "the engine did not return it")
    length = len(by_name[names[0]]) if names else 0
    rows = [{n: _plain(by_name[n][i]) for n in names} for i in range(length)]
    if not rows and all(agg for _, agg in stmt.columns):
        rows = [{n: _EMPTY_AGGREGATE[agg] for n, agg in stmt.columns}]
    return QueryResult(tuple(names), rows, [])
