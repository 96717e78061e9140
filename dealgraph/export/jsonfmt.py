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
from .common import node_attrs, ordered_nodes, ordered_rels, rel_attrs, write_text

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
    text = json.dumps(to_data(sub, context), ensure_ascii=False, indent=1)
    return [write_text(Path(path), text + "\n")]
