"""The map in a real headless Chromium, with the network blocked: it loads offline, draws
every node, search and filters work, details show on click, the XSS probes stay text."""

from __future__ import annotations

import pytest

from dealgraph.graph.model import MODEL
from dealgraph.viz.render import write_map

from .conftest import XSS_NAME, XSS_SUMMARY

pytestmark = pytest.mark.browser

READY = "body[data-ready='true']"


def drawn_count(sub, view="deals") -> int:
    labels = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
    if view == "deals":
        labels.add("Deal")
    return sum(1 for n in sub.nodes.values() if n.label in labels)


def load(open_page, path, **kw):
    """Open ``path`` and wait until the page says it is drawn (a selector, not
    wait_for_function: the page's CSP forbids the eval that needs)."""
    rec = open_page(path, **kw)
    rec.page.wait_for_selector(READY, state="attached", timeout=60_000)
    return rec


def assert_clean(rec):
    assert rec.blocked == [], f"network requests attempted: {rec.blocked[:5]}"
    assert all(u.startswith("file:") for u in rec.requests), rec.requests[:5]
    assert rec.errors == [], rec.errors[:5]
    assert rec.dialogs == [] and rec.page.evaluate("window.__dialogs") == []


def drawn(page) -> dict:
    """What vis-network holds and draws: node ids in its body, visible ones, positions."""
    return page.evaluate("""() => {
        const net = window.dgNetwork;
        const ids = net.body.nodeIndices;
        const visible = ids.filter(id => !net.body.nodes[id].options.hidden);
        return {ids: ids.slice().sort(), visible: visible.length,
                positioned: Object.keys(net.getPositions()).length,
                selected: net.getSelectedNodes()};
    }""")


# -- the seed map: offline, complete, readable ----------------------------------------

@pytest.mark.parametrize("view", ["deals", "counterparties"])
def test_seed_map_loads_offline_and_draws_every_node(view, seed_sub, open_page, tmp_path,
                                                     artifacts_dir):
    path = tmp_path / f"seed-{view}.html"
    info = write_map(seed_sub, path, title="dealgraph demo: seed network", view=view)
    rec = load(open_page, path, width=1600, height=1000)
    state = drawn(rec.page)
    assert len(state["ids"]) == drawn_count(seed_sub, view) == info.nodes
    assert state["visible"] == state["positioned"] == info.nodes
    assert rec.page.text_content("#dg-count") == f"{info.nodes} of {info.nodes}"
    assert rec.page.evaluate("window.dgNetwork.body.edgeIndices.length") == info.edges
    # physics settled and was switched off, so the page stops moving
    assert rec.page.evaluate("window.dgNetwork.physics.physicsEnabled") is False
    shot = artifacts_dir / f"seed-map-{view}.png"
    rec.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert_clean(rec)


def test_large_map_draws_with_computed_layout(big_sub, open_page, tmp_path, artifacts_dir):
    path = tmp_path / "big.html"
    info = write_map(big_sub, path, view="deals")
    assert not info.physics
    rec = load(open_page, path)
    state = drawn(rec.page)
    assert len(state["ids"]) == info.nodes == drawn_count(big_sub)
    # positions are the ones computed in Python, not moved by physics
    first = rec.page.evaluate("window.dgNetwork.getPositions(['e0'])['e0']")
    node = next(n for n in rec.page.evaluate("window.dg.nodes.get()") if n["id"] == "e0")
    assert (round(first["x"]), round(first["y"])) == (node["x"], node["y"])
    rec.page.screenshot(path=str(artifacts_dir / "large-map.png"))
    assert_clean(rec)


# -- escaping -------------------------------------------------------------------------

def test_xss_probes_show_as_text_and_run_nothing(probe_sub, open_page, tmp_path, artifacts_dir):
    path = tmp_path / "probe.html"
    write_map(probe_sub, path, title="<img src=y onerror=alert(9)>")
    rec = load(open_page, path)
    page = rec.page
    # the probe entity: search for it by alias, the details show its name as text
    page.fill("#dg-search", "Probe")
    page.press("#dg-search", "Enter")
    page.wait_for_selector("#dg-details[data-showing='node:xss']")
    assert page.text_content("#dg-details .dg-name") == XSS_NAME
    # its deal: the summary with </script><script> is text too
    page.click("#dg-details button.dg-link[data-id='d-xss']")
    page.wait_for_selector("#dg-details[data-showing='node:d-xss']")
    assert XSS_SUMMARY in page.text_content("#dg-details")
    assert page.text_content("#dg-title") == "<img src=y onerror=alert(9)>"
    # the javascript: source is listed without a link
    assert page.eval_on_selector_all("#dg-details a", "as => as.map(a => a.href)") == []
    assert "bad link" in page.text_content("#dg-details .dg-sources")
    # nothing was parsed as markup anywhere
    counts = page.evaluate("""() => ({img: document.querySelectorAll('img').length,
        svgOnload: document.querySelectorAll('[onload],[onerror]').length,
        scripts: document.scripts.length, u: document.querySelectorAll('u,b,i').length})""")
    assert counts == {"img": 0, "svgOnload": 0, "scripts": 6, "u": 0}
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts_dir / "xss-probe.png"))
    assert_clean(rec)


# -- search, filters, details ----------------------------------------------------------

