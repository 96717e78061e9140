"""The content of a report, computed once for the HTML and the Markdown report.

Key figures (counts by type, deals by kind and by status, total disclosed value
per currency), the tables of entities and deals, and the numbered source list:
sources are numbered in the order the deal table first cites them, then the
entity table, then any other source of the selection; every deal and entity
row lists the numbers of the sources it cites.

>>> money(1_500_000_000, "USD"), money(250_000, "EUR"), span(3, 5, "%")
('USD 1.5 bn', 'EUR 250,000', '3–5%')
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..graph.model import MODEL, countries_of
from ..graph.records import Node, Subgraph
from ..graph.values import date_floor

__all__ = ["ReportData", "DealRow", "EntityRow", "SourceRow", "ValueTotal", "build_report",
           "money", "span", "words"]


@dataclass
class SourceRow:
    number: int
    node: Node

    @property
    def publisher(self) -> str:
        return self.node.props.get("publisher", "")

    @property
    def title(self) -> str:
        return self.node.props.get("title", self.node.id)

    @property
    def url(self) -> str:
        return self.node.props.get("url", "")

    @property
    def published(self) -> str:
        return self.node.props.get("published", "")


@dataclass
class DealRow:
    node: Node
    parties: list[tuple[str, str]]          # (entity name, its roles in the deal)
    sources: list[int]                      # source numbers

    @property
    def p(self) -> dict:
        return self.node.props

    @property
    def title(self) -> str:
        return self.node.name

    @property
    def kind(self) -> str:
        return words(self.p.get("kind", ""))

    @property
    def status(self) -> str:
        return words(self.p.get("status", ""))

    @property
    def value(self) -> str:
        cur = self.p.get("currency", "")
        if "value" not in self.p:
            return ""
        return money_span(self.p["value"], self.p.get("value_high"), cur)

    @property
    def valuation(self) -> str:
        low, high = self.p.get("valuation_low"), self.p.get("valuation_high")
        if low is None and high is None:
            return ""
        return money_span(low if low is not None else high, high, self.p.get("currency", ""))

    @property
    def stake(self) -> str:
        low, high = self.p.get("stake_low"), self.p.get("stake_high")
        if low is None and high is None:
            return ""
        if low is None:
            return f"up to {_num(high)}%"
        return span(low, high, "%")


@dataclass
class EntityRow:
    node: Node
    details: str
    deals: int
    sources: list[int]

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def type(self) -> str:
        return self.node.label

    @property
    def country(self) -> str:
        """The entity's countries, joined: ``CN, US`` for an entity in two."""
        return ", ".join(countries_of(self.node.props))


@dataclass
class ValueTotal:
    currency: str
    low: float
    high: float
    deals: int

    @property
    def text(self) -> str:
        return money_span(self.low, self.high if self.high != self.low else None, self.currency)


@dataclass
class ReportData:
    title: str
    question: str
    generated: str
    counts: dict[str, int]
    relationships: int
    deals_by_kind: list[tuple[str, int]]
    deals_by_status: list[tuple[str, int]]
    values: list[ValueTotal]
    deals_with_value: int
    entities: list[EntityRow] = field(default_factory=list)
    deals: list[DealRow] = field(default_factory=list)
    sources: list[SourceRow] = field(default_factory=list)


# -- formatting -----------------------------------------------------------------------

def words(code: str) -> str:
    """An enum value as words: ``stake_offer`` -> ``stake offer``."""
    return str(code).replace("_", " ")


def _num(x) -> str:
    if isinstance(x, float) and not x.is_integer():
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{int(x):,}"


def _scaled(x: float) -> tuple[str, str]:
    for size, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(x) >= size:
            return f"{x / size:.3g}", unit
    return _num(x), ""


def money(x, currency: str = "") -> str:
    """A sum of money for people: ``USD 1.5 bn``, ``EUR 250,000``."""
    number, unit = _scaled(x)
    return " ".join(p for p in (currency, number, unit) if p)


def money_span(low, high, currency: str = "") -> str:
    if high is None or high == low:
        return money(low, currency)
    (a, ua), (b, ub) = _scaled(low), _scaled(high)
    if ua == ub:
        return " ".join(p for p in (currency, f"{a}–{b}", ua) if p)
    return f"{money(low, currency)} – {money(high)}"


def span(low, high, unit: str = "") -> str:
    if high is None or high == low:
        return f"{_num(low)}{unit}"
    return f"{_num(low)}–{_num(high)}{unit}"


# -- building -------------------------------------------------------------------------

