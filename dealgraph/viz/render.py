"""Rendering a subgraph as one self-contained, offline, interactive HTML map with pyvis.

pyvis' ``Network`` holds the nodes, edges and vis-network options and renders
the page through its Jinja template machinery; the template is ours
(``assets/map.html``) so that the page inlines vis-network instead of pointing
at CDNs, carries a Content-Security-Policy that forbids every request, and puts
all data in JSON blocks that the page's script turns into DOM text (never HTML).

Nodes and edges go into ``Network.nodes``/``Network.edges`` in bulk: pyvis'
``add_edge`` scans every existing edge and is quadratic. Above
``PHYSICS_THRESHOLD`` drawn nodes the positions are computed in Python
(``layout.radial_layout``) and the browser's physics is off.

>>> from dealgraph.graph.records import Node, Subgraph
>>> sub = Subgraph({"a": Node("a", "Firm", {"name": "<b>A</b>"})})
>>> html = render_map(sub, title="t")
>>> "<b>A</b>" in html, read_map_data(html)["nodes"][0]["label"]
(False, '<b>A</b>')
"""

from __future__ import annotations

import gc
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from ..graph.records import Subgraph
from ..graph.store import Store
from . import assets
from .elements import (DASHED, DEAL_LABEL, GREY, GREY_BORDER, GREYED, LINK_COLOR, VIEWS,
                       Elements, _style, build_elements, humanise, node_groups)
from .layout import radial_layout

__all__ = ["MapInfo", "render_map", "write_map", "read_map_data", "subgraph_for_rows",
           "VIEWS", "PHYSICS_THRESHOLD", "EDGE_LABEL_THRESHOLD"]

PHYSICS_THRESHOLD = 500
EDGE_LABEL_THRESHOLD = 1000
DEFAULT_TITLE = "dealgraph map"


@dataclass(frozen=True)
class MapInfo:
    """What ``write_map`` wrote: where, which view, how many nodes and edges are drawn,
    whether the browser runs physics (else positions were computed), and the file size."""
    path: Path
    view: str
    nodes: int
    edges: int
    physics: bool
    bytes: int

    def describe(self) -> str:
        layout = "physics layout in the page" if self.physics else "layout computed in Python"
        return (f"{self.path}: {self.nodes} nodes, {self.edges} edges, view {self.view}, "
                f"{layout}, {self.bytes / 1024:,.0f} KiB")


def _options(els: Elements, physics: bool) -> dict:
    n = len(els.nodes)
    deal = _style(DEAL_LABEL)["color"]
    opts = {
        "autoResize": True,
        "groups": node_groups(),
        "nodes": {"borderWidth": 1.5, "borderWidthSelected": 4, "size": 8,
                  "font": {"size": 16, "face": "system-ui, sans-serif", "strokeWidth": 4,
                           "strokeColor": "#ffffff"}},
        "edges": {"width": 1.2, "selectionWidth": 1.5, "hoverWidth": 0.8,
                  "color": {"color": deal, "opacity": 0.75, "inherit": False},
                  "font": {"size": 10, "face": "system-ui, sans-serif", "strokeWidth": 3,
                           "align": "middle", "color": "#555555"},
                  "smooth": {"enabled": True, "type": "continuous", "roundness": 0.3}
                  if physics else False},
        "interaction": {"hover": True, "tooltipDelay": 200, "navigationButtons": False,
                        "keyboard": {"enabled": True, "bindToWindow": False},
                        "hideEdgesOnDrag": not physics, "hideEdgesOnZoom": not physics,
                        "multiselect": False},
        "layout": {"randomSeed": 7, "improvedLayout": physics and n <= 150},
    }
    if physics:
        opts["physics"] = {
            "enabled": True, "solver": "forceAtlas2Based", "minVelocity": 1,
            "forceAtlas2Based": {"gravitationalConstant": -110, "centralGravity": 0.01,
                                 "springLength": 130, "springConstant": 0.04,
                                 "damping": 0.5, "avoidOverlap": 0.8},
            "stabilization": {"enabled": True, "iterations": 600 if n <= 100 else 300,
                              "updateInterval": 50, "fit": True}}
    else:
        opts["physics"] = {"enabled": False}
        opts["nodes"]["font"]["size"] = 12
        opts["edges"]["font"]["size"] = 9
    return opts


def _legend(els: Elements) -> list[dict]:
    """Legend entries: one per drawn label (shape and colour from the model), then lines."""
    items = []
    for label in els.labels:
        s = _style(label)
        if label == DEAL_LABEL and els.view == "counterparties":
            items.append({"kind": "line", "color": s["color"],
                          "text": "deal (edge, kind as label)"})
            continue
        items.append({"kind": "shape", "shape": s["shape"], "color": s["color"],
                      "text": label.lower() if label != DEAL_LABEL else "deal"})
    has_deals = any(n.get("group", "").startswith(DEAL_LABEL) for n in els.nodes)
    if has_deals or els.view == "counterparties":
        if DASHED:
            items.append({"kind": "dashed", "color": _style(DEAL_LABEL)["color"],
                          "text": " / ".join(humanise(s) for s in sorted(DASHED))})
        if GREYED:
            items.append({"kind": "line", "color": GREY_BORDER, "fill": GREY,
                          "text": " / ".join(humanise(s) for s in sorted(GREYED))})
    if any(e["rel"] not in ("PARTY_TO", "CITES") for e in els.edges):
        items.append({"kind": "arrow", "color": LINK_COLOR,
                      "text": "ownership / membership / affiliation"})
    items.append({"kind": "size", "color": "#999999", "text": "size = number of deals"})
    return items


