"""A subgraph as styled vis-network nodes and edges, plus the details the page shows on click.

Two views (``VIEWS``):

``deals``
    entities and deals are nodes; each party is an edge entity -> deal labelled
    with its role.
``counterparties``
    only entities are nodes; each deal is an edge (labelled with its kind)
    between two of its parties: every pair when a deal has up to
    ``PAIRWISE_MAX`` parties, else a star from the first party by role.

Colours and shapes come from ``MODEL.style``: one vis *group* per label, and for
kinds with a ``status`` field, extra groups for the dashed (tentative) and grey
(dead) statuses. Nothing here lists the types by name.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import ParameterError
from ..graph.model import MODEL
from ..graph.records import Node, Rel, Subgraph
from ..graph.values import ValueProblem, date_ceiling, date_floor

__all__ = ["VIEWS", "Elements", "build_elements", "node_groups", "entity_size", "money",
           "humanise", "PAIRWISE_MAX"]

VIEWS = ("deals", "counterparties")
PARTY_REL = "PARTY_TO"
CITE_REL = "CITES"
DEAL_LABEL = "Deal"
PAIRWISE_MAX = 4
DEFAULT_STYLE = {"color": "#607d8b", "shape": "dot"}
GREY = "#c3c9ce"
GREY_BORDER = "#8e979e"
GREY_TEXT = "#7b848b"
LINK_COLOR = "#5d6d7e"
CITE_COLOR = "#b8c2cc"
SELECTED_BORDER = "#111111"
DASHED_SUFFIX = "/dashed"
GREY_SUFFIX = "/grey"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@lru_cache(maxsize=4096)
def humanise(value: str) -> str:
    """``stake_offer`` -> ``stake offer``; ``SUBSIDIARY_OF`` -> ``subsidiary of``."""
    text = str(value)
    return text.replace("_", " ").lower() if text.isupper() else text.replace("_", " ")


def _style(label: str) -> dict:
    s = dict(DEFAULT_STYLE)
    s.update(MODEL.style.get(label) or {})
    if not _HEX.match(str(s["color"])):
        s["color"] = DEFAULT_STYLE["color"]
    return s


def _darken(colour: str, factor: float = 0.72) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(int(c * factor) for c in (r, g, b)))


def _has_status(label: str) -> bool:
    try:
        return "status" in MODEL.kind_of_label(label).fields
    except KeyError:
        return False


def _statuses(key: str) -> frozenset:
    return frozenset(MODEL.style.get(key) or ())


DASHED = _statuses("dashed_status")
GREYED = _statuses("grey_status")


def node_groups() -> dict:
    """vis-network groups, one per node label of the model (plus status variants)."""
    groups = {}
    for kind in MODEL.node_kinds:
        label = MODEL.kinds[kind].label
        s = _style(label)
        c = s["color"]
        base = {"shape": s["shape"],
                "color": {"background": c, "border": _darken(c),
                          "highlight": {"background": c, "border": SELECTED_BORDER},
                          "hover": {"background": c, "border": SELECTED_BORDER}}}
        if s["shape"] == "box":
            base["font"] = {"color": "#ffffff", "size": 11, "strokeWidth": 0}
        groups[label] = base
        if _has_status(label):
            # deal-like records are small nodes with smaller captions
            base["size"] = 8
            base["font"] = {"size": 12, "color": "#444444"}
            groups[label + DASHED_SUFFIX] = {
                "shape": s["shape"], "borderWidth": 2, "shapeProperties": {"borderDashes": [3, 2]},
                "size": 8, "font": {"size": 12, "color": "#444444"},
                "color": {"background": "#ffffff", "border": c,
                          "highlight": {"background": "#ffffff", "border": SELECTED_BORDER},
                          "hover": {"background": "#ffffff", "border": SELECTED_BORDER}}}
            groups[label + GREY_SUFFIX] = {
                "shape": s["shape"], "size": 8, "font": {"size": 12, "color": GREY_TEXT},
                "color": {"background": GREY, "border": GREY_BORDER,
                          "highlight": {"background": GREY, "border": SELECTED_BORDER},
                          "hover": {"background": GREY, "border": SELECTED_BORDER}}}
    return groups


def _group(node: Node) -> str:
    status = node.props.get("status")
    if status and _has_status(node.label):
        if status in GREYED:
            return node.label + GREY_SUFFIX
        if status in DASHED:
            return node.label + DASHED_SUFFIX
    return node.label


def entity_size(deals: int) -> float:
    """Node size of an entity that is party to ``deals`` deals: grows with the square root."""
    return round(10 + 5 * math.sqrt(deals), 1)


# -- formatting of details ---------------------------------------------------------

def _num(x) -> float | None:
    if x is None or x == "":
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def _short(x: float, scale: float) -> str:
    text = f"{x / scale:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(low, high=None, currency: str | None = None) -> str:
    """``money(1.5e9, 2e9, "USD")`` -> ``USD 1.5–2 bn``; empty when there is no number."""
    lo, hi = _num(low), _num(high)
    nums = [x for x in (lo, hi) if x is not None]
    if not nums:
        return ""
    top = max(nums)
    scale, unit = ((1e12, " tn") if top >= 1e12 else (1e9, " bn") if top >= 1e9
                   else (1e6, " m") if top >= 1e6 else (1, ""))
    if lo is not None and hi is not None and hi != lo:
        amount = f"{_short(lo, scale)}–{_short(hi, scale)}{unit}"
    elif lo is not None:
        amount = f"{_short(lo, scale)}{unit}"
    else:
        amount = f"up to {_short(hi, scale)}{unit}"
    return f"{currency} {amount}" if currency else amount


def _percent(low, high) -> str:
    lo, hi = _num(low), _num(high)
    fmt = lambda x: f"{x:g}"  # noqa: E731
    if lo is not None and hi is not None and hi != lo:
        return f"{fmt(lo)}–{fmt(hi)} %"
    if lo is not None:
        return f"{fmt(lo)} %"
    if hi is not None:
        return f"up to {fmt(hi)} %"
    return ""


def _text(value, ftype: str = "text") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if ftype == "enum":
        return humanise(value)
    if ftype in ("number",) and isinstance(value, (int, float)):
        return f"{value:,g}"
    return str(value)


# Deal fields that read better merged: (row name, formatter, fields it consumes).
_MERGED = (
    ("value", lambda p: money(p.get("value"), p.get("value_high"), p.get("currency")),
     ("value", "value_high", "currency")),
    ("valuation", lambda p: money(p.get("valuation_low"), p.get("valuation_high"),
                                  p.get("currency")), ("valuation_low", "valuation_high")),
    ("stake", lambda p: _percent(p.get("stake_low"), p.get("stake_high")),
     ("stake_low", "stake_high")),
)


@lru_cache(maxsize=None)
def _row_plan(label: str) -> tuple[list, set, dict, set]:
    """For a label: its property fields, the fields merged into one row, where each
    merged row goes, and every known field name."""
    try:
        fields = MODEL.kind_of_label(label).prop_fields
    except KeyError:
        fields = []
    names = {f.name for f in fields}
    consumed: set[str] = set()
    merged_at: dict[str, tuple] = {}
    for name, fmt, uses in _MERGED:
        if any(u in names for u in uses):
            merged_at[uses[0]] = (name, fmt)
            consumed.update(uses)
    return fields, consumed, merged_at, names | {"name", "title"}


def _rows(node: Node) -> list[list[str]]:
    """Label/value pairs for every property of ``node`` except its name or title."""
    fields, consumed, merged_at, known = _row_plan(node.label)
    p = node.props
    rows = []
    for f in fields:
        if f.name in ("name", "title"):
            continue
        if f.name in merged_at:
            name, fmt = merged_at[f.name]
            text = fmt(p)
            if text:
                rows.append([name, text])
            continue
        if f.name in consumed:
            continue
        text = _text(p.get(f.name), f.type)
        if text:
            rows.append([humanise(f.name), text])
    for key in sorted(set(p) - known):
        text = _text(p[key])
        if text:
            rows.append([humanise(key), text])
    return rows


def _month_ends(first: str, last: str) -> list[list[str]]:
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm) and len(out) < 2400:
        out.append([f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _safe(fn, value) -> str:
    if not value:
        return ""
    try:
        return fn(str(value))
    except (ValueProblem, ValueError):
        return ""


# -- the elements -------------------------------------------------------------------

@dataclass
class Elements:
    """vis-network node and edge dicts, and the page's data: ``records`` (details and
    filter fields of every entity and deal), ``sources``, ``filters``, ``months``."""
    view: str
    nodes: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)
    records: dict[str, dict] = field(default_factory=dict)
    sources: dict[str, dict] = field(default_factory=dict)
    filters: dict[str, list] = field(default_factory=dict)
    months: list[list[str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def layout_edges(self) -> list[tuple[str, str]]:
        return [(e["from"], e["to"]) for e in self.edges]


def _role_rank() -> dict[str, int]:
    return {r: i for i, r in enumerate(MODEL.enums["role"].values)} if "role" in MODEL.enums \
        else {}


def build_elements(sub: Subgraph, view: str = "deals", *, show_sources: bool = False,
                   edge_labels: bool = True) -> Elements:
    """Nodes, edges and details of ``sub`` for ``view``; ``edge_labels`` False drops
    the role labels of party edges (big maps)."""
    if view not in VIEWS:
        raise ParameterError(f"--view: unknown view {view!r} (expected one of: "
                             f"{', '.join(VIEWS)})")
    entity_labels = {MODEL.kinds[k].label for k in MODEL.entity_kinds}
    nodes = sub.nodes
    entities = [n for n in nodes.values() if n.label in entity_labels]
    deals = [n for n in nodes.values() if n.label == DEAL_LABEL]
    sources = [n for n in nodes.values() if n.label not in entity_labels | {DEAL_LABEL}]

    rank = _role_rank()
    parties: dict[str, list[Rel]] = {}
    deals_of: dict[str, list[str]] = {}
    cites: dict[str, list[str]] = {}
    links: list[Rel] = []
    for r in sub.rels:
        if r.src not in nodes or r.dst not in nodes:
            continue
        if r.type == PARTY_REL:
            parties.setdefault(r.dst, []).append(r)
        elif r.type == CITE_REL:
            cites.setdefault(r.src, []).append(r.dst)
        else:
            links.append(r)
    for did, rels in parties.items():
        rels.sort(key=lambda r: (rank.get(r.props.get("role", ""), 99), r.src))
        seen = set()
        for r in rels:
            if r.src not in seen:
                deals_of.setdefault(r.src, []).append(did)
                seen.add(r.src)

    out = Elements(view)
    name = {nid: n.name for nid, n in nodes.items()}

    # details of every entity and deal (also of deals drawn as edges)
    links_out: dict[str, list[Rel]] = {}
    links_in: dict[str, list[Rel]] = {}
    for r in links:
        links_out.setdefault(r.src, []).append(r)
        links_in.setdefault(r.dst, []).append(r)
    for e in entities:
        rows = _rows(e)
        for r in links_out.get(e.id, ()):
            rows.append([humanise(r.type), name[r.dst]])
        for r in links_in.get(e.id, ()):
            rows.append([humanise(r.type) + " this", name[r.src]])
        my_deals = sorted(deals_of.get(e.id, ()), key=lambda d: (
            nodes[d].props.get("announced") or "", d))
        out.records[e.id] = {
            "t": e.label, "n": e.name, "a": list(e.props.get("aliases") or []),
            "c": e.props.get("country") or "", "rows": rows,
            "src": sorted(set(cites.get(e.id, ()))),
            "links": [[d, f"{name[d]} ({humanise(nodes[d].props.get('status', ''))})"]
                      for d in my_deals]}
    for d in deals:
        p = d.props
        members = parties.get(d.id, [])
        party_links = []
        for r in members:
            role = humanise(r.props.get("role", ""))
            note = r.props.get("note")
            party_links.append([r.src, f"{name[r.src]} — {role}" + (f" ({note})" if note else "")])
        out.records[d.id] = {
            "t": d.label, "n": d.name, "a": [], "k": p.get("kind", ""), "s": p.get("status", ""),
            "af": _safe(date_floor, p.get("announced")), "ec": _safe(date_ceiling, p.get("end")),
            "rows": _rows(d), "src": sorted(set(cites.get(d.id, ()))), "links": party_links,
            "p": list(dict.fromkeys(r.src for r in members))}
    for s in sources:
        p = s.props
        url = str(p.get("url") or "")
        out.sources[s.id] = {"p": str(p.get("publisher") or ""), "t": str(p.get("title") or s.id),
                             "u": url if re.match(r"^https?://", url, re.IGNORECASE) else "",
                             "d": str(p.get("published") or "")}

    # nodes
    for e in sorted(entities, key=lambda n: n.id):
        out.nodes.append({"id": e.id, "label": e.name, "group": e.label,
                          "size": entity_size(len(deals_of.get(e.id, ())))})
    if view == "deals":
        for d in sorted(deals, key=lambda n: n.id):
            out.nodes.append({"id": d.id, "label": _wrap(d.name), "group": _group(d)})
    if show_sources:
        for s in sorted(sources, key=lambda n: n.id):
            out.nodes.append({"id": s.id, "label": out.sources[s.id]["p"] or s.id,
                              "group": s.label})
    drawn = {n["id"] for n in out.nodes}

    # edges
    def add(edge: dict) -> None:
        edge["id"] = f"e{len(out.edges)}"
        out.edges.append(edge)

    deal_nodes = {d.id: d for d in deals}
    if view == "deals":
        for did in sorted(parties):
            d = deal_nodes[did]
            for r in parties[did]:
                edge = {"from": r.src, "to": did, "rel": PARTY_REL,
                        "role": r.props.get("role", "")}
                if r.props.get("note"):
                    edge["note"] = r.props["note"]
                if edge_labels:
                    edge["label"] = humanise(edge["role"])
                _status_look(edge, d)
                add(edge)
    else:
        pair_count: dict[tuple, int] = {}
        for did in sorted(parties):
            d = deal_nodes[did]
            members = list(dict.fromkeys(r.src for r in parties[did]))
            role = {}
            for r in parties[did]:
                role.setdefault(r.src, r.props.get("role", ""))
            if len(members) == 1:
                pairs = [(members[0], members[0])]
            elif len(members) <= PAIRWISE_MAX:
                pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
            else:
                pairs = [(members[0], b) for b in members[1:]]
            for a, b in pairs:
                edge = {"from": a, "to": b, "rel": PARTY_REL, "deal": did,
                        "label": humanise(d.props.get("kind", "deal")), "width": 2,
                        "role": role[a], "role2": role[b]}
                _status_look(edge, d)
                key = tuple(sorted((a, b)))
                k = pair_count.get(key, 0)
                pair_count[key] = k + 1
                if k and a != b:
                    edge["smooth"] = {"enabled": True,
                                      "type": "curvedCW" if k % 2 else "curvedCCW",
                                      "roundness": round(0.15 * ((k + 1) // 2), 2)}
                add(edge)
    for r in sorted(links, key=lambda r: r.key):
        if r.src in drawn and r.dst in drawn:
            edge = {"from": r.src, "to": r.dst, "rel": r.type, "arrows": "to",
                    "color": {"color": LINK_COLOR, "opacity": 0.8}, "width": 1,
                    "font": {"size": 9, "color": LINK_COLOR}}
            if edge_labels:
                edge["label"] = humanise(r.type)
            add(edge)
    if show_sources:
        for src in sorted(cites):
            for dst in sorted(set(cites[src])):
                if src in drawn and dst in drawn:
                    add({"from": src, "to": dst, "rel": CITE_REL, "width": 0.5,
                         "color": {"color": CITE_COLOR, "opacity": 0.6}})

    # filters and the as-of range
    present = {n.label for n in nodes.values()}
    out.labels = [MODEL.kinds[k].label for k in MODEL.node_kinds
                  if MODEL.kinds[k].label in present
                  and (show_sources or MODEL.kinds[k].label in entity_labels | {DEAL_LABEL})]
    kinds_present = {d.props.get("kind") for d in deals}
    statuses_present = {d.props.get("status") for d in deals}
    out.filters = {
        "type": out.labels,
        "kind": [k for k in MODEL.enums["kind"].values if k in kinds_present],
        "status": [s for s in MODEL.enums["status"].values if s in statuses_present],
        "country": sorted({e.props.get("country") or "" for e in entities}),
    }
    dates = []
    for d in deals:
        for key in ("announced", "effective", "end"):
            v = d.props.get(key)
            if v:
                dates.append(_safe(date_floor, v))
    dates = sorted(x for x in dates if x)
    if dates:
        out.months = _month_ends(dates[0], dates[-1])
    return out


def _status_look(edge: dict, deal: Node) -> None:
    status = deal.props.get("status")
    if status in GREYED:
        edge["color"] = {"color": GREY_BORDER, "opacity": 0.7}
        edge["font"] = {"color": GREY_TEXT}
    if status in DASHED:
        edge["dashes"] = [6, 4]


def _wrap(text: str, width: int = 26, lines: int = 2) -> str:
    """Break a deal title into at most ``lines`` lines of about ``width`` characters."""
    words, out, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            out.append(line)
            line = w
            if len(out) == lines:
                break
        else:
            line = f"{line} {w}" if line else w
    else:
        out.append(line)
        return "\n".join(x for x in out if x)
    last = out[-1]
    out[-1] = (last[:width - 1] + "…") if len(last) >= width else last + " …"
    return "\n".join(out)
