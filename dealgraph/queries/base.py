"""What a saved query is: declared parameters, result columns, Cypher and a NetworkX twin.

A query module declares ``NAME``, ``QUESTION``, ``PARAMS`` (a list of ``Param``),
``COLUMNS``, ``SORT``, ``CYPHER`` and ``networkx(g, params)``; ``SavedQuery.from_module``
turns it into the object both stores run. Rows from either store go through the
same ``finish`` step (lists sorted, floats rounded, rows sorted by ``SORT`` then by
every column), which is what makes the two stores' answers identical row by row.

>>> p = Param("hops", "int", default=2, min=1, max=6, help="steps")
>>> p.parse(None, "3")
3
>>> p.parse(None, "9")
Traceback (most recent call last):
...
dealgraph.errors.ParameterError: hops: must be between 1 and 6, got 9
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from ..errors import DealgraphError, NotFound, ParameterError
from ..graph.dates import as_of_cypher, normalise_as_of
from ..graph.records import Subgraph
from ..graph.resolve import resolve_entity
from ..graph.store import paused_gc
from ..graph.countries import UnknownCountry, parse_country
from ..graph.values import ValueProblem, parse_date
from . import access

__all__ = ["Param", "SavedQuery", "PARAM_TYPES", "as_of_cypher", "add_note", "RUN_NOTES", "merge_subgraphs",
           "finish_rows"]

PARAM_TYPES = ("entity", "int", "str", "country", "date")
FLOAT_DIGITS = 6


RUN_NOTES = "_notes"


def add_note(params: dict) -> list:
    """The list a query implementation appends notes about this run to (e.g. that a score
    was estimated, and how); ``run_saved_query`` prints them with the rows."""
    return params.setdefault(RUN_NOTES, [])


@dataclass(frozen=True)
class Param:
    """A declared query parameter.

    ``type`` is one of ``entity`` (an id, name or alias, resolved to an id; ``labels``
    may restrict the kind), ``int`` (within ``min``..``max``), ``str``, ``country``
    (an ISO 3166-1 alpha-2 or alpha-3 code or an English name, bound as the alpha-2
    code) or ``date`` (YYYY, YYYY-MM or YYYY-MM-DD). A parameter
    without a default is required.
    """
    name: str
    type: str
    default: Any = None
    help: str = ""
    required: bool | None = None
    min: int | None = None
    max: int | None = None
    labels: tuple[str, ...] = ()

    def __post_init__(self):
        if self.type not in PARAM_TYPES:
            raise ValueError(f"parameter {self.name}: unknown type {self.type!r} "
                             f"(expected one of: {', '.join(PARAM_TYPES)})")
        if self.required is None:
            object.__setattr__(self, "required", self.default is None)

    def describe(self) -> str:
        """The type as shown to users: ``int 1..6``, ``entity (Government)``."""
        text = self.type
        if self.type == "int" and (self.min is not None or self.max is not None):
            low = "" if self.min is None else self.min
            high = "" if self.max is None else self.max
            text += f" {low}..{high}"
        if self.labels:
            text += f" ({', '.join(self.labels)})"
        return text

    def parse(self, store, raw) -> Any:
        """The checked value of ``raw`` (text from the command line, or a value).

        Raises ParameterError or NotFound whose message starts with the parameter name.
        """
        name = self.name
        if isinstance(raw, str):
            raw = raw.strip()
            if raw == "":
                raise ParameterError(f"{name}: empty value")
        if self.type == "int":
            if isinstance(raw, bool):
                raise ParameterError(f"{name}: expected a whole number, got {raw!r}")
            try:
                value = int(raw) if not isinstance(raw, float) or raw.is_integer() else None
            except (TypeError, ValueError):
                value = None
            if value is None:
                raise ParameterError(f"{name}: expected a whole number, got {raw!r}")
            too_low = self.min is not None and value < self.min
            too_high = self.max is not None and value > self.max
            if too_low or too_high:
                if self.min is not None and self.max is not None:
                    bounds = f"between {self.min} and {self.max}"
                elif self.min is not None:
                    bounds = f"at least {self.min}"
                else:
                    bounds = f"at most {self.max}"
                raise ParameterError(f"{name}: must be {bounds}, got {value}")
            return value
        text = str(raw)
        if self.type == "str":
            return text
        if self.type == "country":
            try:
                return parse_country(text)
            except UnknownCountry as exc:
                raise ParameterError(f"{name}: {exc}") from None
        if self.type == "date":
            try:
                return parse_date(text)
            except ValueProblem as exc:
                raise ParameterError(f"{name}: {exc}") from None
        # entity
        try:
            node = resolve_entity(store, text)
        except NotFound as exc:
            raise NotFound(f"{name}: {exc}") from None
        if self.labels and node.label not in self.labels:
            raise ParameterError(f"{name}: {node.id} ({node.name}) is a {node.label}, "
                                 f"not a {' or '.join(self.labels)}")
        return node.id


def merge_subgraphs(parts: list[Subgraph]) -> Subgraph:
    """The union of subgraphs (nodes by id, relationships by key)."""
    out = Subgraph()
    rels = {}
    for part in parts:
        out.nodes.update(part.nodes)
        for rel in part.rels:
            rels[rel.key] = rel
    out.rels = list(rels.values())
    return out


# -- normalising and ordering rows ------------------------------------------------

_AS_IS = frozenset({str, int, bool, type(None)})  # values _norm returns unchanged


def _norm(value, ordered: bool = False):
    if value.__class__ is list and all(v.__class__ is str for v in value):
        return list(value) if ordered else sorted(value)  # the order of _key, for text
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = round(value, FLOAT_DIGITS)
        return 0.0 if value == 0 else value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_norm(v) for v in value]
        return items if ordered else sorted(items, key=_key)
    if hasattr(value, "iso_format"):  # neo4j temporal values
        return value.iso_format()
    return str(value)


def _key(value):
    """A total order over normalised values: None last, numbers before text, lists by items."""
    if value is None:
        return (3,)
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (2, tuple(_key(v) for v in value))


def finish_rows(rows: list[dict], columns: tuple[str, ...], sort: tuple[str, ...] = (),
                ordered: tuple[str, ...] = ()) -> list[dict]:
    """Rows keyed by exactly ``columns``, normalised, sorted by ``sort`` (``-col`` for
    descending; None sorts last ascending) then by all columns."""
    out = [{c: v if (v := r.get(c)).__class__ in _AS_IS else _norm(v, c in ordered)
            for c in columns} for r in rows]
    spec = [(s[1:], True) if s.startswith("-") else (s, False) for s in sort]
    if not spec or len(out) < 2:
        out.sort(key=lambda row: tuple(_key(row[c]) for c in columns))
        return out
    # The same order as one sort on (``sort`` keys, then every column), but cheaper: a
    # stable sort by each ``sort`` key from the last to the first (descending ones
    # reversed, which keeps ties in place), then, within each run of rows with equal
    # ``sort`` keys (usually none: they tend to end with an id), a sort by every column.
    keys = [[_fast_key(row[c]) for row in out] for c, _ in spec]
    order = list(range(len(out)))
    for (_, desc), column_keys in zip(reversed(spec), reversed(keys)):
        order.sort(key=column_keys.__getitem__, reverse=desc)
    sort_keys = list(zip(*keys))
    if len(set(sort_keys)) == len(sort_keys):  # no ties
        return [out[j] for j in order]
    sorted_rows, start = [], 0
    for i in range(1, len(order) + 1):
        if i < len(order) and sort_keys[order[i]] == sort_keys[order[start]]:
            continue
        run = [out[j] for j in order[start:i]]
        if len(run) > 1:
            run.sort(key=lambda row: tuple(_key(row[c]) for c in columns))
        sorted_rows.extend(run)
        start = i
    return sorted_rows


def _fast_key(value):
    """``_key``, quicker for the usual text and whole numbers."""
    cls = value.__class__
    if cls is str:
        return (1, value)
    if cls is int:
        return (0, value)
    return _key(value)


# -- the query object ---------------------------------------------------------------

@dataclass
class SavedQuery:
    """A saved query as both stores run it.

    ``scope`` maps an entity parameter to how many counterparty hops of graph the
    NetworkX side needs around it (an int, or a function of the bound parameters);
    the embedded store then reads only those neighbourhoods. Without a scope (and
    without ``local_graph``) the NetworkX side gets the whole graph.
    """
    name: str
    question: str
    params: tuple[Param, ...]
    columns: tuple[str, ...]
    cypher: str
    networkx: Callable | None = None
    sort: tuple[str, ...] = ()
    ordered: tuple[str, ...] = ()
    scope: dict | None = None
    local_graph: Callable | None = None
    check: Callable | None = None
    cypher_runner: Callable | None = None
    runner: Callable | None = None
    run_on: tuple[str, ...] | None = None
    explain: Callable | None = None
    example: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)
    detail: tuple[str, ...] = ()
    details: str = ""
    origin: str = ""
    doc: str = ""

    @classmethod
    def from_module(cls, module: ModuleType) -> "SavedQuery":
        """Build a query from a module that declares NAME, QUESTION, PARAMS, COLUMNS,
        CYPHER and ``networkx(g, params)`` (plus optional SORT, ORDERED, SCOPE, EXAMPLE,
        DETAIL (columns shown only when asked for: ``--detail``),
        DETAILS (for the docs), NOTES (by backend, printed with the results),
        ``local_graph(store, params)``, ``check(params)``,
        ``run_cypher(store, params)`` for queries that post-process Cypher results,
        ``run(store, params)`` for queries computed in Python on every backend from the
        reads of ``dealgraph.queries.access`` (then ``networkx`` is the same computation
        on a whole graph, for tests and users' graphs) with RUN_ON naming the backends
        that use it (default: all; the others run the Cypher), and
        ``explain_empty(store, params)``: a note saying why an answer is empty and what
        to change, through the store interface so both stores say the same)."""
        missing = [a for a in ("NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER")
                   if not hasattr(module, a)]
        if missing:
            raise DealgraphError(f"query module {module.__name__} lacks {', '.join(missing)}")
        doc = (module.__doc__ or "").strip()
        return cls(
            name=module.NAME, question=module.QUESTION, params=tuple(module.PARAMS),
            columns=tuple(module.COLUMNS), cypher=module.CYPHER.strip() + "\n",
            networkx=getattr(module, "networkx", None), sort=tuple(getattr(module, "SORT", ())),
            ordered=tuple(getattr(module, "ORDERED", ())), scope=getattr(module, "SCOPE", None),
            local_graph=getattr(module, "local_graph", None), check=getattr(module, "check", None),
            cypher_runner=getattr(module, "run_cypher", None),
            runner=getattr(module, "run", None),
            run_on=tuple(module.RUN_ON) if hasattr(module, "RUN_ON") else None,
            explain=getattr(module, "explain_empty", None),
            example=dict(getattr(module, "EXAMPLE", {})), notes=dict(getattr(module, "NOTES", {})),
            detail=tuple(getattr(module, "DETAIL", ())),
            details=getattr(module, "DETAILS", ""), origin=module.__name__, doc=doc)

    # -- parameters -------------------------------------------------------------------
    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def bind(self, store, raw: dict, as_of: str | None = None) -> dict:
        """Check ``raw`` (name -> text) against the declared parameters and return the
        values the query runs with, plus ``as_of`` (a full date, or None)."""
        names = [p.name for p in self.params]
        unknown = sorted(set(raw) - set(names))
        if unknown:
            expected = ", ".join(names) if names else "none"
            raise ParameterError(f"{unknown[0]}: unknown parameter for query {self.name} "
                                 f"(its parameters: {expected})")
        values: dict[str, Any] = {}
        for p in self.params:
            if p.name in raw and raw[p.name] is not None:
                values[p.name] = p.parse(store, raw[p.name])
            elif p.required:
                what = (p.help or p.describe()).rstrip(".")
                raise ParameterError(f"{p.name}: missing parameter of query {self.name}: "
                                     f"{what} (give ${{p}}{p.name}=...)", params={"p": ""})
            elif p.type == "entity" and p.default is not None:
                values[p.name] = p.parse(store, p.default)
            else:
                values[p.name] = p.default
        if self.check is not None:
            self.check(values)
        values["as_of"] = normalise_as_of(as_of) if as_of else None
        return values

    # -- running -----------------------------------------------------------------------
    def run(self, store, params: dict) -> list[dict]:
        """The finished rows of this query on ``store``, chosen by backend: a query with
        ``run`` computes them in Python from the reads of ``dealgraph.queries.access``
        (on the backends in ``run_on``, or all); otherwise Neo4j runs the Cypher and the
        embedded store (whose Cypher engine knows a subset) the NetworkX twin. Every read
        is inside one read transaction."""
        store.check_current()
        if self.runner is not None and (self.run_on is None or store.backend in self.run_on):
            with access.query_errors(store, self), store.reading(), paused_gc():
                return self.finish(self.runner(store, params))
        if store.backend == "embedded":
            return self.run_embedded(store, params)
        return self.run_cypher(store, params)

    def graph_for(self, store, params: dict):
        """The NetworkX graph the query's ``networkx`` function gets on the embedded store."""
        if self.local_graph is not None:
            return self.local_graph(store, params)
        if self.scope:
            parts = []
            for pname, hops in self.scope.items():
                n = hops(params) if callable(hops) else hops
                parts.append(store.neighbourhood(params[pname], n))
            return merge_subgraphs(parts).to_networkx()
        return access.whole_graph(store)

    def run_embedded(self, store, params: dict) -> list[dict]:
        """Rows from the NetworkX implementation, finished."""
        if self.networkx is None:
            return self.run_graph_cypher(store, params)
        # one read transaction: a query that reads its graph step by step (levels of a
        # search) sees one state of the store even if a load commits meanwhile. The local
        # graph, the rows and their keys are many small objects without cycles, which the
        # cyclic collector would walk again and again (a third of the time for 200,000 rows)
        with store.reading(), paused_gc():
            rows = self.networkx(self.graph_for(store, params), params)
        return self.finish(rows)

    def run_graph_cypher(self, store, params: dict) -> list[dict]:
        """Rows of the query's Cypher run by the embedded store's Cypher engine, finished;
        a query outside the engine's subset is refused with the construct named."""
        with access.query_errors(store, self):
            rows = access.cypher_rows(store, self.cypher, params)
        self._check_columns(rows)
        return self.finish(rows)

    def run_cypher(self, store, params: dict) -> list[dict]:
        """Rows from the Cypher text run in one read transaction, finished."""
        with access.query_errors(store, self), store.reading():
            if self.cypher_runner is not None:
                rows = self.cypher_runner(store, params)
            else:
                rows = access.cypher_rows(store, self.cypher, params)
        if self.cypher_runner is None:
            self._check_columns(rows)
        return self.finish(rows)

    def _check_columns(self, rows: list[dict]) -> None:
        """Refuse Cypher rows that lack a column the query declares."""
        missing = [c for c in self.columns if c not in rows[0]] if rows else []
        if missing:
            raise DealgraphError(
                f"query {self.name}: the Cypher returns {', '.join(rows[0])} but "
                f"the query declares {', '.join(self.columns)} "
                f"(missing: {', '.join(missing)})")

    def finish(self, rows: list[dict]) -> list[dict]:
        return finish_rows(rows, self.columns, self.sort, self.ordered)
