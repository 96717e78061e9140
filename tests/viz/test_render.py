"""The map HTML without a browser: self-contained, escaped, styled from the model, both views,
sizes, computed positions for big graphs, details and legend."""

from __future__ import annotations

import base64
import hashlib
import math
import re
from html.parser import HTMLParser

import pytest

from dealgraph.errors import ParameterError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL
from dealgraph.graph.records import Node, Rel, Subgraph
from dealgraph.viz.elements import (DASHED_SUFFIX, GREY_SUFFIX, PAIRWISE_MAX, entity_value, money)
from dealgraph.viz.layout import SPACING, radial_layout
from dealgraph.viz.render import (MapInfo, read_map_data, render_map, subgraph_for_rows,
                                  write_map)

from .conftest import XSS_NAME, XSS_SUMMARY, XSS_TITLE


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the text of every <script>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def parse(html: str) -> _Tags:
    p = _Tags()
    p.feed(html)
    return p


def drawn_ids(sub: Subgraph, view: str) -> set[str]:
    entity = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
    keep = entity if view == "counterparties" else entity | {"Deal"}
    return {nid for nid, n in sub.nodes.items() if n.label in keep}


# -- self-contained, no network -----------------------------------------------------

def test_page_references_nothing_outside_itself(small_sub):
    html = render_map(small_sub)
    tags = parse(html)
    for tag, attrs in tags.tags:
        for attr in ("src", "href", "action", "data", "poster", "srcset"):
            if attr in attrs:
                assert attrs[attr].startswith("data:"), (tag, attrs)
    assert not [a for t, a in tags.tags if t == "script" and "src" in a]
    assert [a for t, a in tags.tags if t == "link"] == [{"rel": "icon", "href": "data:,"}]
    lowered = html.lower()
    for needle in ("node_modules", "cdn.jsdelivr", "cdnjs", "unpkg", "bootstrap", "@import"):
        assert needle not in lowered, needle
    # every url(...) in the inlined CSS is a data: URI
    assert all(u.startswith(("data:", "\"data:", "'data:"))
               for u in re.findall(r"url\(\s*([^)]*)\)", html))


def test_csp_forbids_requests_and_allows_exactly_the_inline_scripts(small_sub):
    tags = parse(render_map(small_sub))
    csp = next(a["content"] for t, a in tags.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1] \
        .split(";")[0]
    code = [text for attrs, text in tags.scripts if "type" not in attrs]
    assert len(code) == 2  # vis-network and map.js
    for text in code:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    data = [attrs["id"] for attrs, _ in tags.scripts if attrs.get("type") == "application/json"]
    assert data == ["dg-nodes", "dg-edges", "dg-options", "dg-meta"]


# -- escaping -----------------------------------------------------------------------

def test_text_from_data_never_appears_as_markup(probe_sub):
    html = render_map(probe_sub, title="<script>alert(5)</script>")
    for raw in (XSS_NAME, "<script>alert(2)", "<svg onload", "<b>Evil</b>", "<u>note</u>",
                "<script>alert(5)", "\u2028"):
        assert raw not in html, raw
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in html  # the title, escaped
    # each data block ends only at its own </script>
    for _, text in parse(html).scripts:
        assert "</script" not in text.lower() and "<!--" not in text


def test_escaped_data_reads_back_unchanged(probe_sub):
    data = read_map_data(render_map(probe_sub))
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    assert labels["xss"] == XSS_NAME
    rec = data["meta"]["records"]
    assert rec["d-xss"]["n"] == XSS_TITLE
    assert ["summary", XSS_SUMMARY] in rec["d-xss"]["rows"]
    note_edge = next(e for e in data["edges"] if e["from"] == "xss")
    assert note_edge["note"] == "<u>note</u>"


def test_only_http_links_reach_the_page(probe_sub):
    sources = read_map_data(render_map(probe_sub))["meta"]["sources"]
    assert sources["src-bad"]["u"] == ""
    assert sources["src-one"]["u"] == "https://example.org/acme-beta"


# -- views --------------------------------------------------------------------------

