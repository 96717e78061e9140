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
import math
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from ..errors import ParameterError
from ..graph.countries import country_name
from ..graph.model import MODEL
from ..graph.records import Subgraph
from ..graph.store import Store
from . import assets
from .elements import (DASHED, DEAL_LABEL, GREY, GREY_BORDER, GREYED, LINK_COLOR, VIEWS,
                       Elements, _style, build_elements, display_name, entity_value, humanise,
                       node_groups)
from .layout import radial_layout
from .overview import build_clusters
from .ring import Ring, outside_ring

__all__ = ["MapInfo", "render_map", "write_map", "read_map_data", "subgraph_for_rows",
           "read_positions", "choose_view", "map_selection", "write_paths_map", "VIEWS", "PHYSICS_THRESHOLD",
           "EDGE_LABEL_THRESHOLD", "OVERVIEW_THRESHOLD"]

PHYSICS_THRESHOLD = 500
EDGE_LABEL_THRESHOLD = 1000
OVERVIEW_THRESHOLD = 3000
# A map bigger than either of these gets a note suggesting a narrower selection.
MAP_WARN_NODES = 5000
MAP_WARN_BYTES = 10_000_000
# a whole graph of more nodes than this is drawn as its backbone of at most BACKBONE_NODES
# entities and deals (a page of 50,000 nodes is about 30 MB, the most a browser opens well)
MAP_MAX_NODES = 50_000
BACKBONE_NODES = 5_000
AUTO_DEALS = 60
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
                  "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 4,
                           "strokeColor": "#ffffff"},
                  # labels by importance: entities' value is sqrt(deals); the biggest get
                  # the biggest labels, which stay readable when zoomed out, the others
                  # appear as you zoom in
                  "scaling": {"min": 10, "max": 46,
                              "label": {"enabled": True, "min": 12, "max": 30,
                                        "maxVisible": 26, "drawThreshold": 7}}},
        "edges": {"width": 1.2, "selectionWidth": 1.5, "hoverWidth": 0.8,
                  "color": {"color": deal, "opacity": 0.75, "inherit": False},
                  "font": {"size": 10, "face": "system-ui, sans-serif", "strokeWidth": 3,
                           "align": "middle", "color": "#555555"},
                  "scaling": {"label": {"enabled": True, "drawThreshold": 12}},
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
    """Legend entries for what the map contains: one per drawn label (shape and colour
    from the model), the status looks of the statuses present, then the lines."""
    items = []
    for label in els.labels:
        s = _style(label)
        items.append({"kind": "shape", "shape": s["shape"], "color": s["color"],
                      "text": label.lower() if label != DEAL_LABEL else "deal",
                      "view": "deals" if label == DEAL_LABEL else ""})
    if els.filters.get("status") or any(r["t"] == DEAL_LABEL for r in els.records.values()):
        items.append({"kind": "line", "color": _style(DEAL_LABEL)["color"],
                      "text": "deal (edge, kind as label)", "view": "counterparties"})
    present = set(els.filters.get("status") or ())
    dashed = sorted(DASHED & present)
    greyed = sorted(GREYED & present)
    if dashed:
        items.append({"kind": "dashed", "color": _style(DEAL_LABEL)["color"],
                      "text": " / ".join(humanise(s) for s in dashed), "view": ""})
    if greyed:
        items.append({"kind": "line", "color": GREY_BORDER, "fill": GREY,
                      "text": " / ".join(humanise(s) for s in greyed), "view": ""})
    if any(e["rel"] not in ("PARTY_TO", "CITES") for e in els.edges):
        items.append({"kind": "arrow", "color": LINK_COLOR,
                      "text": "ownership / membership / affiliation", "view": ""})
    items.append({"kind": "size", "color": "#999999",
                  "text": "size = number of deals (in the store)", "view": ""})
    if any(r.get("out") for r in els.records.values()):
        items.append({"kind": "ring", "color": "#555555",
                      "text": "dashed ring: has deals outside this map", "view": ""})
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


@dataclass
class MapOptions:
    """How to draw a map besides its subgraph (see ``write_map``)."""
    title: str = DEFAULT_TITLE
    view: str = "auto"
    show_sources: bool = False
    physics_threshold: int = PHYSICS_THRESHOLD
    overview: bool | None = None
    store: Store | None = None
    focus_hint: str | None = None
    positions: dict | None = None
    caption: str = ""
    ends: tuple[str, str] | None = None
    path_mode: bool = False


def page_sized(sub: Subgraph, opt: MapOptions) -> tuple[Subgraph, MapOptions]:
    """What a map of ``sub`` draws: ``sub`` itself, or — for a whole graph, or a
    filtered part of it, of more than ``MAP_MAX_NODES`` nodes, which no browser opens
    and nobody could read — its backbone (``dealgraph.graph.backbone``) of at most ``BACKBONE_NODES`` nodes, read
    without holding the graph, said in a note and in the page's caption."""
    from ..graph.select import FilteredGraph, WholeGraph
    if not isinstance(sub, (WholeGraph, FilteredGraph)) or len(sub) <= MAP_MAX_NODES:
        return sub, opt
    from ..graph.backbone import backbone_within
    from ..report import note
    total = len(sub)
    what = "the whole graph" if isinstance(sub, WholeGraph) else "the selection"
    bone = backbone_within(sub.store, BACKBONE_NODES, getattr(sub, "pairs", None))
    note(f"{what} ({total:,} nodes) is too big for one page: the map shows its "
         f"backbone, {bone.describe()}; choose with --top N, --focus NAME or a filter")
    caption = opt.caption or f"Backbone of {total:,} nodes: {bone.describe()}"
    # a few dozen to a few hundred entities: drawn as they are, not as clusters, with
    # the layout computed here so the deals view (thousands of deals) needs no physics
    return bone, replace(opt, caption=caption, store=opt.store or sub.store,
                         overview=False if opt.overview is None else opt.overview,
                         physics_threshold=0)


def choose_view(sub: Subgraph, view: str) -> str:
    """``auto``: the deals view for small maps, counterparties when there are more deals
    than ``AUTO_DEALS`` (a hub's deal squares would hide everything else)."""
    if view != "auto":
        return view
    deals = sum(1 for n in sub.nodes.values() if n.label == DEAL_LABEL)
    return "deals" if deals <= AUTO_DEALS else "counterparties"


def read_positions(path: str | os.PathLike) -> dict:
    """A positions file saved from a map page: ``{"positions": {id: [x, y]}, "pinned": [...]}``.
    Raises ``ParameterError`` naming the file and what is wrong."""
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"--positions: cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ParameterError(f"--positions: {path}: line {exc.lineno}: not JSON "
                             f"({exc.msg})") from None
    pos = data.get("positions") if isinstance(data, dict) else None
    if not isinstance(pos, dict):
        raise ParameterError(f"--positions: {path}: no \"positions\" object (save one with "
                             "the map page's Positions button)")
    out = {}
    for key, xy in pos.items():
        if (not isinstance(xy, list) or len(xy) != 2
                or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in xy)):
            raise ParameterError(f"--positions: {path}: positions.{key}: expected [x, y] numbers")
        out[str(key)] = (xy[0], xy[1])
    pinned = data.get("pinned") or []
    if not isinstance(pinned, list):
        raise ParameterError(f"--positions: {path}: pinned: expected a list of ids")
    return {"positions": out, "pinned": [str(p) for p in pinned]}


