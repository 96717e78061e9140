"""GraphML export: one file for Gephi, yEd, networkx and other graph tools.

Nodes carry ``type`` (Firm, Government, Person, Deal, Source), ``label`` (display
name), ``color`` (the map's ``#rrggbb``, which igraph's plots use as they are) and
every property under its model name; edges carry ``type`` (PARTY_TO, CITES, ...),
``color`` and ``role``/``note``. Numbers stay typed: ``long`` when every value of
an attribute is whole, else ``double``. GraphML has no list type, so list
properties (``aliases``) hold their values joined with ``|``; the graph's
``list_fields`` attribute names them. Each node and edge also carries yEd
graphics (colour and shape as on the map, a label, a laid-out position), so the
file opens in yEd looking like the map; other readers ignore them.

>>> import networkx as nx, tempfile, pathlib
>>> from dealgraph.graph.records import Node, Subgraph
>>> sub = Subgraph({"a": Node("a", "Firm", {"name": "Acme", "aliases": ["A", "Acme Co"]})})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
>>> _ = write(sub, path, None)
>>> g = nx.read_graphml(path)
>>> g.nodes["a"]["type"], g.nodes["a"]["aliases"]
('Firm', 'A|Acme Co')
"""

from __future__ import annotations

import re
from pathlib import Path

from ..graph.model import MODEL
from ..graph.records import Subgraph
from .common import COLOR_ATTR, GREY, LABEL_ATTR, TYPE_ATTR, attribute_types, edge_kind, flat_attrs, is_dashed, is_grey, list_fields, \
    node_attrs, node_colour, node_columns, node_shape, ordered_nodes, ordered_rels, rel_attrs, \
    rel_columns, write_text, xml_attr, xml_text
from .layout import positions

__all__ = ["write", "render", "SUFFIX"]

SUFFIX = ".graphml"
DIRECTORY = False

_YED_SHAPES = {"dot": "ellipse", "diamond": "diamond", "triangle": "triangle",
               "square": "rectangle", "box": "roundrectangle"}
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    return [write_text(Path(path), render(sub, context))]


def _key_ids(prefix: str, names) -> dict[str, str]:
    return {name: f"{prefix}_{name}" if _NAME.match(name) else f"{prefix}{i}"
            for i, name in enumerate(names)}


