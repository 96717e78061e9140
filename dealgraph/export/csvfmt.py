"""CSV export: a directory with ``nodes.csv`` and ``edges.csv``, for spreadsheets and tools
that import node and edge tables (Gephi's spreadsheet import, R, pandas).

``nodes.csv`` columns: ``id``, ``type`` (Firm, Government, Person, Deal, Source),
``label`` (display name), then every node property of the model; a cell is empty
when the node has no such property. ``edges.csv`` columns: ``source``,
``target``, ``type`` (PARTY_TO, CITES, ...), ``role``, ``note``. List
properties (``aliases``) hold their values joined with ``|``. UTF-8, comma
separated, quoted where needed (RFC 4180).

This is a table view of the graph; to move data between stores use the
``dataset`` export, which ``dealgraph load`` reads.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable, Iterator

from ..graph.records import Subgraph
from .common import flat_attrs, node_attrs, node_columns, rel_attrs, rel_columns, \
    stream_nodes, stream_rels, write_chunks

__all__ = ["write", "SUFFIX", "NODES", "EDGES"]

SUFFIX = ""
DIRECTORY = True
NODES = "nodes.csv"
EDGES = "edges.csv"



def write(sub: Subgraph, path: Path, context) -> list[Path]:
    """Both tables, written row by row (never held whole: a million deals make
    gigabytes of rows)."""
    path = Path(path)
    ncols = ["id"] + node_columns(sub)
    nodes = ({"id": n.id, **flat_attrs(node_attrs(n))} for n in stream_nodes(sub))
    ecols = ["source", "target"] + rel_columns(sub)
    edges = ({"source": r.src, "target": r.dst, **flat_attrs(rel_attrs(r))}
             for r in stream_rels(sub))
    return [write_chunks(path / NODES, _table(ncols, nodes)),
            write_chunks(path / EDGES, _table(ecols, edges))]


def _table(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    """The CSV text of ``rows``, a header then a few thousand rows at a time."""
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for i, row in enumerate(rows, 1):
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        if i % 5000 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