def test_deals_view_draws_entities_and_deals_with_role_edges(small_sub):
    data = read_map_data(render_map(small_sub, view="deals"))
    assert {n["id"] for n in data["nodes"]} == drawn_ids(small_sub, "deals")
    party = [e for e in data["edges"] if e["rel"] == "PARTY_TO" and e["v"] == "d"]
    assert len(party) == sum(1 for r in small_sub.rels if r.type == "PARTY_TO")
    e = next(e for e in party if e["from"] == "gamma")
    assert (e["to"], e["label"]) == ("d-licence", "licensee")
    links = [e for e in data["edges"] if e["rel"] not in ("PARTY_TO", "CITES")]
    assert {(e["from"], e["rel"], e["to"]) for e in links} == {
        ("acme-china", "SUBSIDIARY_OF", "acme"), ("us-commerce", "PART_OF", "us-gov"),
        ("jane-doe", "AFFILIATED_WITH", "acme")}
    assert all(e["arrows"] == "to" and e["label"] for e in links)


def test_counterparties_view_draws_deals_as_labelled_edges(small_sub):
    data = read_map_data(render_map(small_sub, view="counterparties"))
    # the file carries the deal nodes too (the page switches views), but its view is
    # counterparties: deals are the edges marked for it
    assert data["meta"]["view"] == "counterparties"
    assert {n["id"] for n in data["nodes"] if not n["group"].startswith("Deal")} \
        == drawn_ids(small_sub, "counterparties")
    deal_edges = [e for e in data["edges"] if e.get("deal")]
    assert all(e["v"] == "c" for e in deal_edges)
    by_deal = {}
    for e in deal_edges:
        by_deal.setdefault(e["deal"], []).append(e)
    # 2 parties -> 1 edge; 3 parties -> every pair
    assert len(by_deal["d-supply"]) == 1 and by_deal["d-supply"][0]["label"] == "supply"
    assert {frozenset((e["from"], e["to"])) for e in by_deal["d-licence"]} == {
        frozenset(p) for p in (("us-commerce", "gamma"), ("us-commerce", "acme"),
                               ("gamma", "acme"))}
    assert {e["label"] for e in by_deal["d-stake"]} == {"stake offer"}
    # the deal's details travel with the page although it is not a node
    assert data["meta"]["records"]["d-stake"]["t"] == "Deal"


def test_counterparties_view_stars_big_deals_and_curves_parallel_edges():
    n = PAIRWISE_MAX + 2
    nodes = {f"f{i}": Node(f"f{i}", "Firm", {"name": f"F{i}"}) for i in range(n)}
    nodes["big"] = Node("big", "Deal", {"kind": "sanction", "status": "completed", "title": "B"})
    nodes["solo"] = Node("solo", "Deal", {"kind": "licence", "status": "signed", "title": "S"})
    nodes["again"] = Node("again", "Deal", {"kind": "supply", "status": "signed", "title": "A"})
    rels = [Rel("f0", "PARTY_TO", "big", {"role": "regulator"})]
    rels += [Rel(f"f{i}", "PARTY_TO", "big", {"role": "sanctioned"}) for i in range(1, n)]
    rels += [Rel("f1", "PARTY_TO", "solo", {"role": "licensee"}),
             Rel("f0", "PARTY_TO", "again", {"role": "supplier"}),
             Rel("f1", "PARTY_TO", "again", {"role": "customer"})]
    edges = read_map_data(render_map(Subgraph(nodes, rels), view="counterparties"))["edges"]
    big = [e for e in edges if e.get("deal") == "big"]
    assert len(big) == n - 1 and {e["from"] for e in big} == {"f0"}  # star from the regulator
    solo = [e for e in edges if e.get("deal") == "solo"]
    assert [(e["from"], e["to"]) for e in solo] == [("f1", "f1")]
    parallel = [e for e in edges if {e["from"], e["to"]} == {"f0", "f1"} and e.get("deal")]
    assert {e["deal"] for e in parallel} == {"again", "big"}
    curved = [e for e in parallel if "smooth" in e]  # the second one bends away from the first
    assert len(curved) == 1 and curved[0]["smooth"]["type"].startswith("curved")


def test_unknown_view_is_a_parameter_error(small_sub):
    with pytest.raises(ParameterError, match="--view"):
        render_map(small_sub, view="sideways")


