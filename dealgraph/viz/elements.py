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
import datetime
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..errors import ParameterError
from collections.abc import Set as AbstractSet

from ..graph.model import MODEL, countries_of
from ..graph.records import Node, Rel, Subgraph
from ..graph.values import ValueProblem, date_ceiling, date_floor

__all__ = ["VIEWS", "Elements", "build_elements", "node_groups", "entity_size", "entity_value",
           "money", "humanise", "display_name", "plausible", "counterparty_edges", "PAIRWISE_MAX"]

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
PLAUSIBLE_FIRST = 1900
PLAUSIBLE_LAST = datetime.date.today().year + 5


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


class _Statuses(AbstractSet):
    """The statuses of style list ``key`` in the model in use, looked up on each use: a
    store's model extension may add statuses to the dashed or grey styling. A set
    (``in``, ``&``, ``|``, iteration in sorted order)."""

    @classmethod
    def _from_iterable(cls, it):
        return frozenset(it)

    def __init__(self, key: str):
        self.key = key

    def _now(self) -> frozenset:
        return frozenset(MODEL.style.get(self.key) or ())

    def __contains__(self, status) -> bool:
        return status in self._now()

    def __iter__(self):
        return iter(sorted(self._now()))

    def __len__(self) -> int:
        return len(self._now())


DASHED = _Statuses("dashed_status")
GREYED = _Statuses("grey_status")


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
            # deal-like records are small nodes with smaller captions, drawn only
            # when zoomed in (a hub's deal titles would cover everything else)
            base["size"] = 8
            base["font"] = {"size": 12, "color": "#444444"}
            base["scaling"] = {"label": {"drawThreshold": 10}}
            groups[label + DASHED_SUFFIX] = {
                "shape": s["shape"], "borderWidth": 2, "shapeProperties": {"borderDashes": [3, 2]},
                "size": 8, "font": {"size": 12, "color": "#444444"},
                "scaling": {"label": {"drawThreshold": 10}},
                "color": {"background": "#ffffff", "border": c,
                          "highlight": {"background": "#ffffff", "border": SELECTED_BORDER},
                          "hover": {"background": "#ffffff", "border": SELECTED_BORDER}}}
            groups[label + GREY_SUFFIX] = {
                "shape": s["shape"], "size": 8, "font": {"size": 12, "color": GREY_TEXT},
                "scaling": {"label": {"drawThreshold": 10}},
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


def entity_value(deals: int) -> float:
    """vis-network ``value`` of an entity party to ``deals`` deals (in the store): sizes
    and label sizes scale with it, so the biggest dealers are labelled first."""
    return round(math.sqrt(deals), 2)


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
    implausible: list[list[str]] = field(default_factory=list)
    drawn: int = 0

    def layout_edges(self) -> list[tuple[str, str]]:
        """Edges that shape the layout: the deals view's (deals sit between parties)."""
        return [(e["from"], e["to"]) for e in self.edges if e.get("v") != "c"]


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
    name = {nid: display_name(n) for nid, n in nodes.items()}

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
        my_deals = deals_of.get(e.id, ())
        out.records[e.id] = {
            "t": e.label, "n": name[e.id], "a": list(e.props.get("aliases") or []),
            "c": countries_of(e.props), "rows": rows,  # all: it is in each
            "src": sorted(set(cites.get(e.id, ()))),
            "links": [[d, name[d]] for d in my_deals], "dc": len(my_deals)}
    for d in deals:
        out.records[d.id] = _deal_record(d, parties.get(d.id, []), name,
                                         sorted(set(cites.get(d.id, ()))))
    for s in sources:
        p = s.props
        url = str(p.get("url") or "")
        out.sources[s.id] = {"p": str(p.get("publisher") or ""), "t": str(p.get("title") or s.id),
                             "u": url if re.match(r"^https?://", url, re.IGNORECASE) else "",
                             "d": str(p.get("published") or "")}
    # an entity's deals in date order (undated last)
    for e in entities:
        out.records[e.id]["links"].sort(key=lambda link: (
            out.records[link[0]].get("sd") or "9999", link[0]))

    # nodes: every entity and deal (the page shows deals as nodes in the deals view only)
    for e in sorted(entities, key=lambda n: n.id):
        out.nodes.append({"id": e.id, "label": name[e.id], "group": e.label,
                          "value": entity_value(len(deals_of.get(e.id, ())))})
    for d in sorted(deals, key=lambda n: n.id):
        out.nodes.append({"id": d.id, "label": _wrap(name[d.id]), "group": _group(d)})
    if show_sources:
        for s in sorted(sources, key=lambda n: n.id):
            out.nodes.append({"id": s.id, "label": out.sources[s.id]["p"] or s.id,
                              "group": s.label})
    drawn = {n["id"] for n in out.nodes}

    # edges of both views: "v" says which view draws them (none: both)
    def add(edge: dict) -> None:
        edge["id"] = f"e{len(out.edges)}"
        out.edges.append(edge)

    deal_nodes = {d.id: d for d in deals}
    for did in sorted(parties):
        d = deal_nodes[did]
        for r in parties[did]:
            edge = {"from": r.src, "to": did, "rel": PARTY_REL, "v": "d",
                    "role": r.props.get("role", "")}
            if r.props.get("note"):
                edge["note"] = r.props["note"]
            if edge_labels:
                edge["label"] = humanise(edge["role"])
            _status_look(edge, d)
            add(edge)
    for edge in counterparty_edges(parties, deal_nodes):
        if not edge_labels:
            del edge["label"]
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

    # filters and the date range
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
        "country": sorted({c for e in entities for c in out.records[e.id]["c"] or [""]}),
    }
    dates = sorted(x for d in deals for x in (out.records[d.id].get("sd"),
                                              out.records[d.id].get("ed")) if x)
    if dates:
        out.months = _month_ends(dates[0], dates[-1])
    out.implausible = sorted(([r["bad"], did] for did, r in out.records.items() if r.get("bad")))
    return out


