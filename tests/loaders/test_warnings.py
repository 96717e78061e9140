"""Warnings: implausible values in optional fields are dropped, the record is loaded,
and the load reports each with file, line and field; ``strict`` makes them errors."""


import pytest

from dealgraph.errors import LoadError
from dealgraph.loaders import load_paths, preview_paths


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


CASES = {
    # end before announced: end dropped, deal kept
    "end-before-start": (("2024-03,2024-04-01,2027", "2024-03,2024-04-01,2023"),
                         "deals.csv:2: field 'end': 2023 is before announced 2024-03; end dropped",
                         ("d-supply", "end", None)),
    "implausible-date": (("2024-03,2024-04-01,2027", "1201-03,2024-04-01,2027"),
                         "deals.csv:2: field 'announced': '1201-03' has an implausible year",
                         ("d-supply", "announced", None)),
    "negative-amount": (("150000000,,USD", "-150000000,,USD"),
                        "deals.csv:2: field 'value': -1.5e+08 is negative",
                        ("d-supply", "value", None)),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_implausible_optional_value_is_dropped_with_a_warning(embedded_store, dataset, code):
    (old, new), message, (node, field, value) = CASES[code]
    _edit(dataset / "deals.csv", old, new)
    summary = load_paths(embedded_store, [dataset])
    assert [w.code for w in summary.warnings] == [code]
    assert message in str(summary.warnings[0])
    assert summary.as_dict()["warnings"] == {code: 1}
    deal = embedded_store.subgraph(None).nodes[node]
    assert deal.props.get(field) == value
    assert deal.props["title"] == "Acme supplies Beta"


@pytest.mark.parametrize("code", sorted(CASES))
def test_strict_turns_warnings_into_errors(embedded_store, dataset, code):
    (old, new), message, _ = CASES[code]
    _edit(dataset / "deals.csv", old, new)
    with pytest.raises(LoadError) as err:
        load_paths(embedded_store, [dataset], strict=True)
    assert any(message in str(p) for p in err.value.problems)
    assert all(p.severity == "error" for p in err.value.problems)
    assert embedded_store.stats()["Deal"] == 0


def test_preview_lists_warnings_and_counts_them_by_kind(embedded_store, dataset):
    _edit(dataset / "deals.csv", "2024-03,2024-04-01,2027", "3201,2024-04-01,2023")
    preview = preview_paths(embedded_store, [dataset])
    assert not preview.problems
    assert preview.as_dict()["warnings"] == {"implausible-date": 1}
    assert preview.counts["Deal"] > 0


def test_each_row_with_the_same_implausible_value_gets_its_warning(embedded_store, dataset):
    _edit(dataset / "deals.csv", "2024-03,2024-04-01,2027", "1201,2024-04-01,2027")
    _edit(dataset / "deals.csv", "2024-01,,,", "1201,,,")
    summary = load_paths(embedded_store, [dataset])
    assert [(w.line, w.field) for w in summary.warnings] == [(2, "announced"), (3, "announced")]