def test_sources_drawn_only_when_asked(small_sub):
    plain = read_map_data(render_map(small_sub))
    with_sources = read_map_data(render_map(small_sub, show_sources=True))
    assert "src-one" not in {n["id"] for n in plain["nodes"]}
    assert "src-one" in {n["id"] for n in with_sources["nodes"]}
    cites = [e for e in with_sources["edges"] if e["rel"] == "CITES"]
    assert {e["from"] for e in cites} >= {"d-supply", "acme"}


# -- styling ------------------------------------------------------------------------

def test_groups_come_from_the_model_style(small_sub, monkeypatch):
    monkeypatch.setitem(MODEL.style, "Firm", {"color": "#123456", "shape": "star"})
    data = read_map_data(render_map(small_sub))
    groups = data["options"]["groups"]
    assert groups["Firm"]["shape"] == "star"
    assert groups["Firm"]["color"]["background"] == "#123456"
    for label in ("Government", "Person", "Deal"):
        assert groups[label]["shape"] == MODEL.style[label]["shape"]
        assert groups[label]["color"]["background"] == MODEL.style[label]["color"]
    assert {n["group"] for n in data["nodes"] if n["id"] == "acme"} == {"Firm"}


def test_tentative_deals_dashed_and_dead_deals_grey(probe_sub):
    data = read_map_data(render_map(probe_sub, view="deals"))
    group = {n["id"]: n["group"] for n in data["nodes"]}
    assert "in_talks" in MODEL.style["dashed_status"] and "rejected" in MODEL.style["grey_status"]
    assert group["d-xss"] == "Deal" + DASHED_SUFFIX      # in_talks
    assert group["d-stake"] == "Deal" + GREY_SUFFIX      # rejected
    assert group["d-supply"] == "Deal"                   # signed
    groups = data["options"]["groups"]
    assert groups["Deal" + DASHED_SUFFIX]["shapeProperties"]["borderDashes"]
    grey, normal = groups["Deal" + GREY_SUFFIX], groups["Deal"]
    assert grey["color"]["background"] != normal["color"]["background"]
    edges = {(e["from"], e["to"]): e for e in data["edges"]}
    assert edges[("xss", "d-xss")]["dashes"]
    assert "dashes" not in edges[("acme", "d-supply")]
    default_colour = data["options"]["edges"]["color"]["color"]
    assert edges[("acme", "d-stake")]["color"]["color"] != default_colour


def test_entities_sized_by_number_of_deals(small_sub):
    size = {n["id"]: n["value"] for n in read_map_data(render_map(small_sub))["nodes"]
            if "value" in n}
    # acme: 3 deals; beta: 2; gamma, acme-china, us-commerce: 1; jane-doe, us-gov: 0
    assert size["acme"] == entity_value(3) > size["beta"] == entity_value(2) > size["gamma"] \
        == entity_value(1) > size["jane-doe"] == entity_value(0)


def test_legend_shows_each_drawn_type_in_its_model_colour(small_sub):
    html = render_map(small_sub)
    legend = html[html.index('id="dg-legend"'):html.index("</ul>", html.index('id="dg-legend"'))]
    for label in ("Firm", "Government", "Person", "Deal"):
        assert MODEL.style[label]["color"] in legend
        assert f"<span>{label.lower()}</span>" in legend
    # only the statuses the map contains: the rejected stake offer, no rumoured deal
    assert "rejected" in legend and "number of deals" in legend
    assert "rumoured" not in legend and "in talks" not in legend


# -- controls and details -------------------------------------------------------------

def test_filters_list_the_values_present(small_sub):
    tags = parse(render_map(small_sub)).tags
    boxes = {}
    for t, a in tags:
        if t == "input" and a.get("type") == "checkbox" and "data-filter" in a:
            boxes.setdefault(a["data-filter"], []).append(a["value"])
    assert boxes["type"] == ["Firm", "Government", "Person", "Deal"]
    assert boxes["kind"] == ["stake_offer", "supply", "licence"]   # model order
    assert boxes["status"] == ["signed", "completed", "rejected"]
    assert boxes["country"] == ["CN", "DE", "TW", "US"]
    ids = {a.get("id") for t, a in tags}
    assert {"dg-search", "dg-from", "dg-to", "dg-undated", "dg-details", "dg-network",
            "dg-path-a", "dg-path-b", "dg-png", "dg-svg", "dg-positions"} <= ids