def _deal_order(node: Node):
    announced = node.props.get("announced")
    return (announced is None, date_floor(announced) if announced else "", node.name.casefold(),
            node.id)


def build_report(sub: Subgraph, context) -> ReportData:
    """Everything a report shows, from the subgraph and the export context."""
    nodes = sub.nodes
    cites: dict[str, list[str]] = {}
    parties: dict[str, dict[str, list[str]]] = {}   # deal -> entity -> roles
    deals_of: dict[str, set[str]] = {}
    links: dict[str, list[tuple[str, str]]] = {}
    for r in sub.rels:
        if r.type == "CITES":
            cites.setdefault(r.src, []).append(r.dst)
        elif r.type == "PARTY_TO":
            parties.setdefault(r.dst, {}).setdefault(r.src, []).append(r.props.get("role", ""))
            deals_of.setdefault(r.src, set()).add(r.dst)
        else:
            links.setdefault(r.src, []).append((r.type, r.dst))

    numbers: dict[str, int] = {}

    def cite(node_id: str) -> list[int]:
        srcs = sorted(cites.get(node_id, []),
                      key=lambda s: (nodes[s].props.get("published", ""), s))
        for s in srcs:
            numbers.setdefault(s, len(numbers) + 1)
        return sorted(numbers[s] for s in srcs)

    deals = []
    for node in sorted(sub.of_label("Deal"), key=_deal_order):
        names = sorted(((nodes[e].name, ", ".join(words(r) for r in sorted(roles)))
                        for e, roles in parties.get(node.id, {}).items()),
                       key=lambda x: (x[0].casefold(), x[1]))
        deals.append(DealRow(node, names, cite(node.id)))

    entity_labels = [MODEL.kinds[k].label for k in MODEL.entity_kinds]
    rank = {label: i for i, label in enumerate(entity_labels)}
    entities = []
    for node in sorted(sub.of_label(*entity_labels),
                       key=lambda n: (rank[n.label], n.name.casefold(), n.id)):
        entities.append(EntityRow(node, _details(node, links.get(node.id, []), nodes),
                                  len(deals_of.get(node.id, ())), cite(node.id)))

    for s in sorted(n.id for n in sub.of_label("Source")):
        numbers.setdefault(s, len(numbers) + 1)
    sources = [SourceRow(n, nodes[s]) for s, n in sorted(numbers.items(), key=lambda kv: kv[1])]

    order = sorted(MODEL.node_kinds, key=lambda k: (not MODEL.kinds[k].entity, k != "Deal"))
    counts = {MODEL.kinds[k].label: len(sub.of_label(MODEL.kinds[k].label)) for k in order}
    by_kind = Counter(d.node.props.get("kind", "") for d in deals)
    by_status = Counter(d.node.props.get("status", "") for d in deals)
    status_order = {s: i for i, s in enumerate(MODEL.enums["status"].values)}
    totals: dict[str, ValueTotal] = {}
    with_value = 0
    for d in deals:
        p = d.node.props
        if "value" not in p:
            continue
        with_value += 1
        t = totals.setdefault(p.get("currency", ""), ValueTotal(p.get("currency", ""), 0, 0, 0))
        t.low += p["value"]
        t.high += p.get("value_high", p["value"])
        t.deals += 1
    return ReportData(
        title=context.title, question=context.question, generated=context.generated_text,
        counts=counts, relationships=len(sub.rels),
        deals_by_kind=[(words(k), n) for k, n in
                       sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))],
        deals_by_status=[(words(s), n) for s, n in
                         sorted(by_status.items(), key=lambda kv: status_order.get(kv[0], 99))],
        values=sorted(totals.values(), key=lambda t: (-t.deals, t.currency)),
        deals_with_value=with_value, entities=entities, deals=deals, sources=sources)


_OWNERSHIP = {"state": "state-owned", "private": "privately owned", "listed": "listed"}
_LINK_WORDS = {"SUBSIDIARY_OF": "subsidiary of", "PART_OF": "part of",
               "AFFILIATED_WITH": "works for"}


def _details(node: Node, links: list[tuple[str, str]], nodes: dict) -> str:
    p = node.props
    parts = [p.get(k) for k in ("sector", "role") if p.get(k)]
    if p.get("level"):
        parts.append(words(p["level"]))
    if p.get("ownership"):
        parts.append(_OWNERSHIP.get(p["ownership"], words(p["ownership"])))
    for typ, dst in sorted(links):
        if dst in nodes:
            parts.append(f"{_LINK_WORDS.get(typ, words(typ.lower()))} {nodes[dst].name}")
    return "; ".join(parts)