def _build(sub: Subgraph, opt: MapOptions) -> tuple[str, Elements, bool]:
    with _gc_paused():
        return _build_unpaused(sub, opt)


def _with_ring(sub: Subgraph, opt: MapOptions, entity_labels: set) -> tuple[Subgraph, Ring | None]:
    if opt.store is None:
        return sub, None
    ids = [nid for nid, n in sub.nodes.items() if n.label in entity_labels]
    ring = outside_ring(opt.store, sub, ids, degrees=getattr(sub, "degrees", None))
    if not ring.sub.nodes:
        return sub, ring
    nodes = dict(ring.sub.nodes)
    nodes.update(sub.nodes)
    keys = {r.key for r in sub.rels}
    rels = list(sub.rels) + [r for r in ring.sub.rels if r.key not in keys]
    return Subgraph(nodes, rels), ring


def _build_unpaused(sub: Subgraph, opt: MapOptions) -> tuple[str, Elements, bool]:
    from pyvis.network import Network  # imported here: it pulls in IPython (0.3 s)

    view = choose_view(sub, opt.view)
    entity_labels = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
    full, ring = _with_ring(sub, opt, entity_labels)
    ring_only = {nid for nid in full.nodes if nid not in sub.nodes}
    drawn_estimate = len(sub.nodes)
    els = build_elements(full, view, show_sources=opt.show_sources,
                         edge_labels=drawn_estimate <= EDGE_LABEL_THRESHOLD)
    if ring is not None:
        _mark_ring(els, ring, ring_only)
    for node in els.nodes:
        if "value" in node:
            node["value"] = entity_value(els.records[node["id"]]["dc"])
            out = els.records[node["id"]].get("out")
            if out:
                node["label"] = f"{node['label']} (+{out})"
                node["shapeProperties"] = {"borderDashes": [4, 3]}
                node["borderWidth"] = 2.5
    on_map = [n for n in els.nodes if not n.get("r")]
    view_nodes = [n for n in on_map if view == "deals" or n["group"].split("/")[0] != DEAL_LABEL]
    overview = opt.overview if opt.overview is not None else len(on_map) > OVERVIEW_THRESHOLD
    physics = not overview and len(view_nodes) <= opt.physics_threshold and not opt.positions
    clusters: list = []
    if overview or not physics:
        ids = [n["id"] for n in on_map]
        edges = [(e["from"], e["to"]) for e in els.edges
                 if e.get("v") != "c" and not e.get("r")]
        if overview:
            importance = {nid: r.get("dc", 0) for nid, r in els.records.items()}
            names = {nid: r["n"] for nid, r in els.records.items()}
            is_entity = {nid for nid, r in els.records.items() if r["t"] in entity_labels}
            found, pos = build_clusters(ids, edges, importance, names, is_entity)
            clusters = [{"id": c.id, "label": c.label, "m": c.members, "x": c.x, "y": c.y,
                         "size": c.size, "e": c.entities} for c in found]
        else:
            pos = radial_layout(ids, edges)
        for node in on_map:
            node["x"], node["y"] = pos[node["id"]]
    pinned: list[str] = []
    if opt.positions:
        given = opt.positions["positions"]
        if physics:  # nodes the file does not place start from the computed layout
            pos = radial_layout([n["id"] for n in on_map], els.layout_edges())
            for node in on_map:
                node["x"], node["y"] = pos[node["id"]]
        for node in els.nodes:
            if node["id"] in given:
                node["x"], node["y"] = given[node["id"]]
        pinned = [p for p in opt.positions["pinned"] if p in els.records]
        for node in els.nodes:
            if node["id"] in set(pinned):
                node["fixed"] = True

    net = Network(height="100%", width="100%", directed=True, heading=opt.title,
                  cdn_resources="in_line")
    net.nodes = els.nodes
    net.edges = els.edges
    net.node_ids = [n["id"] for n in els.nodes]
    net.node_map = {n["id"]: n for n in els.nodes}
    net.options = _options(els, physics)
    n_entities = sum(1 for nid, r in els.records.items()
                     if r["t"] != DEAL_LABEL and nid not in ring_only)
    n_deals = sum(1 for nid, r in els.records.items()
                  if r["t"] == DEAL_LABEL and nid not in ring_only)
    meta = {"view": view, "physics": physics, "records": els.records, "sources": els.sources,
            "months": els.months, "implausible": els.implausible, "dealLabel": DEAL_LABEL,
            "entityLabels": sorted(entity_labels), "total": len(on_map),
            "clusters": clusters, "overview": bool(clusters), "title": opt.title,
            "caption": opt.caption, "focusHint": opt.focus_hint or "",
            "ends": list(opt.ends) if opt.ends else [], "pathMode": opt.path_mode,
            "pinned": pinned, "countries": _country_names(els.filters.get("country", []))}
    net.templateEnv = _environment({
        "dg": meta, "view": view, "filters": els.filters, "legend": _legend(els),
        "months": els.months, "csp": assets.csp_policy(), "caption": opt.caption,
        "country_names": meta["countries"],
        "vis_js": Markup(assets.vis_js()), "vis_css": Markup(assets.vis_css()),
        "page_js": Markup(assets.page_js()), "page_css": Markup(assets.page_css()),
        "vis_version": assets.VIS_VERSION, "n_entities": n_entities, "n_deals": n_deals,
        "n_shown": len(view_nodes),
        "n_undated": sum(1 for nid, r in els.records.items() if r["t"] == DEAL_LABEL
                         and nid not in ring_only and "sd" not in r and "ed" not in r), "overview": bool(clusters), "n_clusters": len(clusters)})
    net.path = "map.html"
    html = net.generate_html()
    els.drawn = len(view_nodes)
    return html, els, physics