def test_details_carry_dates_money_stake_and_sources(small_sub):
    meta = read_map_data(render_map(small_sub))["meta"]
    supply = dict(map(tuple, meta["records"]["d-supply"]["rows"]))
    assert supply["value"] == "USD 150 m"
    assert supply["announced"] == "2024-03" and supply["effective"] == "2024-04-01"
    assert supply["status"] == "signed"
    stake = dict(map(tuple, meta["records"]["d-stake"]["rows"]))
    assert stake["valuation"] == "USD 1–2 bn" and stake["stake"] == "3–5 %"
    assert meta["records"]["d-supply"]["src"] == ["src-one"]
    assert meta["sources"]["src-one"]["t"] == "Acme and Beta sign supply deal"
    acme = meta["records"]["acme"]
    assert ["subsidiary of this", "Acme China"] in acme["rows"]
    assert {d for d, _ in acme["links"]} == {"d-supply", "d-stake", "d-licence"}
    assert meta["records"]["d-stake"]["sd"] == "2024-01-01"
    assert meta["months"][0] == ["2023-06", "2023-06-30"]


def test_money_formats_ranges_and_scales():
    assert money(1.5e9, 2e9, "USD") == "USD 1.5–2 bn"
    assert money(None, 3e6, "EUR") == "EUR up to 3 m"
    assert money(12345) == "12,345"
    assert money(None) == ""


# -- big graphs -----------------------------------------------------------------------

def test_positions_computed_and_physics_off_above_threshold(small_sub):
    small = read_map_data(render_map(small_sub))
    assert small["options"]["physics"]["enabled"] is True
    assert small["meta"]["physics"] is True
    assert not any("x" in n for n in small["nodes"])
    big = read_map_data(render_map(small_sub, physics_threshold=5))
    assert big["options"]["physics"] == {"enabled": False}
    assert big["meta"]["physics"] is False
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in big["nodes"])
    assert len({(n["x"], n["y"]) for n in big["nodes"]}) == len(big["nodes"])


def test_big_graph_uses_bulk_lists_and_the_computed_layout(big_sub, tmp_path):
    info = write_map(big_sub, tmp_path / "big.html", view="deals")
    assert info == MapInfo(tmp_path / "big.html", "deals", 2500, info.edges, False,
                           (tmp_path / "big.html").stat().st_size)
    assert info.edges == sum(1 for r in big_sub.rels if r.type == "PARTY_TO")
    data = read_map_data((tmp_path / "big.html").read_text("utf-8"))
    assert all("x" in n for n in data["nodes"]) and data["options"]["edges"]["smooth"] is False
    assert not any("label" in e for e in data["edges"] if e["rel"] == "PARTY_TO")


def test_radial_layout_spreads_nodes_and_separates_components():
    ids = ["hub"] + [f"leaf{i}" for i in range(300)] + ["a", "b"]
    edges = [("hub", f"leaf{i}") for i in range(300)] + [("a", "b")]
    pos = radial_layout(ids, edges)
    assert set(pos) == set(ids)
    pts = list(pos.values())
    closest = min(math.dist(p, q) for i, p in enumerate(pts) for q in pts[i + 1:])
    assert closest >= SPACING * 0.5
    hub_reach = max(math.dist(pos["hub"], pos[f"leaf{i}"]) for i in range(300))
    assert math.dist(pos["hub"], pos["a"]) > hub_reach  # the pair sits outside the star
    assert radial_layout(ids, edges) == pos              # deterministic


# -- files and helpers ----------------------------------------------------------------

def test_write_map_reports_what_it_wrote(small_sub, tmp_path):
    path = tmp_path / "sub" / "map.html"
    info = write_map(small_sub, path, title="Small", view="counterparties")
    assert path.stat().st_size == info.bytes
    assert (info.view, info.nodes, info.physics) == ("counterparties", 7, True)
    edges = read_map_data(path.read_text("utf-8"))["edges"]
    assert info.edges == sum(1 for e in edges if e.get("v") != "d") == 10
    assert "<title>Small</title>" in path.read_text("utf-8")


def test_demo_writes_the_seed_map(tmp_path):
    from dealgraph.demo import run_demo
    store = EmbeddedStore(tmp_path / "demo.db")
    report = run_demo(store, tmp_path)
    data = read_map_data((tmp_path / "map.html").read_text("utf-8"))
    assert "map.html" in report
    stats = store.stats()
    assert len(data["nodes"]) == sum(stats[k] for k in ("Firm", "Government", "Person", "Deal"))
    store.close()


