"""JSON export: the subgraph as node-link JSON, as ``networkx.node_link_graph`` reads it.

::

    {"directed": true, "multigraph": true,
     "graph": {"title": ..., "question": ..., "generated": ...},
     "nodes": [{"id": "huawei", "type": "Firm", "label": "Huawei Technologies",
                "name": ..., "aliases": ["Huawei", ...], ...}, ...],
     "links": [{"source": "huawei", "target": "deal-x", "key": "PARTY_TO:offeror",
                "type": "PARTY_TO", "role": "offeror"}, ...]}

Properties keep their JSON types: lists stay lists, numbers stay numbers.
``networkx.node_link_graph(data, edges="links")`` gives back a MultiDiGraph.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..graph.records import Subgraph, edge_key
from .common import node_attrs, ordered_nodes, ordered_rels, rel_attrs, stream_nodes, \
    stream_rels, write_chunks

__all__ = ["write", "to_data", "SUFFIX"]

SUFFIX = ".json"
DIRECTORY = False


def to_data(sub: Subgraph, context=None) -> dict:
    """The node-link structure as plain Python data."""
    graph = {}
    if context is not None:
        graph = {"title": context.title, "question": context.question,
                 "generated": context.generated_text}
    return {
        "directed": True,
        "multigraph": True,
        "graph": graph,
        "nodes": [{"id": n.id, **node_attrs(n)} for n in ordered_nodes(sub)],
        "links": [{"source": r.src, "target": r.dst, "key": edge_key(r.type, r.props),
                   **rel_attrs(r)} for r in ordered_rels(sub)],
    }


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    """The text ``json.dumps(to_data(sub, context), ensure_ascii=False, indent=1)``,
    written node by node and link by link (a whole graph of a million deals would
    otherwise be held as one string, several gigabytes)."""
    return [write_chunks(Path(path), _chunks(sub, context))]


def _chunks(sub: Subgraph, context):
    head = to_data(Subgraph(), context)
    yield "{\n"
    for key in ("directed", "multigraph", "graph"):
        yield f" {json.dumps(key)}: {_dumps(head[key], 1)},\n"
    nodes = ({"id": n.id, **node_attrs(n)} for n in stream_nodes(sub))
    links = ({"source": r.src, "target": r.dst, "key": edge_key(r.type, r.props),
              **rel_attrs(r)} for r in stream_rels(sub))
    for key, items, end in (("nodes", nodes, ",\n"), ("links", links, "\n")):
        yield f' "{key}": ['
        first = True
        for item in items:
            yield ("\n  " if first else ",\n  ") + _dumps(item, 2)
            first = False
        yield ("]" if first else "\n ]") + end
    yield "}\n"


def _dumps(value, depth: int) -> str:
    """``value`` as json.dumps(indent=1) writes it ``depth`` levels deep."""
    return json.dumps(value, ensure_ascii=False, indent=1).replace("\n", "\n" + " " * depth)
