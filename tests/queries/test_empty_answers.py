"""Long connections and empty answers: paths finds an 11-step chain, and an empty
answer says which bound stopped it and what to rerun with, the same on both stores."""

from __future__ import annotations

import pytest
import yaml

from dealgraph.loaders import load_paths
from dealgraph.queries import run_saved_query

LENGTH = 12  # firms c00 .. c12, each in one deal with the next


@pytest.fixture
def chain(any_store, tmp_path):
    firms = [{"id": f"c{i:02d}", "name": f"Chain Firm {i}", "country": "DE"}
             for i in range(LENGTH + 1)]
    firms.append({"id": "loner", "name": "Lone Firm", "country": "LVA"})
    deals = [{"id": f"d{i:02d}", "kind": "partnership", "status": "signed",
              "title": f"link {i}", "announced": f"{2000 + i}", "sources": ["s"]}
             for i in range(LENGTH)]
    parties = [{"deal": f"d{i:02d}", "entity": f"c{i + k:02d}", "role": "partner"}
               for i in range(LENGTH) for k in (0, 1)]
    data = {"sources": [{"id": "s", "publisher": "Wire", "title": "Links",
                         "url": "https://example.org/links"}],
            "firms": firms, "deals": deals, "parties": parties}
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(data))
    load_paths(any_store, [path])
    return any_store


def test_an_11_step_path_is_found(chain):
    result = run_saved_query(chain, "paths", {"a": "c00", "b": "c11", "max_hops": "11"})
    assert [r["deal"] for r in result.rows] == [f"d{i:02d}" for i in range(11)]
    assert result.notes == []


def test_an_empty_path_says_how_far_apart_and_what_to_rerun(chain):
    result = run_saved_query(chain, "paths", {"a": "Chain Firm 0", "b": "c11"})
    assert result.rows == []
    assert result.notes == ["no path between Chain Firm 0 and Chain Firm 11 within 4 hops; "
                            "they are 11 apart — rerun with -p max_hops=11"]


def test_an_empty_path_between_unconnected_entities_says_so(chain):
    result = run_saved_query(chain, "paths", {"a": "c00", "b": "loner"})
    assert result.notes == ["no path between Chain Firm 0 and Lone Firm: no chain of deals "
                            "connects them at any length"]


def test_as_of_is_part_of_the_explanation(chain):
    result = run_saved_query(chain, "paths", {"a": "c00", "b": "c03"}, as_of="2001")
    assert result.notes == ["no path between Chain Firm 0 and Chain Firm 3: no chain of deals "
                            "as of 2001-12-31 connects them at any length"]


def test_hops_bounds_are_raised():
    from dealgraph.queries import get_query
    assert get_query("paths").param("max_hops").max >= 12
    assert get_query("network").param("hops").max >= 10


def test_network_of_an_entity_without_deals_says_why(chain):
    result = run_saved_query(chain, "network", {"entity": "loner"})
    assert result.rows == []
    assert result.notes == ["Lone Firm has no counterparties: it is party to no deal"]


def test_network_reaches_ten_steps(chain):
    rows = run_saved_query(chain, "network", {"entity": "c00", "hops": "10"}).rows
    assert max(r["distance"] for r in rows) == 10 and len(rows) == 10


def test_cross_border_without_deals_says_how_many_entities_each_side_has(chain):
    result = run_saved_query(chain, "cross-border", {"country_a": "LVA", "country_b": "DEU"})
    assert result.rows == []
    assert result.notes == ["no deal has parties from both Latvia (LV) (1 entity) and "
                            "Germany (DE) (13 entities)"]
