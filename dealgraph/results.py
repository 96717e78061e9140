"""What the front door returns: ``Rows`` of a query and a ``Selected`` subgraph, each
convertible to pandas, NetworkX, a map or an export file.

>>> import dealgraph
>>> g = dealgraph.open(":memory:"); _ = g.load(dealgraph.SEED_DIR)
>>> rows = g.query("investors", target="Huawei")
>>> rows.columns[:2], len(rows) == len(rows.rows)
(('investor', 'name'), True)
>>> "huawei" in rows.to_networkx()
True
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field

from .errors import DealgraphError, NotFound, ParameterError
from .graph.records import Subgraph
from .graph.store import Store

__all__ = ["Rows", "Selected"]

HTML_ROWS = 50  # rows shown in a notebook; the rest are counted


@dataclass
class Rows:
    """Rows of a saved query or of Cypher: ``columns``, ``rows`` (dicts keyed by the
    columns), ``notes`` on how they were computed, the ``query`` (None for Cypher) and
    the checked ``params`` it ran with."""
    columns: tuple[str, ...]
    rows: list[dict]
    notes: list[str] = field(default_factory=list)
    query: object = None
    params: dict = field(default_factory=dict)
    store: Store | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, store: Store, result) -> "Rows":
        """Wrap a ``dealgraph.queries.QueryResult`` read from ``store``."""
        return cls(tuple(result.columns), result.rows, list(result.notes), result.query,
                   dict(result.params), store)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def head(self, n: int) -> "Rows":
        """The first ``n`` rows (``n`` at least 1)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ParameterError(f"${{limit}}: must be a whole number of at least 1, got {n!r}",
                                 params={"limit": "n"})
        return Rows(self.columns, self.rows[:n], self.notes, self.query, self.params,
                    self.store)

    def to_pandas(self):
        """The rows as a ``pandas.DataFrame`` with the query's columns (pip install
        'dealgraph[pandas]')."""
        try:
            import pandas as pd
        except ImportError:
            raise DealgraphError("to_pandas() needs pandas: pip install 'dealgraph[pandas]'"
                                 ) from None
        return pd.DataFrame([[row.get(c) for c in self.columns] for row in self.rows],
                            columns=list(self.columns))

    def subgraph(self) -> "Selected":
        """What the rows name: every node whose id is a value of a row (or of the
        query's entity parameters), and the deals linking two of the entities found."""
        from .viz.render import subgraph_for_rows
        asked = {p.name: self.params.get(p.name) for p in getattr(self.query, "params", ())
                 if p.type == "entity"}
        sub = subgraph_for_rows(self.store, self.rows + ([asked] if asked else []))
        if not sub.nodes:
            raise NotFound(f"the rows of {self._what()} name nothing in the store")
        return Selected(self.store, sub, self._what())

    def to_networkx(self):
        """``subgraph().to_networkx()``: the nodes the rows name, as a MultiDiGraph."""
        return self.subgraph().to_networkx()

    def map(self, **options) -> "Map":
        """``subgraph().map(**options)``, titled after the query. The rows of ``paths``
        map only what is on the paths, with both ends marked and the paths highlighted
        (NotFound when there is no path)."""
        if getattr(self.query, "name", None) == "paths":
            from .viz.render import paths_map_parts
            sub, drawn = paths_map_parts(self.store, self)
            drawn["title"] = options.pop("title", None) or drawn["title"]
            drawn["store"] = None  # no ring of outside deals: only the paths are drawn
            return Selected(self.store, sub, self._what()).map(**drawn, **options)
        options.setdefault("title", f"dealgraph query {self._what()}")
        return self.subgraph().map(**options)

    def export(self, format: str, path, *, title: str | None = None):
        """Write what the rows name as ``format`` (see ``dealgraph.export.FORMATS``), each
        deal with all its parties, as ``dealgraph export --query`` does."""
        from .export import describe_query, format_module, query_subgraph, write_export
        format_module(format)  # an unknown format fails before the store is read
        name = getattr(self.query, "name", None)
        question = (describe_query(name, self.params_given(), self.params.get("as_of"),
                                   getattr(self.query, "question", None))
                    if name else "Cypher rows")
        return write_export(query_subgraph(self.store, self), format, path,
                            question=question, title=title, backend=self.store.backend)

    def params_given(self) -> dict:
        return {k: v for k, v in self.params.items() if k != "as_of" and v is not None}

    def _what(self) -> str:
        return getattr(self.query, "name", None) or "Cypher"

    def __repr__(self) -> str:
        return (f"<Rows {self._what()}: {len(self.rows)} row{'s' if len(self.rows) != 1 else ''}"
                f" of {', '.join(self.columns)}>")

    def _repr_html_(self) -> str:
        """A notebook table of the first ``HTML_ROWS`` rows, every value escaped."""
        def cell(v):
            if isinstance(v, (list, tuple)):
                v = "; ".join(str(x) for x in v)
            return html.escape("" if v is None else str(v))
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{cell(r.get(c))}</td>" for c in self.columns)
                       + "</tr>" for r in self.rows[:HTML_ROWS])
        more = (f"<p>{len(self.rows) - HTML_ROWS} more rows</p>"
                if len(self.rows) > HTML_ROWS else "")
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
                f"<p>{len(self.rows)} rows</p>")