def render(sub: Subgraph, context) -> str:
    """The GraphML document as text."""
    nodes = ordered_nodes(sub)
    rels = ordered_rels(sub)
    node_rows = [_with_colour(flat_attrs(node_attrs(n)), node_colour(n)) for n in nodes]
    rel_rows = [_with_colour(flat_attrs(rel_attrs(r)), _edge_style(sub, r)[0]) for r in rels]
    ntypes = _in_order(attribute_types(node_rows), [TYPE_ATTR, LABEL_ATTR, COLOR_ATTR]
                       + node_columns(sub)[2:])
    etypes = _in_order(attribute_types(rel_rows), [TYPE_ATTR, COLOR_ATTR]
                       + rel_columns(sub)[1:])
    nkeys = _key_ids("n", ntypes)
    ekeys = _key_ids("e", etypes)
    graph_data = {"list_fields": ",".join(list_fields()), "list_separator": MODEL.separator}
    if context is not None:
        graph_data = {"title": context.title, "question": context.question,
                      "generated": context.generated_text, **graph_data}

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xmlns:y="http://www.yworks.com/xml/graphml" '
           'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
           'http://www.yworks.com/xml/schema/graphml/1.1/ygraphml.xsd">',
           "  <!-- Written by dealgraph. List properties hold their values joined with "
           f"'{MODEL.separator}'. -->"]
    for name in graph_data:
        out.append(f'  <key id="g_{name}" for="graph" attr.name="{name}" attr.type="string"/>')
    for name, t in ntypes.items():
        out.append(f'  <key id="{xml_attr(nkeys[name])}" for="node" attr.name="{xml_attr(name)}" '
                   f'attr.type="{t}"/>')
    for name, t in etypes.items():
        out.append(f'  <key id="{xml_attr(ekeys[name])}" for="edge" attr.name="{xml_attr(name)}" '
                   f'attr.type="{t}"/>')
    # attr.type: without it Gephi's import reports a SEVERE "attribute type not found"
    out.append('  <key id="n_yed" for="node" attr.type="string" yfiles.type="nodegraphics"/>')
    out.append('  <key id="e_yed" for="edge" attr.type="string" yfiles.type="edgegraphics"/>')
    out.append('  <graph id="G" edgedefault="directed">')
    for name, value in graph_data.items():
        out.append(f'    <data key="g_{name}">{xml_text(value)}</data>')

    pos = positions(sub.nodes, [(r.src, r.dst) for r in rels])
    scale = max(600.0, 90.0 * len(nodes) ** 0.5)
    for node, row in zip(nodes, node_rows):
        out.append(f'    <node id="{xml_attr(node.id)}">')
        for name, value in row.items():
            out.append(f'      <data key="{xml_attr(nkeys[name])}">{_value(value)}</data>')
        x, y = pos[node.id]
        size = 20.0 if node.label == "Source" else 30.0
        out.append(
            '      <data key="n_yed"><y:ShapeNode>'
            f'<y:Geometry x="{x * scale:.1f}" y="{y * scale:.1f}" width="{size}" height="{size}"/>'
            f'<y:Fill color="{xml_attr(node_colour(node).upper())}" transparent="false"/>'
            '<y:BorderStyle color="#FFFFFF" type="line" width="1.0"/>'
            '<y:NodeLabel modelName="sandwich" modelPosition="s" fontSize="11">'
            f'{xml_text(node.name)}</y:NodeLabel>'
            f'<y:Shape type="{_YED_SHAPES.get(node_shape(node), "ellipse")}"/>'
            '</y:ShapeNode></data>')
        out.append("    </node>")
    for i, (rel, row) in enumerate(zip(rels, rel_rows)):
        # label: Gephi's GraphML import reads it as the edge kind, so that parallel
        # relationships (one party in two roles) stay two edges; other readers ignore it
        out.append(f'    <edge id="e{i}" source="{xml_attr(rel.src)}" '
                   f'target="{xml_attr(rel.dst)}" label="{xml_attr(edge_kind(rel))}">')
        for name, value in row.items():
            out.append(f'      <data key="{xml_attr(ekeys[name])}">{_value(value)}</data>')
        colour, line = _edge_style(sub, rel)
        out.append('      <data key="e_yed"><y:PolyLineEdge>'
                   f'<y:LineStyle color="{colour.upper()}" type="{line}" width="1.0"/>'
                   '<y:Arrows source="none" target="standard"/></y:PolyLineEdge></data>')
        out.append("    </edge>")
    out.append("  </graph>")
    out.append("</graphml>")
    return "\n".join(out) + "\n"


def _with_colour(row: dict, colour: str) -> dict:
    """``row`` with the ``color`` attribute (``#rrggbb``) after ``type`` and ``label``:
    what igraph, Gephi and networkx users get instead of the yEd graphics."""
    head = {k: row[k] for k in (TYPE_ATTR, LABEL_ATTR) if k in row}
    return {**head, COLOR_ATTR: colour.lower(), **{k: v for k, v in row.items() if k not in head}}


def _edge_style(sub: Subgraph, rel) -> tuple[str, str]:
    """Colour and line type of an edge as the map draws it (grey and dashed by deal status)."""
    deal = sub.nodes.get(rel.dst) if rel.type == "PARTY_TO" else None
    colour = GREY if deal is not None and is_grey(deal) else "#8C8C8C"
    line = "dashed" if deal is not None and is_dashed(deal) else "line"
    return colour, line


def _in_order(types: dict, columns: list[str]) -> dict:
    rank = {c: i for i, c in enumerate(columns)}
    return dict(sorted(types.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _value(value) -> str:
    if isinstance(value, float):
        return repr(value)
    return xml_text(value)
