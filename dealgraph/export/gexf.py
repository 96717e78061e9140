"""GEXF 1.3 export: one file for Gephi, with the map's colours, shapes and a laid-out position.

A node's GEXF ``label`` is its display name; its attributes are ``type`` (Firm,
Government, Person, Deal, Source) and every property under its model name.
Edges have ``label`` and attribute ``type`` (PARTY_TO, CITES, ...) plus
``role``/``note``. Numbers are ``long`` when every value of an attribute is
whole, else ``double``; list properties (``aliases``) are strings with the
values joined by ``|``. ``viz:color`` is the kind's map colour (grey for
rejected, cancelled and expired deals), ``viz:shape`` its map shape.

Every relationship is its own edge with its own ``id`` and a GEXF ``kind``: the
relationship type, and for a party its role (``PARTY_TO:acquirer``). A firm that is
both acquirer and target of one deal has two edges to it of different kinds, which
Gephi keeps apart (it merges parallel edges only within one kind).

The file is written directly rather than with ``networkx.write_gexf``, which
treats attributes named ``start``, ``end``, ``type`` and ``label`` as GEXF's
own (a deal's ``end`` date would become a time interval).
"""

from __future__ import annotations

from pathlib import Path

from ..graph.model import MODEL
from ..graph.records import Subgraph
from .common import LABEL_ATTR, attribute_types, edge_kind, flat_attrs, list_fields, node_attrs, \
    node_colour, node_columns, node_shape, ordered_nodes, ordered_rels, rel_attrs, rel_columns, \
    write_text, xml_attr
from .layout import positions

__all__ = ["write", "render", "SUFFIX"]

SUFFIX = ".gexf"
DIRECTORY = False

_SHAPES = {"dot": "disc", "diamond": "diamond", "triangle": "triangle", "square": "square",
           "box": "square"}


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    return [write_text(Path(path), render(sub, context))]


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _in_order(types: dict, columns: list[str]) -> dict:
    rank = {c: i for i, c in enumerate(columns)}
    return dict(sorted(types.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _value(value) -> str:
    return repr(value) if isinstance(value, float) else xml_attr(value)


def render(sub: Subgraph, context) -> str:
    """The GEXF document as text."""
    nodes = ordered_nodes(sub)
    rels = ordered_rels(sub)
    node_rows = []
    for n in nodes:
        row = flat_attrs(node_attrs(n))
        row.pop(LABEL_ATTR)  # the GEXF label itself
        node_rows.append(row)
    rel_rows = [flat_attrs(rel_attrs(r)) for r in rels]
    ntypes = _in_order(attribute_types(node_rows), node_columns(sub))
    etypes = _in_order(attribute_types(rel_rows), rel_columns(sub))
    nids = {name: str(i) for i, name in enumerate(ntypes)}
    eids = {name: str(i) for i, name in enumerate(etypes)}

    description = f"List properties ({', '.join(list_fields())}) hold their values joined " \
                  f"with '{MODEL.separator}'."
    date = ""
    if context is not None:
        description = f"{context.title}. {context.question}. Generated {context.generated_text}. " \
                      + description
        date = f' lastmodifieddate="{context.generated.strftime("%Y-%m-%d")}"'
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<gexf xmlns="http://gexf.net/1.3" '
           'xmlns:viz="http://gexf.net/1.3/viz" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://gexf.net/1.3 '
           'http://gexf.net/1.3/gexf.xsd" version="1.3">',
           f"  <meta{date}>",
           "    <creator>dealgraph</creator>",
           f'    <description>{xml_attr(description)}</description>',
           "  </meta>",
           '  <graph mode="static" defaultedgetype="directed">',
           '    <attributes class="node" mode="static">']
    for name, t in ntypes.items():
        out.append(f'      <attribute id="{nids[name]}" title="{xml_attr(name)}" type="{t}"/>')
    out.append("    </attributes>")
    out.append('    <attributes class="edge" mode="static">')
    for name, t in etypes.items():
        out.append(f'      <attribute id="{eids[name]}" title="{xml_attr(name)}" type="{t}"/>')
    out.append("    </attributes>")

    pos = positions(sub.nodes, [(r.src, r.dst) for r in rels])
    scale = max(600.0, 90.0 * len(nodes) ** 0.5)
    out.append("    <nodes>")
    for node, row in zip(nodes, node_rows):
        out.append(f'      <node id="{xml_attr(node.id)}" label="{xml_attr(node.name)}">')
        out.append("        <attvalues>")
        for name, value in row.items():
            out.append(f'          <attvalue for="{nids[name]}" value="{_value(value)}"/>')
        out.append("        </attvalues>")
        r, g, b = _rgb(node_colour(node))
        x, y = pos[node.id]
        out.append(f'        <viz:color r="{r}" g="{g}" b="{b}" a="1.0"/>')
        # GEXF's y axis points up; flip so the picture matches the other exports
        out.append(f'        <viz:position x="{x * scale:.1f}" y="{(1 - y) * scale:.1f}" z="0.0"/>')
        out.append(f'        <viz:size value="{6.0 if node.label == "Source" else 10.0}"/>')
        out.append(f'        <viz:shape value="{_SHAPES.get(node_shape(node), "disc")}"/>')
        out.append("      </node>")
    out.append("    </nodes>")
    out.append("    <edges>")
    for i, (rel, row) in enumerate(zip(rels, rel_rows)):
        out.append(f'      <edge id="{i}" source="{xml_attr(rel.src)}" '
                   f'target="{xml_attr(rel.dst)}" kind="{xml_attr(edge_kind(rel))}" '
                   f'label="{xml_attr(rel.type)}">')
        out.append("        <attvalues>")
        for name, value in row.items():
            out.append(f'          <attvalue for="{eids[name]}" value="{_value(value)}"/>')
        out.append("        </attvalues>")
        out.append("      </edge>")
    out.append("    </edges>")
    out.append("  </graph>")
    out.append("</gexf>")
    return "\n".join(out) + "\n"