def _country_names(codes: list[str]) -> dict[str, str]:
    """Display names of the country codes on the map (``dealgraph.graph.countries``)."""
    out = {}
    for code in codes:
        name = country_name(code)
        if name and name != code:
            out[code] = name
    return out


def _mark_ring(els: Elements, ring: Ring, ring_only: set[str]) -> None:
    """Flag the ring's nodes and edges (hidden until expanded) and give every entity on the
    map its true deal count, its outside count, and the ring deals it expands to."""
    for node in els.nodes:
        if node["id"] in ring_only:
            node["r"] = 1
    ring_deals = {d for d in ring_only if els.records.get(d, {}).get("t") == DEAL_LABEL}
    for edge in els.edges:
        if edge["from"] in ring_only or edge["to"] in ring_only or edge.get("deal") in ring_deals:
            edge["r"] = 1
    for nid, rec in els.records.items():
        if nid in ring_only:
            rec["r"] = 1
            continue
        if nid in ring.counts:
            rec["dc"] = ring.counts[nid]
            away = ring.outside.get(nid, [])
            if away or nid in ring.beyond:
                rec["out"] = len(away) or ring.beyond[nid]
                if nid in ring.expandable:
                    rec["ring"] = away
        # the entity's list of deals on this map only; the ring's are listed when expanded
        if "links" in rec and rec["t"] != DEAL_LABEL:
            rec["links"] = [link for link in rec["links"] if link[0] not in ring_deals]


