"""The whole-network queries (summary, components) checked against an independent
NetworkX computation on the generated records of 10,000 deals, read straight from
the generator rather than from a store; and partner-list, one row per partner."""

from __future__ import annotations

from collections import Counter

import networkx as nx
import pytest

from dealgraph.graph.countries import country_label
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.queries import run_saved_query
from dealgraph.synth import generate, write_csv_dataset

DEALS = 10_000
SEED = 3


@pytest.fixture(scope="module")
def records():
    return generate(DEALS, seed=SEED)


@pytest.fixture(scope="module")
def store(records, tmp_path_factory):
    path = write_csv_dataset(records, tmp_path_factory.mktemp("summary10k"))
    store = EmbeddedStore(tmp_path_factory.mktemp("summary10k-store") / "store.db")
    load_paths(store, [path])
    yield store
    store.close()


@pytest.fixture(scope="module")
def expected(records):
    """The figures computed from the generator's records with networkx."""
    entities = {r["id"]: kind for kind in ("firms", "governments", "people")
                for r in records[kind]}
    g = nx.Graph()
    g.add_nodes_from(entities)
    by_deal: dict[str, set] = {}
    for p in records["parties"]:
        by_deal.setdefault(p["deal"], set()).add(p["entity"])
    degree = Counter()
    for members in by_deal.values():
        members = sorted(members)
        degree.update(members)
        g.add_edges_from((members[0], m) for m in members[1:])
    comps = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    money = Counter()
    for d in records["deals"]:
        if d.get("value") and d.get("currency"):
            money[d["currency"]] += int(d["value"])
    countries = Counter(country_label(r["country"]) for kind in ("firms", "governments",
                                                                 "people")
                        for r in records[kind] if r.get("country"))
    dates = [d["announced"] for d in records["deals"] if d.get("announced")]
    return {"entities": Counter(entities.values()), "deals": len(records["deals"]),
            "kinds": Counter(d["kind"] for d in records["deals"]),
            "statuses": Counter(d["status"] for d in records["deals"]),
            "money": money, "components": comps, "countries": countries,
            "dates": (min(dates), max(dates)), "degree": degree}


def section(rows, name):
    return {r["item"]: r["value"] for r in rows if r["section"] == name}


def test_summary_figures_match_networkx(store, expected):
    rows = run_saved_query(store, "summary", {"top": "10"}).rows
    ents = section(rows, "entities")
    assert (ents["Firm"], ents["Government"], ents["Person"]) == (
        expected["entities"]["firms"], expected["entities"]["governments"],
        expected["entities"]["people"])
    assert ents["total"] == sum(expected["entities"].values())
    assert section(rows, "deals") == {"total": expected["deals"]}
    assert section(rows, "deals by kind") == dict(expected["kinds"])
    assert section(rows, "deals by status") == dict(expected["statuses"])
    assert section(rows, "value") == dict(expected["money"])
    dates = section(rows, "dates")
    assert (dates["first announced"], dates["last announced"]) == expected["dates"]
    comps = section(rows, "components")
    assert comps["total"] == len(expected["components"])
    assert comps["entities without counterparties"] == expected["components"].count(1)
    assert list(section(rows, "largest components").values()) == expected["components"][:10]
    assert section(rows, "entities by country") == dict(expected["countries"].most_common(10))
    hubs = [r for r in rows if r["section"] == "hubs"]
    top = sorted(expected["degree"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(r["item"].split(" ")[0], r["value"]) for r in hubs] == top


def test_components_match_networkx(store, expected):
    rows = run_saved_query(store, "components", {"min_size": "1", "limit": "100000"}).rows
    assert [r["size"] for r in rows] == expected["components"]
    assert sum(r["deals"] for r in rows) == expected["deals"]
    assert [r["component"] for r in rows] == list(range(1, len(rows) + 1))


def test_partner_list_has_one_row_per_partner(store, records):
    rows = run_saved_query(store, "partner-list", {"entity": "f0"}).rows
    per_deal = run_saved_query(store, "partners", {"entity": "f0"}).rows
    assert len(rows) == len({r["partner"] for r in per_deal})
    assert sum(r["deals"] for r in rows) == len(per_deal)
    first = rows[0]
    dates = [r["date"] for r in per_deal if r["partner"] == first["partner"] and r["date"]]
    assert (first["first"], first["last"]) == (min(dates), max(dates))
    assert first["deals"] == max(r["deals"] for r in rows)
