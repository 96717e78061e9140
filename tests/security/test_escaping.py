"""HTML and JavaScript in data stay text in maps and reports, checked in Chromium.

The hostile dataset (tests/security/hostile.py: script tags, event handlers,
``javascript:`` URLs, ``</script>`` breakers, template syntax, bidi and line
separators in names, aliases, titles, summaries, notes, publishers and URLs) is
loaded with ``dealgraph load`` and turned into files with ``dealgraph map`` and
``dealgraph export``; each file is opened in headless Chromium with the network
blocked. No dialog may open, no script or event handler may come from the data,
no request may leave the file, and the probes must show as literal text.
The other export formats must parse as what they claim to be.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dealgraph.cli import cli

from .hostile import SMALL, XSS_PROBES, hostile_records, write_hostile_dataset

TITLE = "<script>alert('title')</script><img src=x onerror=alert('title-2')>"
READY = "body[data-ready='true']"

# Every element the page has that data must never add: handlers, frames, media, links to js.
_INJECTED = """() => {
    const all = [...document.querySelectorAll('*')];
    return {
        handlers: all.filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on')))
                     .map(e => e.outerHTML.slice(0, 120)),
        frames: document.querySelectorAll('iframe, frame, object, embed').length,
        images: document.querySelectorAll('img, image').length,
        jsLinks: [...document.querySelectorAll('a[href], [*|href]')]
                     .map(e => e.getAttribute('href') || e.getAttribute('xlink:href') || '')
                     .filter(h => h.trim().toLowerCase().startsWith('javascript')),
        scripts: document.querySelectorAll('script').length,
        styles: document.querySelectorAll('style').length,
        maths: document.querySelectorAll('math').length,
    };
}"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Two embedded stores loaded through the CLI: the hostile dataset, and the benign
    small dataset (the control: what a page holds when the data holds no markup)."""
    from click.testing import CliRunner
    root = tmp_path_factory.mktemp("escaping")
    runner = CliRunner()
    out = {}
    for name, data in (("hostile", write_hostile_dataset(root / "data")), ("benign", SMALL)):
        db = root / f"{name}.db"
        result = runner.invoke(cli, ["load", "--store", str(db), str(data)])
        assert result.exit_code == 0, result.output
        out[name] = db
    return root, out


def _make(stores, name: str, args: list[str]) -> Path:
    from click.testing import CliRunner
    root, dbs = stores
    result = CliRunner().invoke(cli, args[:1] + ["--store", str(dbs[name])] + args[1:])
    assert result.exit_code == 0, result.output
    return root


def _open(open_page, path: Path, ready: str | None = None):
    rec = open_page(path)
    if ready:
        rec.page.wait_for_selector(ready, state="attached", timeout=60_000)
    rec.page.wait_for_timeout(300)  # let any injected handler fire
    return rec


def _assert_inert(rec, control: dict | None = None, allowed: tuple[str, ...] = ()) -> dict:
    """No dialog, error or request; in the page and in every frame it holds, no handler,
    frame, javascript: link or MathML from the data, and (given the same page made from
    benign data) as many scripts, styles, images and frames as that page."""
    page = rec.page
    assert rec.dialogs == [], rec.dialogs
    assert rec.page_errors == [], rec.page_errors
    assert rec.blocked == [], rec.blocked
    here = page.url
    assert [u for u in rec.requests if u != here and not u.startswith(("data:", "about:"))
            and not u.endswith(allowed or ("\0",))] == [], rec.requests
    found: dict = {"handlers": [], "frames": 0, "images": 0, "jsLinks": [], "scripts": 0,
                   "styles": 0, "maths": 0, "dialogs": []}
    for frame in page.frames:
        try:
            part = frame.evaluate(_INJECTED)
            part["dialogs"] = frame.evaluate("() => window.__dialogs || []")
        except Exception as exc:  # noqa: BLE001 - a sandboxed frame may refuse evaluation
            pytest.fail(f"cannot inspect frame {frame.url}: {exc}")
        for key, value in part.items():
            found[key] = found[key] + value
    assert found["dialogs"] == [], found["dialogs"]
    assert found["handlers"] == [] and found["jsLinks"] == [] and found["maths"] == 0, found
    if control is not None:
        for key in ("scripts", "styles", "images", "frames"):
            assert found[key] == control[key], (key, found[key], control[key])
    else:
        assert found["frames"] == len(page.frames) - 1
    return found


def _text(page) -> str:
    return page.evaluate("() => document.documentElement.textContent")


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("view", ["deals", "counterparties"])
def test_map_of_hostile_data_runs_nothing_and_shows_the_text(stores, open_page, view):
    root = _make(stores, "benign", ["map", "--sources", "--view", view, "-o",
                                    str(Path(stores[0]) / f"benign-{view}.html")])
    control = _assert_inert(_open(open_page, root / f"benign-{view}.html", READY))
    path = root / f"hostile-{view}.html"
    _make(stores, "hostile", ["map", "--sources", "--view", view, "--title", TITLE,
                              "-o", str(path)])
    rec = _open(open_page, path, READY)
    _assert_inert(rec, control)
    page = rec.page
    assert page.text_content("#dg-title") == TITLE
    assert page.title() == TITLE
    # each XSS firm: found by its alias, its details show the name as text
    firms = {f["id"]: f for f in hostile_records()["firms"]}
    for fid, firm in firms.items():
        if firm["name"] not in XSS_PROBES:
            continue
        alias = next(a for a in firm["aliases"] if a.startswith("alias "))
        page.fill("#dg-search", alias)
        page.press("#dg-search", "Enter")
        page.wait_for_selector(f"#dg-details[data-showing='node:{fid}']", timeout=10_000)
        assert page.text_content("#dg-details .dg-name") == firm["name"]
        details = page.text_content("#dg-details")
        assert firm["notes"] in details or firm["name"] in details
    _assert_inert(rec, control)


def test_map_focused_on_a_hostile_name(stores, open_page):
    path = stores[0] / "focus.html"
    _make(stores, "hostile", ["map", "--focus", "f15", "--hops", "2", "-o", str(path)])
    rec = _open(open_page, path, READY)
    _assert_inert(rec)
    page = rec.page
    page.fill("#dg-search", "alias 15 ")
    page.press("#dg-search", "Enter")
    page.wait_for_selector("#dg-details[data-showing='node:f15']", timeout=10_000)
    assert page.text_content("#dg-details .dg-name") == XSS_PROBES[1]
    _assert_inert(rec)


def test_map_tools_keep_hostile_names_as_text(stores, open_page):
    """The overview's cluster labels and details, the paths box and its status, the
    ring's expansion and the SVG export, all with XSS-probe names: text, nothing runs."""
    path = stores[0] / "tools.html"
    _make(stores, "hostile", ["map", "--overview", "--view", "deals", "--title", TITLE,
                              "--caption", XSS_PROBES[1], "-o", str(path)])
    rec = _open(open_page, path, READY)
    _assert_inert(rec)
    page = rec.page
    assert page.text_content("#dg-caption") == XSS_PROBES[1]
    firms = [f for f in hostile_records()["firms"] if f["name"] in XSS_PROBES]
    # a cluster's details list its biggest dealers by name
    page.evaluate("window.dgNetwork.emit('hoverNode', {node: 'cluster:0'})")
    page.wait_for_selector("#dg-details[data-showing='node:cluster:0']")
    # paths between two hostile names, found through the paths box
    a, b = firms[0], firms[1]
    page.evaluate("([a, b]) => window.dg.showPaths(a, b)", [a["id"], b["id"]])
    status = page.text_content("#dg-path-status")
    assert a["name"] in status and b["name"] in status
    assert page.input_value("#dg-path-a") == a["name"]
    page.evaluate("([a]) => window.dg.focus(a)", [a["id"]])
    assert page.text_content("#dg-details .dg-name") == a["name"]
    # the SVG export: names are text nodes, no element or attribute comes from data
    svg = ET.fromstring(page.evaluate("window.dg.svgText()"))
    tags = {e.tag.split("}")[-1] for e in svg.iter()}
    assert tags <= {"svg", "rect", "g", "line", "circle", "polygon", "text"}, tags
    assert not [k for e in svg.iter() for k in e.attrib if k.lower().startswith("on")]
    page.evaluate("window.dg.reset()")
    _assert_inert(rec)


