"""Markdown report, read back with a CommonMark parser (markdown-it-py); its SVG picture
parsed as XML."""

import re
import xml.etree.ElementTree as ET

import pytest

from dealgraph.export import export_subgraph, select_for_export
from dealgraph.graph.select import Selection
from tests.export.conftest import HOSTILE


def _parse(text):
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("table").parse(text)


def _plain(inline) -> str:
    """The text an inline token shows (escapes resolved)."""
    return "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))


def _tables(tokens):
    """Each table as a list of rows, each row a list of cell texts."""
    tables, rows, cells, inside = [], None, None, False
    for t in tokens:
        if t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            cells = []
        elif t.type in ("th_open", "td_open"):
            inside = True
        elif t.type == "inline" and inside:
            cells.append(t.content)
            inside = False
        elif t.type in ("th_close", "td_close") and inside:
            cells.append("")
            inside = False
        elif t.type == "tr_close":
            rows.append(cells)
        elif t.type == "table_close":
            tables.append(rows)
    return tables


def _write(store, tmp_path, context, sel=None):
    sub = select_for_export(store, sel) if sel else store.subgraph(None)
    path = tmp_path / "out" / "report.md"
    written = export_subgraph(sub, "report-md", path, context)
    assert written == [path, tmp_path / "out" / "report.svg"]
    return sub, path.read_text("utf-8")


def test_sections_figures_and_footnotes(seed_store, tmp_path, context):
    sub, text = _write(seed_store, tmp_path, context, Selection(focus="Huawei", hops=1))
    tokens = _parse(text)
    headings = [_plain(tokens[i + 1]) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [context.title, "Key figures", "Deals", "Entities", "Sources"]
    assert "Generated 2024-05-06 07:08:09 UTC" in text
    assert f"**Selection:** {context.question.replace('|', chr(92) + '|')}" in text
    images = [c for t in tokens if t.type == "inline" for c in t.children or []
              if c.type == "image"]
    assert [i.attrs["src"] for i in images] == ["report.svg"]
    figures, deals, entities = _tables(tokens)
    assert dict(figures[1:])["Deals"] == str(len(sub.of_label("Deal")))
    header = deals[0]
    assert header[-1] == "Sources" and all(len(row) == len(header) for row in deals)
    assert len(deals) - 1 == len(sub.of_label("Deal"))
    sources = re.findall(r"^(\d+)\. ", text.split("## Sources")[1], re.M)
    for row in deals[1:]:
        marks = re.findall(r"\[(\d+)\]", row[-1])
        assert marks and set(marks) <= set(sources)  # every deal footnoted to listed sources
    assert len(entities) - 1 == len(sub.of_label("Firm", "Government", "Person"))


def test_hostile_text_stays_text(hostile_store, tmp_path, context):
    sub, text = _write(hostile_store, tmp_path, context)
    tokens = _parse(text)
    kinds = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert "html_inline" not in kinds and not any(t.type == "html_block" for t in tokens)
    links = [c.attrs["href"] for t in tokens if t.type == "inline" for c in t.children or []
             if c.type == "link_open"]
    assert links == ["https://example.org/a?b=1&c=2#frag"]  # the source's URL, nothing injected
    figures, deals, entities = _tables(tokens)
    assert all(len(row) == len(deals[0]) for row in deals)
    assert all(len(row) == len(entities[0]) for row in entities)
    rendered = _render(text)
    assert "<script>" not in rendered
    assert "<img" not in rendered.replace('<img src="report.svg"', "")
    assert "O&#x27;Brien" in rendered or "O'Brien" in rendered


def _render(text):
    markdown_it = pytest.importorskip("markdown_it")
    return markdown_it.MarkdownIt("commonmark").enable("table").render(text)


def test_picture_is_svg_with_escaped_labels(hostile_store, tmp_path, context):
    _write(hostile_store, tmp_path, context)
    root = ET.parse(tmp_path / "out" / "report.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert any(t.startswith("O'Brien \"x\"") for t in texts)
    titles = [t.text for t in root.iter(f"{ns}title")]
    assert f"Firm: {HOSTILE}" in titles
    assert not any(t.tag == f"{ns}script" for t in root.iter())