def _environment(extra: dict) -> Environment:
    env = Environment(loader=PackageLoader("dealgraph.viz", "assets"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["json_script"] = lambda v: Markup(assets.script_json(v))
    env.filters["json_text"] = lambda v: Markup(assets.script_json(v, already_json=True))
    env.filters["humanise"] = humanise
    env.globals.update(extra)
    return env


@contextmanager
def _gc_paused():
    """Building a big map allocates hundreds of thousands of small acyclic dicts and
    lists; the cyclic collector would run over them again and again (~40% of the
    time at 20k nodes). Pause it for the build; it runs normally afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _build(sub: Subgraph, title: str, view: str, show_sources: bool,
           physics_threshold: int) -> tuple[str, Elements, bool]:
    with _gc_paused():
        return _build_unpaused(sub, title, view, show_sources, physics_threshold)


def _build_unpaused(sub: Subgraph, title: str, view: str, show_sources: bool,
                    physics_threshold: int) -> tuple[str, Elements, bool]:
    from pyvis.network import Network  # imported here: it pulls in IPython (0.3 s)

    drawn_estimate = len(sub.nodes)
    els = build_elements(sub, view, show_sources=show_sources,
                         edge_labels=drawn_estimate <= EDGE_LABEL_THRESHOLD)
    physics = len(els.nodes) <= physics_threshold
    if not physics:
        pos = radial_layout([n["id"] for n in els.nodes], els.layout_edges())
        for node in els.nodes:
            node["x"], node["y"] = pos[node["id"]]

    net = Network(height="100%", width="100%", directed=True, heading=title,
                  cdn_resources="in_line")
    net.nodes = els.nodes
    net.edges = els.edges
    net.node_ids = [n["id"] for n in els.nodes]
    net.node_map = {n["id"]: n for n in els.nodes}
    net.options = _options(els, physics)
    meta = {"view": view, "physics": physics, "records": els.records, "sources": els.sources,
            "months": els.months, "dealLabel": DEAL_LABEL, "total": len(els.nodes)}
    net.templateEnv = _environment({
        "dg": meta, "view": view, "filters": els.filters, "legend": _legend(els),
        "months": els.months, "csp": assets.csp_policy(),
        "vis_js": Markup(assets.vis_js()), "vis_css": Markup(assets.vis_css()),
        "page_js": Markup(assets.page_js()), "page_css": Markup(assets.page_css()),
        "vis_version": assets.VIS_VERSION,
        "n_entities": sum(1 for r in els.records.values() if r["t"] != DEAL_LABEL),
        "n_deals": sum(1 for r in els.records.values() if r["t"] == DEAL_LABEL)})
    net.path = "map.html"
    html = net.generate_html()
    return html, els, physics


def render_map(subgraph: Subgraph, title: str = DEFAULT_TITLE, view: str = "deals", *,
               show_sources: bool = False, physics_threshold: int = PHYSICS_THRESHOLD) -> str:
    """The map of ``subgraph`` as one HTML document (str).

    ``view`` is ``deals`` (deals are small nodes) or ``counterparties`` (deals are
    labelled edges between their parties); ``show_sources`` also draws Source
    nodes; above ``physics_threshold`` drawn nodes positions are computed in
    Python and the page's physics is off.
    """
    return _build(subgraph, title, view, show_sources, physics_threshold)[0]


def write_map(subgraph: Subgraph, path: str | os.PathLike, title: str = DEFAULT_TITLE,
              view: str = "deals", *, show_sources: bool = False,
              physics_threshold: int = PHYSICS_THRESHOLD) -> MapInfo:
    """Write the map of ``subgraph`` to ``path`` (parent directories are created)."""
    html, els, physics = _build(subgraph, title, view, show_sources, physics_threshold)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = html.encode("utf-8")
    path.write_bytes(data)
    return MapInfo(path, view, len(els.nodes), len(els.edges), physics, len(data))


_BLOCK = re.compile(r'<script type="application/json" id="dg-(\w+)">(.*?)</script>', re.S)


def read_map_data(html: str) -> dict:
    """The data a map page carries: ``nodes``, ``edges``, ``options`` and ``meta``."""
    return {name: json.loads(text) for name, text in _BLOCK.findall(html)}


def subgraph_for_rows(store: Store, rows: list[dict]) -> Subgraph:
    """What to map for a query's result rows: every node whose id appears as a value
    (or in a list value), plus the deals that link two of the entities found."""
    candidates: set[str] = set()
    for row in rows:
        for value in row.values():
            values = value if isinstance(value, (list, tuple)) else [value]
            candidates.update(v for v in values if isinstance(v, str) and v)
    found = store.labels_of(candidates) if candidates else {}
    ids = set(found)
    entities = {i for i, label in found.items() if label not in (DEAL_LABEL, "Source")}
    if entities:
        by_deal: dict[str, set[str]] = {}
        for rel in store.deal_parties(entities):
            if rel.src in entities:
                by_deal.setdefault(rel.dst, set()).add(rel.src)
        ids |= {d for d, members in by_deal.items() if len(members) >= 2}
    return store.subgraph(ids)