def test_html_report_runs_nothing_and_shows_the_text(stores, open_page):
    root = stores[0]
    _make(stores, "benign", ["export", "--format", "report-html", "-o",
                             str(root / "benign-report.html")])
    control = _assert_inert(_open(open_page, root / "benign-report.html"))
    path = root / "hostile-report.html"
    _make(stores, "hostile", ["export", "--format", "report-html", "--title", TITLE,
                              "-o", str(path)])
    rec = _open(open_page, path)
    _assert_inert(rec, control)
    text = rec.page.evaluate("() => document.body.innerText")
    deal_titles = [d["title"] for d in hostile_records()["deals"]]
    for title in deal_titles:
        assert " ".join(title.split()) in " ".join(text.split()), title
    assert TITLE in _text(rec.page)


def test_svg_picture_runs_nothing_when_opened_on_its_own(stores, open_page):
    root = stores[0]
    md = root / "hostile-report.md"
    _make(stores, "hostile", ["export", "--format", "report-md", "--title", TITLE, "-o", str(md)])
    svgs = sorted(root.glob("*.svg"))
    assert svgs, "report-md wrote no SVG"
    for svg in svgs:
        rec = _open(open_page, svg)
        found = _assert_inert(rec)
        assert found["scripts"] == 0 and found["images"] == 0
        text = _text(rec.page)
        assert any(p in text for p in XSS_PROBES[:4]), "the names are not in the picture"


