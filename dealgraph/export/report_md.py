"""Markdown report: the selection's key figures, deals, entities and numbered sources,
with a static SVG picture of the subgraph written next to it.

``report.md`` refers to ``report.svg`` by a relative path (``![Map](report.svg)``),
so keep the two files together. Every piece of data is escaped for Markdown
(no value can start a heading, a link, a table cell or HTML); every deal lists
its sources as ``[1]`` markers that point into the numbered source list.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlparse

from ..graph.records import Subgraph
from .common import write_text
from .report_data import ReportData, build_report
from .svg import render_svg

__all__ = ["write", "render", "md", "picture_path", "SUFFIX"]

SUFFIX = ".md"
DIRECTORY = False

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#{}])")
_SPACE = re.compile(r"\s+")


def md(text) -> str:
    """``text`` as inline Markdown that shows literally: punctuation with a meaning is
    backslash-escaped and line breaks become spaces (safe in table cells too)."""
    return _MD_SPECIAL.sub(r"\\\1", _SPACE.sub(" ", str(text)).strip())


def _link(url: str, text: str | None = None) -> str:
    if urlparse(url).scheme not in ("http", "https"):
        return md(url)
    target = quote(url, safe=":/?#@!$&'*+,;=%~-._")
    return f"[{md(text or url)}](<{target}>)"


def _marks(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def picture_path(path: Path) -> Path:
    """Where the picture of ``path`` goes: same directory and stem, ``.svg``."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        return path.with_name(path.name + ".svg")
    return path.with_suffix(".svg")


def render(data: ReportData, picture: str | None) -> str:
    """The Markdown text; ``picture`` is the relative path of the SVG (None for none)."""
    out = [f"# {md(data.title)}", "",
           f"Generated {md(data.generated)}.  ", f"**Selection:** {md(data.question)}", ""]
    if picture:
        out += [f"![Map of the selection]({quote(picture)})", ""]
    out += ["## Key figures", "", "| | |", "|---|---:|"]
    plural = {"Person": "People"}
    for label, n in data.counts.items():
        out.append(f"| {plural.get(label, label + 's')} | {n} |")
    out.append(f"| Relationships | {data.relationships} |")
    out.append("")
    if data.deals_by_kind:
        out.append("**Deals by kind:** " + ", ".join(f"{md(k)} {n}" for k, n in data.deals_by_kind)
                   + "  ")
        out.append("**Deals by status:** "
                   + ", ".join(f"{md(s)} {n}" for s, n in data.deals_by_status) + "  ")
    total = "; ".join(md(v.text) for v in data.values) or "none disclosed"
    out.append(f"**Total disclosed value:** {total} ({data.deals_with_value} of "
               f"{len(data.deals)} deals disclose a value)")
    out.append("")
    if data.deals:
        out += ["## Deals", "",
                "| # | Deal | Kind | Status | Parties | Announced | Effective | End | Value | "
                "Stake | Sources |",
                "|---:|---|---|---|---|---|---|---|---|---|---|"]
        for i, d in enumerate(data.deals, 1):
            parties = "; ".join(f"{md(name)} ({md(role)})" for name, role in d.parties)
            value = md(d.value)
            if d.valuation:
                value += ("; " if value else "") + "valuation " + md(d.valuation)
            out.append(f"| {i} | {md(d.title)} | {md(d.kind)} | {md(d.status)} | {parties} | "
                       f"{md(d.p.get('announced', ''))} | {md(d.p.get('effective', ''))} | "
                       f"{md(d.p.get('end', ''))} | {value} | {md(d.stake)} | "
                       f"{_marks(d.sources)} |")
        out.append("")
    if data.entities:
        out += ["## Entities", "", "| Name | Type | Country | Details | Deals | Sources |",
                "|---|---|---|---|---:|---|"]
        for e in data.entities:
            out.append(f"| {md(e.name)} | {md(e.type)} | {md(e.country)} | {md(e.details)} | "
                       f"{e.deals} | {_marks(e.sources)} |")
        out.append("")
    if data.sources:
        out += ["## Sources", ""]
        for s in data.sources:
            parts = [md(s.publisher) if s.publisher else "", f"*{md(s.title)}*"]
            if s.published:
                parts.append(md(s.published))
            line = f"{s.number}. " + ", ".join(p for p in parts if p) + "."
            if s.url:
                line += " " + _link(s.url)
            out.append(line)
        out.append("")
    out.append("---")
    out.append("Written by dealgraph. Sources are numbered in the order the tables cite them.")
    return "\n".join(out) + "\n"


def write(sub: Subgraph, path: Path, context) -> list[Path]:
    path = Path(path)
    data = build_report(sub, context)
    svg = picture_path(path)
    written = [write_text(svg, render_svg(sub, title=data.title))]
    written.insert(0, write_text(path, render(data, svg.name)))
    return written