def test_search_jumps_to_and_highlights_a_node(small_sub, open_page, tmp_path):
    path = tmp_path / "small.html"
    write_map(small_sub, path)
    rec = load(open_page, path)
    page = rec.page
    page.fill("#dg-search", "beta")
    hits = page.eval_on_selector_all("#dg-results button", "bs => bs.map(b => b.dataset.id)")
    # the name that starts with it first, then deals whose titles contain it
    assert hits == ["beta", "d-stake", "d-supply"]
    page.click("#dg-results button[data-id='beta']")
    assert drawn(page)["selected"] == ["beta"]
    assert page.evaluate("window.dgHighlighted") == "beta"
    assert page.text_content("#dg-details .dg-name") == "Beta Motors"
    # Enter picks the first match; an alias finds its entity
    page.fill("#dg-search", "ACME holdings")
    page.press("#dg-search", "Enter")
    assert drawn(page)["selected"] == ["acme"]
    page.wait_for_timeout(400)  # the focus animation
    view = page.evaluate("""() => { const net = window.dgNetwork;
        const p = net.canvasToDOM(net.getPositions(['acme']).acme);
        const box = document.getElementById('dg-network').getBoundingClientRect();
        return {x: p.x / box.width, y: p.y / box.height}; }""")
    assert 0.4 < view["x"] < 0.6 and 0.4 < view["y"] < 0.6  # centred on it
    assert_clean(rec)


def test_filters_hide_and_show_nodes(small_sub, open_page, tmp_path):
    path = tmp_path / "small.html"
    write_map(small_sub, path)
    page = load(open_page, path).page
    total = drawn_count(small_sub)

    def visible():
        return set(page.evaluate("window.dg.visibleNodeIds()"))

    assert len(visible()) == total
    page.uncheck("input[data-filter='type'][value='Deal']")
    assert not visible() & {"d-supply", "d-stake", "d-licence"}
    assert "acme" in visible()
    page.click("#dg-reset")
    assert len(visible()) == total
    # status: only the rejected stake offer and its parties remain
    page.click("button.dg-none[data-filter='status']")
    page.check("input[data-filter='status'][value='rejected']")
    assert visible() == {"d-stake", "acme", "acme-china", "beta"}
    assert page.text_content("#dg-count") == f"4 of {total}"
    page.click("#dg-reset")
    # kind
    page.uncheck("input[data-filter='kind'][value='licence']")
    assert "d-licence" not in visible() and "gamma" not in visible()
    page.click("#dg-reset")
    # country: deals with a party in TW
    page.click("button.dg-none[data-filter='country']")
    page.check("input[data-filter='country'][value='TW']")
    assert visible() == {"d-licence", "us-commerce", "gamma", "acme"}
    page.click("#dg-reset")
    # the range June 2023 to June 2023: only the licence of 2023-06 is in force
    page.eval_on_selector("#dg-to", """el => { el.value = el.min;
        el.dispatchEvent(new Event('input')); }""")
    assert page.text_content("#dg-to-label") == "2023-06"
    assert visible() == {"d-licence", "us-commerce", "gamma", "acme"}
    edges = page.evaluate("window.dg.edges.get({filter: e => !e.hidden}).length")
    assert edges == 3


def test_click_shows_details_with_source_links(small_sub, open_page, tmp_path):
    path = tmp_path / "small.html"
    write_map(small_sub, path)
    page = load(open_page, path).page
    point = page.evaluate("""() => { const net = window.dgNetwork;
        const p = net.canvasToDOM(net.getPositions(['d-supply'])['d-supply']);
        const box = document.getElementById('dg-network').getBoundingClientRect();
        return {x: box.left + p.x, y: box.top + p.y}; }""")
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#dg-details[data-showing='node:d-supply']")
    text = page.text_content("#dg-details")
    for expected in ("Acme supplies Beta", "USD 150 m", "2024-04-01", "signed",
                     "Multi-year supply of parts", "Acme Corp — supplier"):
        assert expected in text
    links = page.eval_on_selector_all(
        "#dg-details .dg-sources a", "as => as.map(a => [a.href, a.rel, a.textContent])")
    assert links == [["https://example.org/acme-beta", "noopener noreferrer",
                      "Acme and Beta sign supply deal"]]
    # a click on empty canvas unpins and clears the panel
    page.evaluate("window.dgNetwork.emit('click', {nodes: [], edges: []})")
    assert page.get_attribute("#dg-details", "data-showing") is None


def test_counterparties_edge_details(small_sub, open_page, tmp_path):
    path = tmp_path / "cp.html"
    write_map(small_sub, path, view="counterparties")
    page = load(open_page, path).page
    edge = page.evaluate("window.dg.edges.get({filter: e => e.deal === 'd-supply'})[0].id")
    page.evaluate(f"window.dgNetwork.emit('click', {{nodes: [], edges: ['{edge}']}})")
    text = page.text_content("#dg-details")
    assert "Acme Corp" in text and "Beta Motors" in text and "USD 150 m" in text
    # a deal reached from an entity's list selects its edges
    page.evaluate("window.dg.jumpTo('d-stake')")
    selected = page.evaluate("window.dgNetwork.getSelectedEdges()")
    assert selected and all(page.evaluate(f"window.dg.edges.get('{e}').deal") == "d-stake"
                            for e in selected)
