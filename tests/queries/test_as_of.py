"""The as-of rule on every query that reads deals, on both stores: deals announced
after the date, or ended before it, are left out; partial dates count from their
first day (announced) and until their last day (end)."""

from __future__ import annotations

import pytest

from dealgraph.loaders import load_paths
from dealgraph.queries import run_saved_query
from dealgraph.synth import write_csv_dataset

def _dataset(tmp_path):
    """Five deals between a and b: before, during, after, ended, and a partial end date."""
    deals = [
        {"id": "d-old", "kind": "partnership", "status": "signed", "title": "Old",
         "announced": "2019-05", "end": "2020-06", "sources": "s"},
        {"id": "d-now", "kind": "supply", "status": "signed", "title": "Now",
         "announced": "2021-03-10", "sources": "s"},
        {"id": "d-new", "kind": "investment", "status": "announced", "title": "New",
         "announced": "2022", "stake_low": "5", "stake_high": "10", "sources": "s"},
        {"id": "d-undated", "kind": "partnership", "status": "rumoured", "title": "Undated",
         "sources": "s"},
        {"id": "d-ending", "kind": "licence", "status": "completed", "title": "Ending",
         "announced": "2020", "end": "2021-03", "sources": "s"},
    ]
    roles = {"d-new": ("investor", "target"), "d-ending": ("licensor", "licensee"),
             "d-now": ("supplier", "customer")}
    parties = []
    for deal in deals:
        first, second = roles.get(deal["id"], ("partner", "partner"))
        parties += [{"deal": deal["id"], "entity": "a", "role": first},
                    {"deal": deal["id"], "entity": "b", "role": second}]
    data = {"sources": [{"id": "s", "publisher": "P", "title": "T"}],
            "firms": [{"id": "a", "name": "Alpha", "country": "CN"},
                      {"id": "b", "name": "Beta", "country": "DE"}],
            "governments": [], "people": [], "deals": deals, "parties": parties}
    return write_csv_dataset(data, tmp_path / "asof")


@pytest.mark.parametrize("as_of,expected", [
    (None, {"d-old", "d-now", "d-new", "d-undated", "d-ending"}),
    ("2019-04", {"d-undated"}),                        # before anything was announced
    ("2019-05-01", {"d-old", "d-undated"}),            # partial announcement: from its first day
    ("2020-06-30", {"d-old", "d-undated", "d-ending"}),  # partial end: until its last day
    ("2020-07", {"d-undated", "d-ending"}),
    ("2021-03", {"d-now", "d-undated", "d-ending"}),    # 2021-03-31: d-ending ends in March
    ("2021-04-01", {"d-now", "d-undated"}),
    ("2022", {"d-now", "d-new", "d-undated"}),         # 2022-12-31
])
def test_as_of_on_both_stores(any_store, tmp_path, as_of, expected):
    load_paths(any_store, [_dataset(tmp_path)])
    timeline = run_saved_query(any_store, "timeline", {"entity": "a"}, as_of=as_of).rows
    assert {r["deal"] for r in timeline} == expected
    partners = run_saved_query(any_store, "partners", {"entity": "b"}, as_of=as_of).rows
    assert {r["deal"] for r in partners} == expected
    cross = run_saved_query(any_store, "cross-border", {"country_a": "DE", "country_b": "CN"},
                            as_of=as_of).rows
    assert sum(r["count"] for r in cross) == len(expected)
    investors = run_saved_query(any_store, "investors", {"target": "b"}, as_of=as_of).rows
    assert {r["deal"] for r in investors} == {"d-new"} & expected
    network = run_saved_query(any_store, "network", {"entity": "a"}, as_of=as_of).rows
    assert [r["entity"] for r in network] == (["b"] if expected else [])
    paths = run_saved_query(any_store, "paths", {"a": "a", "b": "b"}, as_of=as_of).rows
    assert {r["deal"] for r in paths} == expected
    brokers = run_saved_query(any_store, "brokers", {}, as_of=as_of).rows
    assert [r["entity"] for r in brokers] == ["a", "b"]  # one link: both score 0
