"""Exports of a selected subgraph: one module per format, and the functions that pick one.

Formats (``FORMATS``; each module has ``write(subgraph, path, context) -> [paths]``):

==============  =============  ====================================================
name            module         writes
==============  =============  ====================================================
``graphml``     graphml        one ``.graphml`` file (Gephi, yEd, networkx)
``gexf``        gexf           one ``.gexf`` file with the map's colours (Gephi)
``json``        jsonfmt        one node-link ``.json`` file
``csv``         csvfmt         a directory with ``nodes.csv`` and ``edges.csv``
``dataset``     dataset        a directory that ``dealgraph load`` reads back
``cypher``      cypher         a ``.cypher`` script that recreates the subgraph in Neo4j
``neo4j-import`` neo4j_import  a directory for ``neo4j-admin database import full``
``report-html`` report_html    an HTML report with the interactive map
``report-md``   report_md      a Markdown report and an SVG picture next to it
==============  =============  ====================================================

``run_export`` is what the CLI calls: select (``select_for_export``), refuse an
empty selection, write (``export_subgraph``).

>>> from dealgraph.graph.embedded import EmbeddedStore
>>> from dealgraph.graph.select import Selection
>>> from dealgraph.loaders import SEED_DIR, load_paths
>>> store = EmbeddedStore(":memory:"); _ = load_paths(store, [SEED_DIR])
>>> sub = select_for_export(store, Selection(focus="Xiaomi", hops=1))
>>> "xiaomi" in sub.nodes
True
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from ..errors import DealgraphError, ParameterError
from ..graph.model import MODEL
from ..graph.records import Subgraph
from ..graph.select import Selection, WholeGraph, select_subgraph
from ..graph.store import Store
from ..report import task

__all__ = ["FORMATS", "ExportContext", "ExportResult", "format_module", "select_for_export",
           "export_subgraph", "write_export", "run_export", "describe_query",
           "query_subgraph"]

FORMATS: dict[str, str] = {
    "graphml": "graphml",
    "gexf": "gexf",
    "json": "jsonfmt",
    "csv": "csvfmt",
    "dataset": "dataset",
    "cypher": "cypher",
    "neo4j-import": "neo4j_import",
    "report-html": "report_html",
    "report-md": "report_md",
}


@dataclass
class ExportContext:
    """What the files say about themselves: a title, the question asked (the selection
    or the saved query with its parameters) and when they were generated (UTC)."""
    title: str = "dealgraph export"
    question: str = "whole graph"
    generated: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    backend: str = ""

    @property
    def generated_text(self) -> str:
        return self.generated.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass
class ExportResult:
    """What an export wrote, and how much of the graph is in it."""
    format: str
    paths: list[Path]
    counts: dict[str, int]
    relationships: int
    question: str

    def summary(self) -> str:
        plural = {"Person": "people"}
        nodes = ", ".join(f"{n} {plural.get(label, label.lower() + 's')}"
                          for label, n in self.counts.items() if n)
        return f"{nodes}, {self.relationships} relationships ({self.question})"


def format_module(fmt: str):
    """The module that writes ``fmt``; ParameterError for an unknown name."""
    try:
        name = FORMATS[fmt]
    except KeyError:
        raise ParameterError(f"unknown export format {fmt!r} (expected one of: "
                             f"{', '.join(FORMATS)})") from None
    return importlib.import_module(f"{__name__}.{name}")


# -- selecting ------------------------------------------------------------------------

def _strings(value) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for v in value:
            yield from _strings(v)


def _row_values(row):
    if isinstance(row, dict):
        return list(row.values())
    if hasattr(row, "_asdict"):
        return list(row._asdict().values())
    return list(row) if isinstance(row, (list, tuple)) else [row]


def _run_query(store: Store, query: str, params: dict | None, as_of: str | None):
    from ..queries import run_saved_query  # here: exports of a selection need no queries
    return run_saved_query(store, query, dict(params or {}), as_of=as_of)


def select_for_export(store: Store, selection: Selection | None = None, query: str | None = None,
                      params: dict | None = None, as_of: str | None = None) -> Subgraph:
    """The subgraph to export: the ``selection`` (focus, hops, filters, as-of; the whole
    graph when None), or the nodes that saved query ``query`` returns.

    For a query, every string in its rows that is the id of a node in the store is
    selected; each selected deal comes with all its parties (a deal needs at least one
    to be loaded back), and every selected record with the sources it cites.
    """
    if query:
        return query_subgraph(store, _run_query(store, query, params, as_of))
    sel = selection or Selection()
    if as_of and not sel.as_of:
        sel = replace(sel, as_of=as_of)
    return select_subgraph(store, sel)


def query_subgraph(store: Store, result) -> Subgraph:
    """What a query's rows name, for an export: see ``select_for_export``."""
    candidates = {s for row in (getattr(result, "rows", None) or [])
                  for s in _strings(_row_values(row)) if s}
    labels = store.labels_of(sorted(candidates))
    ids = set(labels)
    deals = {i for i, label in labels.items() if label == "Deal"}
    if deals:
        entities = [i for i, label in labels.items() if label not in ("Deal", "Source")]
        parties = [r for r in store.deal_parties(entities) if r.dst in deals] if entities else []
        orphans = deals - {r.dst for r in parties}
        if orphans:  # deals none of whose parties the query returned: look their parties up
            everyone = [e.id for e in store.entity_index()]
            parties += [r for r in store.deal_parties(everyone) if r.dst in orphans]
        ids |= {r.src for r in parties}
    return store.subgraph(sorted(ids)) if ids else Subgraph()


