"""Saved queries: one module per question, found by name, run on either store.

Each module in this package that declares ``NAME`` is a saved query (see
``base.SavedQuery.from_module``); adding a query is adding one file. Users may
add queries from a directory of ``.cypher`` files (see ``userdir``).
``run_saved_query`` is the one function the command line calls.

>>> from dealgraph.graph.embedded import EmbeddedStore
>>> from dealgraph.loaders import load_paths, SEED_DIR
>>> store = EmbeddedStore(":memory:"); _ = load_paths(store, [SEED_DIR])
>>> result = run_saved_query(store, "partners", {"entity": "Xiaomi"})
>>> sorted({row["partner"] for row in result.rows})
['baic-group', 'brilliance', 'chery', 'cn-government', 'miit']
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import NotFound, ParameterError
from .base import RUN_NOTES, Param, SavedQuery

__all__ = ["Param", "SavedQuery", "QueryResult", "all_queries", "get_query", "builtin_queries",
           "run_saved_query"]


@dataclass
class QueryResult:
    """What a saved query returned: its declared columns, the rows (dicts keyed by the
    columns), notes on how it was computed (printed apart from the rows), the query and
    the parameter values it ran with."""
    columns: tuple[str, ...]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    query: SavedQuery | None = None
    params: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def builtin_queries() -> dict[str, SavedQuery]:
    """The queries bundled with dealgraph, by name."""
    found: dict[str, SavedQuery] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME"):
            query = SavedQuery.from_module(module)
            found[query.name] = query
    return dict(sorted(found.items()))


def all_queries(extra_dir: str | Path | None = None) -> dict[str, SavedQuery]:
    """Built-in queries plus those in ``extra_dir`` (if given), by name."""
    queries = dict(builtin_queries())
    if extra_dir:
        from .userdir import load_user_queries
        for query in load_user_queries(extra_dir):
            if query.name in queries:
                from ..errors import DealgraphError
                raise DealgraphError(f"{query.origin}: query name {query.name!r} is already "
                                     "taken by a saved query; choose another name")
            queries[query.name] = query
    return dict(sorted(queries.items()))


def get_query(name: str, extra_dir: str | Path | None = None) -> SavedQuery:
    """The query called ``name`` (``_`` and ``-`` are the same); NotFound suggests close names."""
    queries = all_queries(extra_dir)
    key = name.strip().lower().replace("_", "-")
    if key in queries:
        return queries[key]
    close = difflib.get_close_matches(key, list(queries), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise NotFound(f"no saved query named {name!r}{hint} "
                   f"(saved queries: {', '.join(queries)})")


def run_saved_query(store, name: str, raw_params: dict[str, str] | None = None,
                    as_of: str | None = None, limit: int | None = None,
                    extra_dir: str | Path | None = None, detail: bool = False) -> QueryResult:
    """Run the saved query ``name`` on ``store`` with parameters as typed by a user.

    ``as_of`` (YYYY, YYYY-MM or YYYY-MM-DD) leaves out deals announced after it or
    ended before it; ``limit`` keeps the first rows. Columns a query declares as
    detail (``DETAIL``, e.g. the deal list of ``partner-list``) are left out unless
    ``detail``. Raises ParameterError or NotFound naming the parameter at fault.
    """
    query = get_query(name, extra_dir)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ParameterError(f"${{limit}}: must be a whole number of at least 1, got {limit!r}",
                             params={"limit": "limit"})
    if detail and not query.detail:
        raise ParameterError(f"--detail: query {name} has no detail columns (all of its "
                             "columns are always shown)")
    params = query.bind(store, dict(raw_params or {}), as_of)
    rows = query.run(store, params)
    if limit is not None:
        rows = rows[:limit]
    columns = query.columns
    if query.detail and not detail:
        columns = tuple(c for c in columns if c not in query.detail)
        rows = [{c: row[c] for c in columns} for row in rows]
    notes = [query.notes[store.backend]] if store.backend in query.notes else []
    notes += params.pop(RUN_NOTES, [])
    if not rows and query.explain is not None:
        notes.append(query.explain(store, params))
    return QueryResult(columns, rows, notes, query, params)
