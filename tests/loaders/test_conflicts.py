"""Rows that disagree about an entity: nothing lost silently, on both stores.

tests/data/bank-filings has one bank (bank-alpha) named "Alpha Bank" and "Alpha Bank NY"
and in the US and in GB, a sector that changes (resolved by on_conflict: last), and
per-row countries on the party rows.
"""

from __future__ import annotations

import pytest

from dealgraph.errors import LoadError
from dealgraph.graph.select import Selection, select_subgraph
from dealgraph.loaders import load_paths, preview_paths
from dealgraph.queries import run_saved_query
from dealgraph.queries.access import entities_where


@pytest.fixture
def filings(data_dir):
    folder = data_dir / "bank-filings"
    return folder / "filings.csv", folder / "filings.yaml"


def test_conflicting_rows_keep_every_name_and_country(any_store, filings):
    csv, mapping = filings
    summary = load_paths(any_store, [csv], mapping=mapping)
    assert summary.as_dict()["warnings"] == {"conflict-country": 1, "conflict-name": 3,
                                             "conflict-sector": 1}
    where = {(w.line, w.field) for w in summary.warnings}
    assert where == {(3, "filer_bank"), (3, "filer_country"), (3, "filer_sector"),
                     (4, "filer_bank"), (4, "beneficiary_bank")}
    assert all(w.file == str(csv) for w in summary.warnings)
    nodes = any_store.subgraph(None).nodes
    alpha = nodes["bank-alpha"].props
    assert alpha["name"] == "Alpha Bank" and alpha["aliases"] == ["Alpha Bank NY"]
    assert alpha["country"] == ["US", "GB"]          # 'USA' on line 5 is the same US
    assert alpha["sector"] == "investment banking"   # on_conflict: last
    assert nodes["bank-beta"].props["country"] == ["DE"]  # 'Germany' is DE
    assert nodes["bank-gamma"].props["aliases"] == ["Gamma Trust Co"]
    again = load_paths(any_store, [csv], mapping=mapping)
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)


def test_party_rows_keep_their_own_country(any_store, filings):
    csv, mapping = filings
    load_paths(any_store, [csv], mapping=mapping)
    rels = {(r.src, r.dst): r.props for r in any_store.subgraph(None).rels
            if r.type == "PARTY_TO"}
    assert rels[("bank-alpha", "filing-F-001")] == {"role": "filer", "country": "US"}
    assert rels[("bank-alpha", "filing-F-002")] == {"role": "filer", "country": "GB"}
    assert rels[("bank-beta", "filing-F-003")] == {"role": "beneficiary", "country": "DE"}


@pytest.mark.parametrize("a, b, deals", [
    ("GB", "CY", ["filing-F-002"]),
    ("US", "CY", ["filing-F-002"]),       # bank-alpha is in the US too
    ("GB", "DE", ["filing-F-001"]),       # ... and in GB, for the filing made in the US
    ("CN", "GB", ["filing-F-004"]),
    ("DE", "CY", ["filing-F-003"]),
    ("US", "GB", []),                     # one party in both is not a cross-border deal
])
def test_cross_border_counts_an_entity_in_each_of_its_countries(any_store, filings, a, b, deals):
    csv, mapping = filings
    load_paths(any_store, [csv], mapping=mapping)
    rows = run_saved_query(any_store, "cross-border", {"country_a": a, "country_b": b}).rows
    assert rows == ([{"kind": "payment", "count": len(deals), "deals": deals}] if deals else [])


def test_country_filters_treat_an_entity_as_in_each(any_store, filings):
    csv, mapping = filings
    load_paths(any_store, [csv], mapping=mapping)
    sub = select_subgraph(any_store, Selection(countries=("GB",)))
    assert sorted(n for n in sub.nodes if n.startswith("filing")) == [
        "filing-F-001", "filing-F-002", "filing-F-004"]
    assert entities_where(any_store, "country", "GB") == {"bank-alpha"}
    assert entities_where(any_store, "country", "US") == {"bank-alpha"}


def _mapping_with(tmp_path, filings, old: str, new: str):
    csv, mapping = filings
    text = mapping.read_text()
    assert old in text
    out = tmp_path / "filings.yaml"
    out.write_text(text.replace(old, new))
    (tmp_path / "filings-model.yaml").write_text(
        (mapping.parent / "filings-model.yaml").read_text())
    return csv, out


def test_rule_error_stops_the_load_naming_the_row(embedded_store, filings, tmp_path):
    csv, mapping = _mapping_with(tmp_path, filings, "on_conflict: last", "on_conflict: error")
    with pytest.raises(LoadError) as exc:
        load_paths(embedded_store, [csv], mapping=mapping)
    assert f"{csv}:3: field 'filer_sector': Firm 'bank-alpha' has sector 'investment banking' " \
           "here but 'retail banking' in an earlier row (on_conflict: error" in str(exc.value)
    assert embedded_store.stats()["Firm"] == 0


def test_rule_first_is_the_default_and_dry_run_counts(embedded_store, filings, tmp_path):
    csv, mapping = _mapping_with(tmp_path, filings, ", on_conflict: last", "")
    preview = preview_paths(embedded_store, [csv], mapping=mapping)
    assert preview.as_dict()["warnings"] == {"conflict-country": 1, "conflict-name": 3,
                                             "conflict-sector": 1}
    assert not preview.problems
    load_paths(embedded_store, [csv], mapping=mapping)
    assert embedded_store.subgraph(["bank-alpha"]).nodes["bank-alpha"].props["sector"] == \
        "retail banking"


def test_strict_makes_conflicts_errors(embedded_store, filings):
    csv, mapping = filings
    with pytest.raises(LoadError) as exc:
        load_paths(embedded_store, [csv], mapping=mapping, strict=True)
    assert len(exc.value.problems) == 5
    assert embedded_store.stats()["Firm"] == 0


def test_a_bad_rule_is_named(embedded_store, filings, tmp_path):
    csv, mapping = _mapping_with(tmp_path, filings, "on_conflict: first", "on_conflict: newest")
    with pytest.raises(LoadError, match="on_conflict.*must be one of: first, last, error"):
        load_paths(embedded_store, [csv], mapping=mapping)
