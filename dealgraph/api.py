"""The Python front door: open a store, load data, ask saved queries or Cypher, select a
subgraph, map it and export it — the same calls the command line makes.

>>> import dealgraph
>>> g = dealgraph.open(":memory:")
>>> g.load(dealgraph.SEED_DIR).created > 20
True
>>> partners = g.query("partners", entity="Xiaomi")
>>> sorted({row["partner"] for row in partners.rows})
['baic-group', 'brilliance', 'chery', 'cn-government', 'miit']
>>> g.cypher("MATCH (f:Firm {id: $id}) RETURN f.name AS name", id="xiaomi").rows
[{'name': 'Xiaomi'}]
>>> sub = g.subgraph(focus="Xiaomi", hops=1)
>>> sub.to_networkx().nodes["xiaomi"]["label"]
'Firm'

Errors name the parameters of these calls (``hops``, ``as_of``); the CLI spells
them as its flags.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Iterable

from .errors import ParameterError
from .graph.backends import Neo4jSettings, open_store
from .graph.store import Store
from .results import Rows, Selected

__all__ = ["open", "Graph", "NEO4J_SCHEMES"]

NEO4J_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def open(target: str | os.PathLike | None = None, *, backend: str | None = None,
         user: str | None = None, password: str | None = None,
         database: str | None = None) -> "Graph":
    """Open a dealgraph store: a file path (the embedded store; ``":memory:"`` for one
    that lives only in this process) or a Neo4j URI (``bolt://…``, ``neo4j://…``,
    ``neo4j+s://…``).

    Without ``target`` the store comes from the environment, as for the CLI:
    ``DEALGRAPH_BACKEND``, ``DEALGRAPH_STORE`` (default ``dealgraph.db``) and
    ``NEO4J_URI``. Neo4j credentials come from ``user``/``password``/``database`` or
    else ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE``.
    """
    path, uri = None, None
    if target is not None:
        text = os.fspath(target)
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        if scheme:
            if scheme not in NEO4J_SCHEMES:
                raise ParameterError(f"${{target}}: {text!r} is neither a store path nor a "
                                     "Neo4j URI (" + ", ".join(f"{s}://" for s in
                                                               NEO4J_SCHEMES) + ")",
                                     params={"target": "target"})
            uri, backend = text, backend or "neo4j"
        else:
            path, backend = text, backend or "embedded"
    settings = Neo4jSettings(uri, user, password, database)
    return Graph(open_store(backend, path, settings))


def _param_value(value):
    """A keyword value as the query parameters take it: dates as ISO text."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _names(value) -> tuple[str, ...]:
    """``"a,b"``, ``["a", "b"]`` or None as a tuple of names."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(v.strip() for item in items for v in str(item).split(",") if v.strip())


class Graph:
    """An open store and everything one does with it. Use as a context manager, or call
    ``close()``; ``store`` is the underlying ``dealgraph.graph.store.Store``."""

    def __init__(self, store: Store):
        self.store = store

    @property
    def backend(self) -> str:
        """``embedded`` or ``neo4j``."""
        return self.store.backend

    def __repr__(self) -> str:
        where = getattr(self.store, "path", None) or getattr(self.store, "uri", "")
        return f"<dealgraph.Graph {self.backend} {where}>"

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> "Graph":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    def load(self, paths, *, mapping: str | os.PathLike | None = None,
             format: str = "native", dry_run: bool = False, **options):
        """Load a dataset (a directory or files; one path or a list) into the store in one
        atomic write, and return what changed (``created``, ``updated``, ``unchanged``…).

        ``format`` is ``native`` or ``ftm``; ``mapping`` reads CSV / JSON Lines files
        through a mapping file. With ``dry_run`` nothing is written and the result is a
        preview: the counts that would be loaded and every ``problems`` found. Otherwise
        problems raise ``LoadError`` (listing each with file, line and field) and the
        store is left as it was. Other keyword ``options`` go to the loader: ``strict``,
        ``model_extension`` (a model extension file; docs/schema.md)...
        """
        from .loaders import load_paths, preview_paths
        items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        if not items:
            raise ParameterError("${paths}: give at least one file or directory to load",
                                 params={"paths": "paths"})
        items = [Path(p) for p in items]
        if dry_run:
            return preview_paths(self.store, items, format, mapping, **options)
        return load_paths(self.store, items, format, mapping, **options)

    # -- asking -------------------------------------------------------------------------
    def query(self, name: str, /, *, as_of=None, queries: str | os.PathLike | None = None,
              params: dict | None = None, detail: bool = False, **keywords) -> Rows:
        """Run the saved query ``name`` with its parameters as keywords — entities by id,
        name or alias, whole numbers as ints, dates as ``datetime.date`` or ISO text — and
        return its ``Rows``. ``as_of`` leaves out deals announced after that date or ended
        before it; ``queries`` is a directory of your own ``.cypher`` queries; ``params``
        gives parameters as a dict (for names such as ``as_of`` that are keywords here);
        ``detail`` adds the columns the query keeps for it (the deal list of
        ``partner-list``)."""
        from .queries import run_saved_query
        values = {k: _param_value(v) for k, v in {**(params or {}), **keywords}.items()}
        result = run_saved_query(self.store, name, values, as_of=_param_value(as_of),
                                 extra_dir=queries, detail=detail)
        return Rows.of(self.store, result)

    def cypher(self, text: str, /, *, write: bool = False, params: dict | None = None,
               **keywords) -> Rows:
        """Run Cypher ``text`` with ``$`` parameters given as keywords (or as a dict,
        ``params``). It is read-only unless ``write=True`` (Neo4j only). On the embedded
        store it runs on the NetworkX graph, for the subset of Cypher in docs/python.md;
        anything else is refused with an error naming the construct."""
        from .queries.adhoc import run_cypher_text
        values = {k: _param_value(v) for k, v in {**(params or {}), **keywords}.items()}
        return Rows.of(self.store, run_cypher_text(self.store, text, values, write=write))

    # -- selecting ------------------------------------------------------------------------
    def subgraph(self, focus: str | None = None, hops: int = 1, *,
                 kind: str | Iterable[str] | None = None,
                 status: str | Iterable[str] | None = None,
                 country: str | Iterable[str] | None = None, as_of=None,
                 top: int | None = None) -> Selected:
        """The part of the graph around ``focus`` (an entity's id, name or alias) within
        ``hops`` counterparty steps — or the whole graph without ``focus`` — keeping the
        deals of these kinds, statuses, countries (ISO codes) and in force ``as_of``.
        Each filter takes one value, a comma-separated text or a list. ``top``: only the
        ``top`` entities with the most deals in that selection and the deals between
        them (its backbone; on the whole graph read without holding the graph).

        >>> g.subgraph(top=3).question   # doctest: +SKIP
        'whole graph; the 3 entities with the most deals'
        """
        from .graph.select import Selection, select_subgraph
        if isinstance(hops, bool) or not isinstance(hops, int):
            raise ParameterError(f"${{hops}}: expected a whole number, got {hops!r}",
                                 params={"hops": "hops"})
        sel = Selection(focus=focus, hops=hops, kinds=_names(kind), statuses=_names(status),
                        countries=_names(country), as_of=_param_value(as_of), top=top)
        return Selected(self.store, select_subgraph(self.store, sel), sel.describe())

    def stats(self) -> dict:
        """Counts of nodes by kind and relationships by type."""
        return self.store.stats()