def render_map(subgraph: Subgraph, title: str = DEFAULT_TITLE, view: str = "auto", *,
               show_sources: bool = False, physics_threshold: int = PHYSICS_THRESHOLD,
               **more) -> str:
    """The map of ``subgraph`` as one HTML document (str); options as in ``write_map``."""
    opt = MapOptions(title=title, view=view, show_sources=show_sources,
                     physics_threshold=physics_threshold, **more)
    return _build(*page_sized(subgraph, opt))[0]


def write_map(subgraph: Subgraph, path: str | os.PathLike, title: str = DEFAULT_TITLE,
              view: str = "auto", *, show_sources: bool = False,
              physics_threshold: int = PHYSICS_THRESHOLD, overview: bool | None = None,
              store: Store | None = None, focus_hint: str | None = None,
              positions: dict | None = None, caption: str = "",
              ends: tuple[str, str] | None = None, path_mode: bool = False) -> MapInfo:
    """Write the map of ``subgraph`` to ``path`` (parent directories are created).

    ``view``: ``deals``, ``counterparties`` or ``auto`` (``choose_view``); the page
    switches between them. ``overview`` (default: above ``OVERVIEW_THRESHOLD`` nodes)
    opens the page on clusters. ``store``: the store ``subgraph`` came from, so every
    entity shows its true deal count and a ring of outside deals can be expanded;
    ``focus_hint`` is the selection's command-line options, for the ``dealgraph map
    --focus`` command shown past the ring. ``positions``: from ``read_positions``.
    ``caption`` is shown under the title and in exported pictures. ``ends``: the two
    ends of a path map, marked; ``path_mode`` highlights the paths between them.
    """
    opt = MapOptions(title=title, view=view, show_sources=show_sources,
                     physics_threshold=physics_threshold, overview=overview, store=store,
                     focus_hint=focus_hint, positions=positions, caption=caption,
                     ends=ends, path_mode=path_mode)
    subgraph, opt = page_sized(subgraph, opt)
    html, els, physics = _build(subgraph, opt)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = html.encode("utf-8")
    path.write_bytes(data)
    on_map = [e for e in els.edges if not e.get("r")]
    view = choose_view(subgraph, opt.view)
    edges = sum(1 for e in on_map if e.get("v") in (None, "d" if view == "deals" else "c"))
    return MapInfo(path, view, els.drawn, edges, physics, len(data))