def counterparty_edges(parties: dict[str, list[Rel]], deal_nodes: dict[str, Node]) -> list[dict]:
    """The counterparties view's edges: each deal as edges between its parties."""
    out = []
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
            edge = {"from": a, "to": b, "rel": PARTY_REL, "deal": did, "v": "c",
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
            out.append(edge)
    return out


def display_name(node: Node) -> str:
    """The name to show: the name or title; for a node that has neither, the last part
    of a path-like id (``/organization/cisco`` -> ``cisco``) rather than the whole id."""
    text = node.props.get("name") or node.props.get("title")
    if text:
        return str(text)
    tail = str(node.id).rstrip("/").rsplit("/", 1)[-1]
    return tail or str(node.id)


def plausible(day: str) -> bool:
    """A date used as a bound of the page's time range: years 1900 to five years from now."""
    return PLAUSIBLE_FIRST <= int(day[:4]) <= PLAUSIBLE_LAST


def _deal_record(d: Node, members: list[Rel], name: dict, src: list[str]) -> dict:
    """What the page knows of a deal: details, filter fields, the dates of its range
    (``sd`` start floor, ``ed`` end ceiling; ``bad`` lists an implausible date, and such
    a deal counts as undated), and a one-line summary (date, kind, value)."""
    p = d.props
    party_links = []
    for r in members:
        role = humanise(r.props.get("role", ""))
        note = r.props.get("note")
        party_links.append([r.src, f"{name[r.src]} — {role}" + (f" ({note})" if note else "")])
    start = _safe(date_floor, p.get("announced")) or _safe(date_floor, p.get("effective"))
    end = _safe(date_ceiling, p.get("end"))
    rec = {"t": d.label, "n": name[d.id], "a": [], "k": p.get("kind", ""),
           "s": p.get("status", ""), "rows": _rows(d), "src": src, "links": party_links,
           "p": list(dict.fromkeys(r.src for r in members)),
           "v": money(p.get("value"), p.get("value_high"), p.get("currency"))}
    bad = [x for x in (start, end) if x and not plausible(x)]
    if bad:
        rec["bad"] = bad[0]
    else:
        if start:
            rec["sd"] = start
        if end:
            rec["ed"] = end
    rec["day"] = str(p.get("announced") or p.get("effective") or "")
    return rec


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
