"""HTML report: structure and escaping read back with html.parser; in headless Chromium the
interactive map runs with no network request, and the page prints to a PDF whose first page,
rendered with pdftoppm, is not blank."""

import os
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser

import pytest

from dealgraph.export import export_subgraph, select_for_export
from dealgraph.graph.select import Selection


class _Doc(HTMLParser):
    """Start tags with their attributes, and the text, of the top-level document."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, **attrs):
        return [a for t, a in self.tags
                if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def _write(store, tmp_path, context, sel=None):
    sub = select_for_export(store, sel) if sel else store.subgraph(None)
    path = tmp_path / "report.html"
    assert export_subgraph(sub, "report-html", path, context) == [path]
    return sub, path


def test_structure_figures_and_footnotes(seed_store, tmp_path, context):
    sub, path = _write(seed_store, tmp_path, context, Selection(focus="Xiaomi", hops=2))
    doc = _Doc(path.read_text("utf-8"))
    text = " ".join(doc.text)
    assert context.title in text and "Generated 2024-05-06 07:08:09 UTC" in text
    assert context.question in text and "Total disclosed value" in text
    csp = doc.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert csp.startswith("default-src 'none'")
    frame = doc.find("iframe")[0]
    assert frame["sandbox"] == "allow-scripts" and "<canvas" not in frame["srcdoc"]
    assert "vis-network" in frame["srcdoc"] or "vis.Network" in frame["srcdoc"]
    assert not doc.find("script")  # the report itself runs nothing
    rows = [a for a in doc.find("tr") if a.get("id", "").startswith("deal-")]
    assert len(rows) == len(sub.of_label("Deal"))
    ids = {a["id"] for _, a in doc.tags if "id" in a}
    footnotes = [a["href"] for a in doc.find("a") if "fn" in a.get("class", "")]
    assert footnotes and all(h[1:] in ids for h in footnotes)
    assert len([i for i in ids if i.startswith("source-")]) == len(sub.of_label("Source"))


def test_every_value_is_escaped(hostile_store, tmp_path, context):
    sub, path = _write(hostile_store, tmp_path, context)
    html = path.read_text("utf-8")
    doc = _Doc(html)
    assert not doc.find("script") and not doc.find("img") and not doc.find("b") \
        and not doc.find("em")
    text = " ".join(doc.text)
    assert "<img src=x onerror=alert(1)>" in text and "<script>alert('s2')</script>" in text
    links = [a["href"] for a in doc.find("a") if not a["href"].startswith("#")]
    assert links == ["https://example.org/a?b=1&c=2#frag"]
    assert doc.find("title")  # and the page title is the escaped report title
    assert re.search(r"<title>Test &lt;export&gt; &amp; &quot;co&quot;</title>", html)
    srcdoc = doc.find("iframe")[0]["srcdoc"]
    assert "<img src=x onerror" not in srcdoc  # the map escapes its data too
    assert unescape("&lt;") == "<"


# -- in the browser -----------------------------------------------------------------------

def _pdftoppm():
    exe = shutil.which("pdftoppm")
    if exe is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("pdftoppm is missing: apt-get install poppler-utils")
        pytest.skip("pdftoppm is missing: apt-get install poppler-utils")
    return exe


def _read_pgm(path):
    data = path.read_bytes()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    width, height = int(m.group(1)), int(m.group(2))
    pixels = data[m.end():m.end() + width * height]
    assert len(pixels) == width * height
    return width, height, pixels


def _map_frame(page):
    """The map's frame, once its canvas is drawn."""
    frame = page.wait_for_selector("iframe.interactive").content_frame()
    frame.wait_for_load_state()
    frame.wait_for_selector("canvas", timeout=20_000)
    return frame


@pytest.mark.browser
def test_in_chromium_the_map_runs_offline_and_the_pdf_is_not_blank(
        seed_embedded, open_page, tmp_path, context, artifacts_dir):
    pdftoppm = _pdftoppm()
    sub, path = _write(seed_embedded, tmp_path, context, Selection(focus="Huawei", hops=1))
    rec = open_page(path)
    page = rec.page
    frame = _map_frame(page)
    page.wait_for_timeout(500)
    assert rec.blocked == []
    assert all(u.startswith(("file:", "data:", "about:")) for u in rec.requests)
    assert rec.errors == [] and rec.dialogs == []
    assert frame.evaluate("document.querySelectorAll('canvas').length") >= 1

    page.emulate_media(media="print")
    shown = page.evaluate("""() => [
        getComputedStyle(document.querySelector('iframe')).display,
        getComputedStyle(document.querySelector('figure.static-map')).display]""")
    assert shown == ["none", "block"]

    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes()))
    assert pages >= 2  # the deal table starts on a new page
    subprocess.run([pdftoppm, "-gray", "-r", "40", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(tmp_path / "page1")], check=True)
    width, height, pixels = _read_pgm(tmp_path / "page1.pgm")
    dark = sum(1 for p in pixels if p < 200)
    assert dark / (width * height) > 0.01, "page 1 of the PDF is blank"
    subprocess.run([pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(artifacts_dir / "export-report-page1")], check=True)


@pytest.mark.browser
def test_hostile_report_runs_nothing_in_chromium(hostile_store, open_page, tmp_path, context):
    _, path = _write(hostile_store, tmp_path, context)
    rec = open_page(path)
    frame = _map_frame(rec.page)
    rec.page.wait_for_timeout(500)
    assert rec.dialogs == [] and rec.blocked == [] and rec.errors == []
    assert rec.page.evaluate("window.__dialogs") == []
    assert rec.page.evaluate("document.querySelectorAll('script, img').length") == 0


def test_without_the_map_renderer_the_picture_shows(seed_embedded, tmp_path, context, monkeypatch):
    from dealgraph.export import report_html
    monkeypatch.setattr(report_html, "_map_html", lambda sub, title: None)
    _, path = _write(seed_embedded, tmp_path, context, Selection(focus="Xiaomi"))
    doc = _Doc(path.read_text("utf-8"))
    assert not doc.find("iframe") and doc.find("figure", **{"class": "static-map always"})
    csp = doc.find("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert "script-src 'none'" in csp