def describe_query(query: str, params: dict | None, as_of: str | None = None,
                   question: str | None = None) -> str:
    """What was asked: the saved query's name, the parameters given and its question."""
    args = ", ".join(f"{k}={v}" for k, v in (params or {}).items())
    out = f"saved query {query}" + (f" ({args})" if args else "")
    if question:
        out += f": {question}"
    if as_of:
        out += f"; as of {as_of}"
    return out


# -- writing ----------------------------------------------------------------------------

def export_subgraph(subgraph: Subgraph, fmt: str, path, context: ExportContext | None = None
                    ) -> list[Path]:
    """Write ``subgraph`` as ``fmt`` to ``path``; returns the files written.

    An empty subgraph raises DealgraphError and writes nothing.
    """
    module = format_module(fmt)
    context = context or ExportContext()
    if not len(subgraph):
        raise DealgraphError(f"the selection is empty: {context.question} matched nothing; "
                             "nothing written")
    path = Path(path)
    wants_dir = bool(getattr(module, "DIRECTORY", False))
    if path.exists() and path.is_dir() != wants_dir:
        kind = "a directory" if path.is_dir() else "a file"
        raise ParameterError(f"{path} is {kind}; the {fmt} export writes "
                             f"{'a directory' if wants_dir else 'a file'}")
    return module.write(subgraph, path, context)


def run_export(store: Store, fmt: str, path, *, selection: Selection | None = None,
               query: str | None = None, params: dict | None = None, as_of: str | None = None,
               title: str | None = None) -> ExportResult:
    """Select from ``store`` and write the export: what ``dealgraph export`` does."""
    format_module(fmt)  # an unknown format fails before the store is read
    if query and selection is not None:
        raise ParameterError("${query} selects by itself; it cannot be combined with "
                             "${focus}, ${hops}, ${kind}, ${status}, ${country} or ${top}",
                             params={k: k for k in ("query", "focus", "hops", "kind", "status",
                                                    "country", "top")})
    if params and not query:
        raise ParameterError("${params} gives a saved query's parameters; use it with ${query}",
                             params={"params": "params", "query": "query"})
    with task(f"export {fmt}: selecting, writing", total=2) as progress:
        if query:
            result = _run_query(store, query, params, as_of)
            spec = getattr(result, "query", None)
            question = describe_query(getattr(spec, "name", query), params, as_of,
                                      getattr(spec, "question", None))
            sub = query_subgraph(store, result)
        else:
            sel = selection or Selection()
            if as_of and not sel.as_of:
                sel = replace(sel, as_of=as_of)
            question = sel.describe()
            sub = select_subgraph(store, sel)
        progress.advance()
        done = write_export(sub, fmt, path, question=question, title=title,
                            backend=store.backend)
        progress.advance()
    return done


def write_export(sub: Subgraph, fmt: str, path, *, question: str, title: str | None = None,
                 backend: str = "") -> ExportResult:
    """Write the selected ``sub`` as ``fmt`` and say what was written; ``question`` is
    what selected it (it titles the files unless ``title`` is given)."""
    context = ExportContext(title=title or _default_title(question), question=question,
                            backend=backend)
    order = sorted(MODEL.node_kinds, key=lambda k: (not MODEL.kinds[k].entity, k != "Deal"))
    if isinstance(sub, WholeGraph):  # written from one snapshot, a part at a time
        with sub.store.reading():
            paths = export_subgraph(sub, fmt, path, context)
            by_label, rels = sub.counts()
        counts = {MODEL.kinds[k].label: by_label.get(MODEL.kinds[k].label, 0) for k in order}
        return ExportResult(fmt, paths, counts, rels, question)
    paths = export_subgraph(sub, fmt, path, context)
    counts = {MODEL.kinds[k].label: len(sub.of_label(MODEL.kinds[k].label)) for k in order}
    return ExportResult(fmt, paths, counts, len(sub.rels), question)


def _default_title(question: str) -> str:
    return f"dealgraph: {question}"
