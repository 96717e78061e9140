"""A static SVG picture of a subgraph, for the Markdown report and the printed HTML report.

Entities and deals are drawn in the map's colours and shapes (``style`` in
model.yaml): deals that are rumoured or in talks have dashed links, rejected,
cancelled and expired deals are grey. Sources are left out of the picture
(the reports list them); so are the CITES links. Every text is XML-escaped.
"""

from __future__ import annotations

import math

from ..graph.model import MODEL
from ..graph.records import Subgraph
from .common import GREY, is_dashed, is_grey, node_colour, node_shape, ordered_nodes, xml_attr, \
    xml_text
from .layout import positions

__all__ = ["render_svg", "picture_nodes"]

MAX_LABELS = 120   # above this many nodes only the best-connected get a label
LABEL_CHARS = 30


def picture_nodes(sub: Subgraph) -> list:
    """The nodes the picture shows: everything but sources (all nodes if that is nothing)."""
    shown = [n for n in ordered_nodes(sub) if n.label != "Source"]
    return shown or ordered_nodes(sub)


def render_svg(sub: Subgraph, width: int = 960, height: int = 640, title: str = "") -> str:
    """The picture as SVG text (UTF-8, no external references)."""
    nodes = picture_nodes(sub)
    ids = {n.id for n in nodes}
    rels = [r for r in sub.rels if r.src in ids and r.dst in ids and r.type != "CITES"]
    pos01 = positions(ids, [(r.src, r.dst) for r in rels], aspect=(width - 190) / (height - 108))
    degree = {i: 0 for i in ids}
    for r in rels:
        degree[r.src] += 1
        degree[r.dst] += 1
    legend_h = 28
    margin = 40
    label_room = 150 if len(nodes) <= MAX_LABELS else 40
    pw, ph = width - 2 * margin - label_room, height - 2 * margin - legend_h

    def xy(nid: str) -> tuple[float, float]:
        x, y = pos01[nid]
        return margin + x * pw, margin + y * ph

    labelled = _labelled(nodes, degree)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{xml_attr(title or "map")}" '
           'font-family="Helvetica, Arial, sans-serif">',
           f"<title>{xml_text(title or 'Map of the selection')}</title>",
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
           'fill="#777"/></marker></defs>',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
           '<g class="edges" fill="none">']
    by_id = sub.nodes
    for r in rels:
        (x1, y1), (x2, y2) = xy(r.src), xy(r.dst)
        deal = by_id.get(r.dst) if r.type == "PARTY_TO" else None
        colour = GREY if deal is not None and is_grey(deal) else "#8c8c8c"
        dash = ' stroke-dasharray="5 4"' if deal is not None and is_dashed(deal) else ""
        arrow = "" if r.type == "PARTY_TO" else ' marker-end="url(#arrow)"'
        if arrow:  # stop the arrow at the edge of the target's symbol
            x2, y2 = _shorten(x1, y1, x2, y2, _radius(degree[r.dst]) + 2)
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                   f'stroke="{colour}" stroke-width="1.2"{dash}{arrow}/>')
    out.append("</g>")
    out.append('<g class="nodes" stroke="#ffffff" stroke-width="1">')
    for n in nodes:
        x, y = xy(n.id)
        r = _radius(degree[n.id])
        out.append(f"<g><title>{xml_text(n.label)}: {xml_text(n.name)}</title>"
                   f"{_symbol(node_shape(n), x, y, r, node_colour(n))}</g>")
    out.append("</g>")
    out.append('<g class="labels" font-size="11" fill="#222222" stroke="#ffffff" '
               'stroke-width="3" stroke-linejoin="round" paint-order="stroke">')
    for n in nodes:
        if n.id not in labelled:
            continue
        x, y = xy(n.id)
        r = _radius(degree[n.id])
        text = n.name if len(n.name) <= LABEL_CHARS else n.name[:LABEL_CHARS - 1] + "\u2026"
        style = ' font-style="italic" fill="#555555"' if n.label == "Deal" else ""
        out.append(f'<text x="{x + r + 3:.1f}" y="{y + 4:.1f}"{style}>{xml_text(text)}</text>')
    out.append("</g>")
    out.append(_legend(nodes, margin, height - legend_h + 4))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _labelled(nodes, degree) -> set[str]:
    if len(nodes) <= MAX_LABELS:
        return {n.id for n in nodes}
    entities = [n for n in nodes if n.label != "Deal"]
    best = sorted(entities, key=lambda n: (-degree[n.id], n.id))[:MAX_LABELS // 2]
    return {n.id for n in best}


def _radius(degree: int) -> float:
    return min(14.0, 5.0 + 1.6 * math.sqrt(degree))


def _shorten(x1, y1, x2, y2, by):
    length = math.hypot(x2 - x1, y2 - y1)
    if length <= by:
        return x2, y2
    f = (length - by) / length
    return x1 + (x2 - x1) * f, y1 + (y2 - y1) * f


def _symbol(shape: str, x: float, y: float, r: float, colour: str) -> str:
    fill = f'fill="{xml_attr(colour)}"'
    if shape == "diamond":
        pts = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
        return f'<polygon points="{pts}" {fill}/>'
    if shape == "triangle":
        pts = f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}"
        return f'<polygon points="{pts}" {fill}/>'
    if shape in ("square", "box"):
        s = r * 0.85
        return (f'<rect x="{x - s:.1f}" y="{y - s:.1f}" width="{2 * s:.1f}" '
                f'height="{2 * s:.1f}" {fill}/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {fill}/>'


def _legend(nodes, x0: float, y: float) -> str:
    present = {n.label for n in nodes}
    parts = ['<g class="legend" font-size="12" fill="#222222">']
    x = x0
    for kind in MODEL.node_kinds:
        label = MODEL.kinds[kind].label
        if label not in present:
            continue
        style = MODEL.style.get(label) or {}
        parts.append(_symbol(style.get("shape", "dot"), x + 6, y + 6, 6,
                             style.get("color", "#999999")))
        parts.append(f'<text x="{x + 16}" y="{y + 10}">{xml_text(label)}</text>')
        x += 30 + 8 * len(label)
    if any(is_grey(n) for n in nodes):
        parts.append(_symbol("square", x + 6, y + 6, 6, GREY))
        parts.append(f'<text x="{x + 16}" y="{y + 10}">rejected / cancelled / expired deal</text>')
        x += 250
    if any(is_dashed(n) for n in nodes):
        parts.append(f'<line x1="{x}" y1="{y + 6}" x2="{x + 24}" y2="{y + 6}" stroke="#8c8c8c" '
                     'stroke-width="1.2" stroke-dasharray="5 4"/>')
        parts.append(f'<text x="{x + 30}" y="{y + 10}">rumoured / in talks</text>')
    parts.append("</g>")
    return "".join(parts)