def test_subgraph_for_rows_maps_the_ids_in_query_results(data_dir):
    from dealgraph.loaders import load_paths
    store = EmbeddedStore(":memory:")
    load_paths(store, [data_dir / "small"])
    sub = subgraph_for_rows(store, [{"a": "acme", "b": "Beta Motors"},
                                    {"a": ["beta"], "n": 3, "x": "not-an-id"}])
    assert {"acme", "beta", "d-supply", "d-stake"} <= set(sub.nodes)
    assert "gamma" not in sub.nodes and "d-licence" not in sub.nodes


def test_a_whole_graph_too_big_for_a_page_is_drawn_as_its_backbone(tmp_path, monkeypatch):
    """Past MAP_MAX_NODES the map of the whole graph draws the biggest backbone within
    BACKBONE_NODES, never reads the graph whole, says so in its caption and gives every
    entity its deal count in the store."""
    from dealgraph import api
    from dealgraph.graph.backbone import backbone_within
    from dealgraph.loaders import load_paths
    from dealgraph.synth import generate, write_csv_dataset
    from dealgraph.viz import render

    store = EmbeddedStore(tmp_path / "g.db")
    load_paths(store, [write_csv_dataset(generate(1500, seed=3), tmp_path / "data")])
    monkeypatch.setattr(render, "MAP_MAX_NODES", 1000)
    monkeypatch.setattr(render, "BACKBONE_NODES", 400)
    expected = backbone_within(store, 400)
    whole = store.subgraph
    monkeypatch.setattr(store, "subgraph", lambda ids=None: whole(ids) if ids is not None
                        else pytest.fail("the whole graph was read"))
    page = api.Graph(store).subgraph().map()
    data = read_map_data(page.html)
    meta = data["meta"]
    drawn = {n["id"] for n in data["nodes"] if not n.get("r")}
    assert drawn == {nid for nid, node in expected.nodes.items() if node.label != "Source"}
    assert len(drawn) <= 400 and not meta["overview"]
    assert f"the {expected.top:,} entities with the most deals" in meta["caption"]
    for eid, deals in expected.degrees.items():
        assert meta["records"][eid]["dc"] == deals
        on_map = sum(1 for r in expected.rels if r.type == "PARTY_TO" and r.src == eid)
        assert meta["records"][eid].get("out", 0) == deals - on_map


def test_a_filtered_selection_too_big_for_a_page_is_drawn_as_its_backbone(tmp_path, monkeypatch):
    """The same for filters without --focus: the selection is chosen from streamed reads
    and its backbone drawn, with the deal counts read from the store."""
    from dealgraph import api
    from dealgraph.graph.backbone import backbone_within
    from dealgraph.graph.select import FilteredGraph, Selection
    from dealgraph.loaders import load_paths
    from dealgraph.synth import generate, write_csv_dataset
    from dealgraph.viz import render

    store = EmbeddedStore(tmp_path / "g.db")
    load_paths(store, [write_csv_dataset(generate(1500, seed=3), tmp_path / "data")])
    monkeypatch.setattr(render, "MAP_MAX_NODES", 300)
    monkeypatch.setattr(render, "BACKBONE_NODES", 150)
    expected = backbone_within(store, 150, FilteredGraph(store, Selection(statuses=("signed",))).pairs)
    whole = store.subgraph
    monkeypatch.setattr(store, "subgraph", lambda ids=None: whole(ids) if ids is not None
                        else pytest.fail("the whole graph was read"))
    meta = read_map_data(api.Graph(store).subgraph(status="signed").map().html)["meta"]
    drawn = {nid for nid, rec in meta["records"].items() if not rec.get("r") and rec["t"] != "Source"}
    assert drawn == {nid for nid, node in expected.nodes.items() if node.label != "Source"}
    assert {expected.nodes[d].props["status"] for d in drawn
            if expected.nodes[d].label == "Deal"} == {"signed"}
    assert meta["caption"].startswith("Backbone of ")
    for rel in expected.rels:
        if rel.type == "PARTY_TO":
            deals = {r.dst for r in store.deal_parties([rel.src]) if r.src == rel.src}
            assert meta["records"][rel.src]["dc"] == len(deals)