def map_selection(store: Store, selection, path: str | os.PathLike, *, title: str | None = None,
                  view: str = "auto", show_sources: bool = False, caption: str = "",
                  positions: str | os.PathLike | None = None,
                  overview: bool | None = None) -> MapInfo:
    """Select ``selection`` (a ``dealgraph.graph.select.Selection``) from ``store`` and
    write its map, with true deal counts and the ring beyond it from ``store``;
    ``positions`` is a positions file saved from a map page. NotFound when the
    selection is empty."""
    from ..errors import NotFound
    from ..graph.select import select_subgraph

    from ..report import note, task

    pos = read_positions(positions) if positions is not None else None
    with task("map: selecting, drawing", total=2) as progress:
        sub = select_subgraph(store, selection)
        if not len(sub):
            raise NotFound(f"nothing to map: the selection ({selection.describe()}) is empty")
        progress.advance()
        info = write_map(sub, path, title=title or f"dealgraph map: {selection.describe()}",
                         view=view, show_sources=show_sources, store=store, positions=pos,
                         caption=caption, overview=overview)
        progress.advance()
    if info.nodes > MAP_WARN_NODES or info.bytes > MAP_WARN_BYTES:
        where = "" if selection.focus else " --focus NAME --hops 1, or"
        note(f"the map holds {info.nodes:,} nodes in {info.bytes / 1e6:.1f} MB: a browser "
             f"opens it slowly; narrow it with{where} --kind, --country or --as-of, or open "
             "its overview of clusters first (--overview)")
    return info


def paths_map_parts(store: Store, result) -> tuple[Subgraph, dict]:
    """What the map of a ``paths`` query result draws, and how: only the entities and
    deals on the paths, with ``render_map`` options that mark the two ends and highlight
    the paths. NotFound when there is no path (there is then nothing to map)."""
    from ..errors import NotFound

    a, b = result.params.get("a"), result.params.get("b")
    if not result.rows:
        names = store.subgraph([a, b]).nodes
        na = display_name(names[a]) if a in names else a
        nb = display_name(names[b]) if b in names else b
        raise NotFound(f"no path between {na} and {nb} within "
                       f"{result.params.get('max_hops')} steps; no map written")
    ids = {a, b}
    for row in result.rows:
        ids.update(x for x in (row.get("from_entity"), row.get("deal"), row.get("to_entity")) if x)
    sub = store.subgraph(ids)
    on_path = {(row["from_entity"], row["deal"]) for row in result.rows} | \
        {(row["to_entity"], row["deal"]) for row in result.rows}
    rels = [r for r in sub.rels if r.type != "PARTY_TO" or (r.src, r.dst) in on_path]
    title = (f"paths between {display_name(sub.nodes[a])} and {display_name(sub.nodes[b])}")
    return Subgraph(sub.nodes, rels), {"title": title, "view": "deals", "ends": (a, b),
                                       "path_mode": True}


def write_paths_map(store: Store, result, path: str | os.PathLike,
                    title: str | None = None) -> MapInfo:
    """Write the map of a ``paths`` query result (``paths_map_parts``) to ``path``;
    NotFound, and no file, when there is no path."""
    sub, options = paths_map_parts(store, result)
    options["title"] = title or options["title"]
    return write_map(sub, path, **options)


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
