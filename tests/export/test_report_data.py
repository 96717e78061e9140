"""The figures, tables and numbered sources that both reports show."""

from collections import Counter

from dealgraph.export.report_data import build_report, money, span
from dealgraph.graph.model import MODEL


def _check_sources(data):
    numbers = [s.number for s in data.sources]
    assert numbers == list(range(1, len(numbers) + 1))
    cited = [n for row in data.deals + data.entities for n in row.sources]
    assert set(cited) <= set(numbers)
    # numbered in the order of first citation, deals first
    first = list(dict.fromkeys(cited))
    assert first == numbers[:len(first)]


def test_seed_figures(seed_store, context):
    sub = seed_store.subgraph(None)
    data = build_report(sub, context)
    assert data.counts == {"Firm": 23, "Government": 4, "Person": 4, "Deal": 22, "Source": 3}
    assert sum(n for _, n in data.deals_by_kind) == 22
    assert sum(n for _, n in data.deals_by_status) == 22
    order = [s.replace("_", " ") for s in MODEL.enums["status"].values]
    statuses = [s for s, _ in data.deals_by_status]
    assert statuses == sorted(statuses, key=order.index)
    assert dict(data.deals_by_kind)["partnership"] == \
        Counter(n.props["kind"] for n in sub.of_label("Deal"))["partnership"]
    assert len(data.deals) == 22 and len(data.entities) == 31
    assert all(d.sources for d in data.deals)  # every deal is footnoted
    _check_sources(data)
    assert data.generated == "2024-05-06 07:08:09 UTC"


def test_values_are_totalled_per_currency(hostile_store, context):
    data = build_report(hostile_store.subgraph(None), context)
    assert data.deals_with_value == 2
    assert {v.currency: v.text for v in data.values} == {"EUR": "EUR 2.5", "USD": "USD 1.5–2 bn"}
    d1 = next(d for d in data.deals if d.node.id == "d1")
    assert d1.stake == "2.5–7%" and d1.kind == "supply" and d1.status == "in talks"
    assert sorted(d1.parties) == [("Acme & Sons <Ltd>", "customer"),
                                  ("O'Brien \"x\" \\ }) MATCH (n) DETACH DELETE n //", "supplier")]
    d2 = next(d for d in data.deals if d.node.id == "d2")
    assert ("O'Brien \"x\" \\ }) MATCH (n) DETACH DELETE n //", "customer, sanctioned") in d2.parties
    obrien = next(e for e in data.entities if e.node.id == "obrien")
    assert obrien.deals == 2  # two roles in one deal count once
    _check_sources(data)


def test_formatting():
    assert money(1_500_000_000, "USD") == "USD 1.5 bn"
    assert money(250_000, "EUR") == "EUR 250,000"
    assert money(28_000_000, "") == "28 m"
    assert span(3, 5, "%") == "3–5%" and span(40, None, "%") == "40%"