def test_markdown_report_renders_without_markup_from_data(stores, open_page):
    """Rendered by a CommonMark renderer that passes raw HTML through (the worst case for
    a Markdown viewer), the report still carries no tag from the data."""
    markdown_it = pytest.importorskip("markdown_it")
    root = stores[0]
    md = root / "report-for-render.md"
    _make(stores, "hostile", ["export", "--format", "report-md", "--title", TITLE, "-o", str(md)])
    html = markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(
        md.read_text("utf-8"))
    page = root / "rendered-md.html"
    page.write_text("<!doctype html><meta charset=utf-8><body>" + html, encoding="utf-8")
    rec = _open(open_page, page)
    found = _assert_inert(rec, allowed=(".svg",))
    assert found["scripts"] == 0 and found["styles"] == 0
    assert found["images"] == 1  # the report's own picture, and nothing else
    text = _text(rec.page)
    assert "<script>alert('title')</script>" in text


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json", "csv", "dataset", "cypher"])
def test_other_exports_parse_and_keep_the_text(stores, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    _make(stores, "hostile", ["export", "--format", fmt, "--title", TITLE, "-o", str(out)])
    names = {f["name"] for f in hostile_records()["firms"]}
    if fmt in ("graphml", "gexf"):
        tree = ET.parse(out)  # well-formed XML, whatever the names hold
        texts = {e.text for e in tree.iter() if e.text} | {
            v for e in tree.iter() for v in e.attrib.values()}
        found = {n for n in names if n.replace("\r", "") in {t.replace("\r", "") for t in texts}}
        assert len(found) >= len(names) - 2, names - found
    elif fmt == "json":
        data = json.loads(out.read_text("utf-8"))
        assert names <= {n.get("name") for n in data["nodes"]}
    elif fmt == "csv":
        with open(out / "nodes.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert names <= {r.get("name") for r in rows}
    elif fmt == "dataset":
        # what dealgraph writes, dealgraph reads back unchanged
        from dealgraph.graph.embedded import EmbeddedStore
        from dealgraph.loaders import load_paths
        back = EmbeddedStore(":memory:")
        load_paths(back, [out])
        orig = EmbeddedStore(stores[1]["hostile"])
        assert back.subgraph(None).nodes == orig.subgraph(None).nodes
    else:  # cypher: one statement per line, every probe inside a string literal
        statements = [line for line in out.read_text("utf-8").splitlines()
                      if line and not line.startswith("//")]
        assert all(s.endswith(";") for s in statements)
        assert not any("DETACH DELETE n //" in s.split("'")[0] for s in statements)


def test_the_checks_catch_markup_that_got_through(tmp_path, open_page):
    """The control: a page that does put the probes in as markup fails the checks."""
    page = tmp_path / "unsafe.html"
    page.write_text("<!doctype html><body><h1>" + "".join(XSS_PROBES[:4]) + "</h1>",
                    encoding="utf-8")
    rec = _open(open_page, page)
    with pytest.raises(AssertionError):
        _assert_inert(rec)
    assert rec.dialogs or rec.page.evaluate("window.__dialogs")
