"""HTML report: one self-contained file with the key figures, the interactive map, the tables
of deals and entities, and the numbered, linked source list.

The interactive map (``dealgraph.viz.render.render_map``) sits in a sandboxed
``<iframe srcdoc>``; the page's Content-Security-Policy forbids every request
and lets only the map's own scripts run. Every piece of data goes through
``html.escape``. Printed (or saved as PDF), the page drops the interactive map
for a static picture of the same subgraph, starts the deal table on a new page,
repeats table headers on every page and keeps rows whole.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import escape
from pathlib import Path
from urllib.parse import urlparse

from ..graph.model import MODEL
from ..graph.records import Subgraph
from .common import write_text
from .report_data import ReportData, build_report
from .svg import render_svg

__all__ = ["write", "render", "SUFFIX"]

SUFFIX = ".html"
DIRECTORY = False

_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)

CSS = """
:root { --ink: #1d2329; --muted: #5f6b76; --rule: #d9dee3; --head: #f2f4f6; --accent: #2b7bb9; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: var(--ink); max-width: 1240px; margin: 0 auto; padding: 28px 32px 56px; }
h1 { font-size: 27px; line-height: 1.2; margin: 0 0 6px; }
h2 { font-size: 19px; margin: 30px 0 10px; padding-bottom: 4px;
     border-bottom: 2px solid var(--rule); }
h3 { font-size: 15px; margin: 16px 0 6px; }
p { margin: 4px 0; }
a { color: var(--accent); }
.meta { color: var(--muted); }
.question { margin-top: 8px; padding: 8px 12px; background: var(--head);
            border-left: 4px solid var(--accent); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 14px; }
.card { border: 1px solid var(--rule); border-radius: 6px; padding: 8px 14px; min-width: 112px; }
.card .n { display: block; font-size: 24px; font-weight: 650; }
.card .t { color: var(--muted); font-size: 13px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
.breakdown { display: flex; flex-wrap: wrap; gap: 28px; align-items: flex-start; }
.breakdown table { width: auto; min-width: 240px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--rule); padding: 5px 7px; text-align: left;
         vertical-align: top; }
thead th { background: var(--head); font-weight: 600; }
table.deal-table, table.entity-table { table-layout: fixed; }
.c-n { width: 3.5%; } .c-deal { width: 25%; } .c-kind { width: 11%; } .c-status { width: 11%; }
.c-parties { width: 19%; } .c-dates { width: 11.5%; } .c-value { width: 11%; } .c-src { width: 8%; }
.c-name { width: 26%; } .c-type { width: 12.5%; } .c-country { width: 9%; }
.c-details { width: 40.5%; } .c-deals { width: 6%; }
td { overflow-wrap: break-word; }
td.num, th.num { text-align: right; white-space: nowrap; }
.summary, .aliases, .hint { color: var(--muted); font-size: 12.5px; }
ul.parties { margin: 0; padding-left: 16px; }
.status { padding: 1px 6px; border-radius: 9px; background: var(--head); }
.status.grey { color: #6b747c; text-decoration: line-through; }
.status.tentative { border: 1px dashed #b08a2e; }
a.fn { text-decoration: none; white-space: nowrap; }
ol.sources li { margin: 4px 0; }
ol.sources li:target { background: #fff4cc; }
.map iframe { width: 100%; height: 680px; border: 1px solid var(--rule); border-radius: 6px; }
.static-map { display: none; margin: 0; }
.static-map.always { display: block; }
.static-map svg { width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 12.5px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12.5px; }
@media print {
  @page { size: A4; margin: 14mm 12mm 16mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 19pt; }
  h2 { font-size: 13pt; margin-top: 16px; }
  .interactive, .screen-only { display: none !important; }
  .static-map { display: block; }
  table { font-size: 8.5pt; }
  th, td { padding: 3px 4px; }
  .cards { gap: 6px; margin: 4px 0 8px; }
  .card { padding: 3px 9px; min-width: 0; }
  .card .n { font-size: 14pt; }
  .card .t { font-size: 8.5pt; }
  .breakdown table { min-width: 200px; }
  .static-map svg { max-height: 120mm; }
  .summary, .aliases, .hint { font-size: 7.5pt; }
  .status { padding: 0 3px; font-size: 7.5pt; }
  thead { display: table-header-group; }
  tr, .card, figure, ol.sources li { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  section.deals { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  ol.sources a { text-decoration: underline; word-break: break-all; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode() + "'"


def _csp(map_html: str | None) -> str:
    scripts = sorted({_sha256(s) for s in _SCRIPT.findall(map_html)}) if map_html else []
    script_src = " ".join(scripts) if scripts else "'none'"
    return (f"default-src 'none'; script-src {script_src}; style-src 'unsafe-inline'; "
            "img-src data:; font-src data:; base-uri 'none'; form-action 'none'")


def _map_html(sub: Subgraph, title: str) -> str:
    from ..viz.render import render_map  # here: jinja2 and the assets only when needed
    return render_map(sub, title=title)


def _e(text) -> str:
    return escape(str(text), quote=True)


def _link(url: str, text: str | None = None) -> str:
    if urlparse(url).scheme not in ("http", "https"):
        return _e(text or url)
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(text or url)}</a>'


def _fns(numbers: list[int]) -> str:
    return "".join(f'<a class="fn" href="#source-{n}">[{n}]</a>' for n in numbers)


def _status_class(code: str) -> str:
    if code in MODEL.style.get("grey_status", []):
        return "status grey"
    if code in MODEL.style.get("dashed_status", []):
        return "status tentative"
    return "status"


def render(data: ReportData, svg: str, map_html: str | None, backend: str = "") -> str:
    """The HTML document as text."""
    plural = {"Person": "People"}
    where = f" from the {_e(backend)} store" if backend else ""
    o = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
         f'<meta http-equiv="Content-Security-Policy" content="{_e(_csp(map_html))}">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         '<meta name="referrer" content="no-referrer">',
         '<meta name="generator" content="dealgraph">',
         f"<title>{_e(data.title)}</title>", '<link rel="icon" href="data:,">',
         f"<style>{CSS}</style>", "</head>", "<body>"]
    o += ["<header>", f"<h1>{_e(data.title)}</h1>",
          f'<p class="meta">Generated {_e(data.generated)} by dealgraph{where}.</p>',
          f'<p class="question"><strong>Selection:</strong> {_e(data.question)}</p>', "</header>"]

    # key figures
    o += ['<section class="figures">', "<h2>Key figures</h2>", '<div class="cards">']
    for label, n in data.counts.items():
        colour = (MODEL.style.get(label) or {}).get("color", "#999999")
        o.append(f'<div class="card"><span class="n">{n}</span><span class="t">'
                 f'<span class="swatch" style="background:{_e(colour)}"></span>'
                 f"{_e(plural.get(label, label + 's'))}</span></div>")
    o.append(f'<div class="card"><span class="n">{data.relationships}</span>'
             '<span class="t">Relationships</span></div>')
    o.append("</div>")
    total = "; ".join(_e(v.text) for v in data.values) or "none disclosed"
    o.append(f"<p><strong>Total disclosed value:</strong> {total} "
             f'<span class="hint">({data.deals_with_value} of {len(data.deals)} deals disclose '
             "a value; ranges add up their low and high ends)</span></p>")
    if data.deals:
        o.append('<div class="breakdown">')
        for caption, rows in (("Deals by kind", data.deals_by_kind),
                              ("Deals by status", data.deals_by_status)):
            o.append(f'<table><thead><tr><th>{caption}</th><th class="num">Deals</th></tr></thead>'
                     "<tbody>")
            o += [f'<tr><td>{_e(k)}</td><td class="num">{n}</td></tr>' for k, n in rows]
            o.append("</tbody></table>")
        o.append("</div>")
    o.append("</section>")

    # map: interactive on screen, a static picture in print
    o += ['<section class="map">', "<h2>Map</h2>"]
    if map_html is not None:
        o.append('<p class="hint screen-only">Drag to move, scroll to zoom, click a node for '
                 "its details and sources. The printed report shows a static picture instead."
                 "</p>")
        o.append('<iframe class="interactive" title="Interactive map of the selection" '
                 f'sandbox="allow-scripts" srcdoc="{_e(map_html)}"></iframe>')
    css_class = "static-map" if map_html is not None else "static-map always"
    o.append(f'<figure class="{css_class}">{svg}<figcaption>Entities and deals of the '
             "selection (sources are listed below, not drawn). Dashed: rumoured or in talks; "
             "grey: rejected, cancelled or expired.</figcaption></figure>")
    o.append("</section>")

    if data.deals:
        o += ['<section class="deals">', f"<h2>Deals ({len(data.deals)})</h2>",
              '<table class="deal-table"><colgroup><col class="c-n"><col class="c-deal">'
              '<col class="c-kind"><col class="c-status"><col class="c-parties">'
              '<col class="c-dates"><col class="c-value"><col class="c-src"></colgroup>',
              '<thead><tr><th class="num">#</th><th>Deal</th><th>Kind</th><th>Status</th>'
              "<th>Parties (role)</th><th>Dates</th><th>Value, stake</th>"
              "<th>Sources</th></tr></thead>", "<tbody>"]
        for i, d in enumerate(data.deals, 1):
            summary = (f'<div class="summary">{_e(d.p["summary"])}</div>'
                       if d.p.get("summary") else "")
            parties = "".join(f"<li>{_e(name)} <span class=\"hint\">({_e(role)})</span></li>"
                              for name, role in d.parties)
            dates = "<br>".join(f"{label} {_e(d.p[key])}" for key, label in
                                (("announced", "announced"), ("effective", "effective"),
                                 ("end", "end")) if d.p.get(key))
            value = "<br>".join(
                f'<span class="hint">{label}</span> {_e(text)}' if label else _e(text)
                for label, text in (("", d.value), ("stake", d.stake),
                                    ("valuation", d.valuation)) if text)
            o.append(f'<tr id="deal-{i}"><td class="num">{i}</td><td><strong>{_e(d.title)}</strong>'
                     f"{summary}</td><td>{_e(d.kind)}</td>"
                     f'<td><span class="{_status_class(d.p.get("status", ""))}">{_e(d.status)}'
                     f'</span></td><td><ul class="parties">{parties}</ul></td>'
                     f"<td>{dates}</td><td>{value}</td><td>{_fns(d.sources)}</td></tr>")
        o += ["</tbody>", "</table>", "</section>"]

    if data.entities:
        o += ['<section class="entities">', f"<h2>Entities ({len(data.entities)})</h2>",
              '<table class="entity-table"><colgroup><col class="c-name"><col class="c-type">'
              '<col class="c-country"><col class="c-details"><col class="c-deals">'
              '<col class="c-src"></colgroup>',
              "<thead><tr><th>Name</th><th>Type</th><th>Country</th><th>Details</th>"
              '<th class="num">Deals</th><th>Sources</th></tr></thead>', "<tbody>"]
        for e in data.entities:
            aliases = e.node.props.get("aliases") or []
            alias = f'<div class="aliases">also {_e(", ".join(aliases))}</div>' if aliases else ""
            o.append(f"<tr><td><strong>{_e(e.name)}</strong>{alias}</td><td>{_e(e.type)}</td>"
                     f"<td>{_e(e.country)}</td><td>{_e(e.details)}</td>"
                     f'<td class="num">{e.deals}</td><td>{_fns(e.sources)}</td></tr>')
        o += ["</tbody>", "</table>", "</section>"]

    if data.sources:
        o += ['<section class="sources">', f"<h2>Sources ({len(data.sources)})</h2>",
              '<ol class="sources">']
        for s in data.sources:
            parts = [_e(s.publisher)] if s.publisher else []
            parts.append(f"<cite>{_e(s.title)}</cite>")
            if s.published:
                parts.append(_e(s.published))
            url = f" {_link(s.url)}" if s.url else ""
            o.append(f'<li id="source-{s.number}" value="{s.number}">{", ".join(parts)}.{url}</li>')
        o += ["</ol>", "</section>"]
    o += ["<footer>Written by dealgraph. Sources are numbered in the order the tables cite "
          "them; every deal cites at least one.</footer>", "</body>", "</html>"]
    return "\n".join(o) + "\n"


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    data = build_report(sub, context)
    html = render(data, render_svg(sub, title=data.title), _map_html(sub, data.title),
                  getattr(context, "backend", ""))
    return [write_text(Path(path), html)]