@dataclass
class Selected:
    """A selected subgraph (``subgraph``: nodes by id and relationships), with what was
    asked (``question``)."""
    store: Store = field(repr=False, compare=False)
    subgraph: Subgraph
    question: str = "whole graph"

    @property
    def nodes(self):
        return self.subgraph.nodes

    @property
    def rels(self):
        return self.subgraph.rels

    def __len__(self) -> int:
        return len(self.subgraph)

    def __repr__(self) -> str:
        """Counts without reading a big selection's records (a whole graph's come from
        the store's counts; a filtered one's relationships are not counted until read)."""
        from .graph.select import FilteredGraph, WholeGraph
        sub = self.subgraph
        if isinstance(sub, WholeGraph):
            rels = f", {sub.counts()[1]} relationships"
        elif isinstance(sub, FilteredGraph) and sub.unread:
            rels = ""
        else:
            rels = f", {len(sub.rels)} relationships"
        return f"<Selected {self.question}: {len(sub)} nodes{rels}>"

    def to_networkx(self):
        """A NetworkX MultiDiGraph: node attribute ``label`` plus properties; edge key
        and attribute ``type`` (``PARTY_TO:role`` as key for parties) plus properties."""
        return self.subgraph.to_networkx()

    def map(self, **options) -> "Map":
        """An interactive, offline map of the selection (a ``Map``: shown inline in
        Jupyter, ``.save(path)`` writes it). ``options`` go to
        ``dealgraph.viz.render.render_map`` (``title``, ``view``, ``show_sources``,
        ``caption``, ``overview``…; ``positions`` may be a positions file). The store
        goes along, so entities show their true deal counts, as ``dealgraph map`` does."""
        from .mapview import Map
        if not len(self.subgraph):
            raise NotFound(f"nothing to map: the selection ({self.question}) is empty")
        options["title"] = options.get("title") or f"dealgraph map: {self.question}"
        options.setdefault("store", self.store)
        if isinstance(options.get("positions"), (str, os.PathLike)):
            from .viz.render import read_positions
            options["positions"] = read_positions(options["positions"])
        return Map.render(self.subgraph, **options)

    def export(self, format: str, path: str | os.PathLike, *, title: str | None = None):
        """Write the selection as ``format`` (graphml, gexf, json, csv, dataset, cypher,
        report-html, report-md) to ``path``; returns an ``ExportResult`` (``paths``
        written, ``counts`` by kind). An empty selection writes nothing."""
        from .export import write_export
        return write_export(self.subgraph, format, path, question=self.question, title=title,
                            backend=self.store.backend)


from .mapview import Map  # noqa: E402  (for the annotations; imports nothing heavy)
