"""Validation: every class of error is reported with file, line and field, all at once,
and the store is left exactly as it was."""


import pytest

from dealgraph.errors import LoadError
from dealgraph.loaders import load_paths


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _append(path, line):
    with open(path, "a") as fh:
        fh.write(line + "\n")


def _problems(store, dataset):
    with pytest.raises(LoadError) as err:
        load_paths(store, [dataset])
    return [str(p) for p in err.value.problems]


CASES = {
    "unknown reference": (lambda d: _append(d / "parties.csv", "d-supply,nobody,supplier,"),
                          "parties.csv:10: field 'entity': unknown firm or government or person 'nobody'"),
    "bad date": (lambda d: _edit(d / "deals.csv", "2024-04-01", "2024-04-31"),
                 "deals.csv:2: field 'effective': '2024-04-31' is not a day of that month"),
    "unknown enum": (lambda d: _edit(d / "deals.csv", "supply,signed", "supply,finished"),
                     "deals.csv:2: field 'status': unknown value 'finished'"),
    "duplicate id": (lambda d: _append(d / "firms.csv", "beta,Beta Again,,DE,,,,,"),
                     "firms.csv:6: field 'id': duplicate id 'beta' (first defined at"),
    "duplicate id across kinds": (lambda d: _append(d / "governments.csv", "acme,Acme Gov,,US,national,,,"),
                                  "governments.csv:4: field 'id': duplicate id 'acme'"),
    "stake out of range": (lambda d: _edit(d / "deals.csv", ",3,5,", ",3,105,"),
                           "deals.csv:3: field 'stake_high': 105 is out of range"),
    "stake range reversed": (lambda d: _edit(d / "deals.csv", ",3,5,", ",7,5,"),
                             "deals.csv:3: field 'stake_high': 5 is below stake_low 7"),
    "missing required field": (lambda d: _edit(d / "deals.csv", "Acme supplies Beta", ""),
                               "deals.csv:2: field 'title': is required"),
    "deal without source": (lambda d: _edit(d / "deals.csv", "Multi-year supply of parts,2024-03,2024-04-01,2027,150000000,,USD,,,,,src-one",
                                            "Multi-year supply of parts,2024-03,2024-04-01,2027,150000000,,USD,,,,,"),
                            "deals.csv:2: field 'sources': is required"),
    "wrong kind of reference": (lambda d: _edit(d / "firms.csv", "acme-china,Acme China,,CN,machinery,private,acme",
                                                "acme-china,Acme China,,CN,machinery,private,us-gov"),
                                "firms.csv:3: field 'parent': 'us-gov' is a Government, expected Firm"),
    "value without currency": (lambda d: _edit(d / "deals.csv", "150000000,,USD", "150000000,,"),
                               "deals.csv:2: field 'currency': is required when a value"),
    "deal without parties": (lambda d: _append(d / "deals.csv", "d-lonely,partnership,signed,Alone,,,,,,,,,,,,src-one"),
                             "deals.csv:5: field 'id': deal 'd-lonely' has no parties"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_error_class_names_file_line_and_field(embedded_store, dataset, case):
    mutate, expected = CASES[case]
    mutate(dataset)
    problems = _problems(embedded_store, dataset)
    assert any(expected in p for p in problems), problems
    assert embedded_store.stats()["Deal"] == 0, "nothing may be written"


def test_all_errors_of_a_run_are_reported_together(embedded_store, dataset):
    for case in ("unknown reference", "bad date", "unknown enum", "stake out of range"):
        CASES[case][0](dataset)
    problems = _problems(embedded_store, dataset)
    assert len(problems) == 4, problems


def test_failed_load_leaves_the_store_exactly_as_it_was(embedded_store, dataset, data_dir):
    load_paths(embedded_store, [data_dir / "small"])
    before = embedded_store.subgraph(None)
    _edit(dataset / "firms.csv", "Acme Corp", "Acme Renamed")
    CASES["unknown enum"][0](dataset)
    _problems(embedded_store, dataset)
    after = embedded_store.subgraph(None)
    assert after.nodes == before.nodes and after.rels == before.rels


def test_invalid_record_does_not_cascade_into_reference_errors(embedded_store, dataset):
    CASES["unknown enum"][0](dataset)  # breaks deal d-supply, which parties.csv refers to
    problems = _problems(embedded_store, dataset)
    assert len(problems) == 1, problems


def test_references_may_point_into_the_store(embedded_store, dataset, tmp_path):
    load_paths(embedded_store, [dataset])
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "deals.csv").write_text("id,kind,status,title,sources\nd-new,partnership,in talks,New,src-one\n")
    (extra / "parties.csv").write_text("deal,entity,role\nd-new,beta,partner\nd-new,gamma,partner\n")
    summary = load_paths(embedded_store, [extra])
    assert summary.created == 1
    assert {r.src for r in embedded_store.deal_parties(["gamma"]) if r.dst == "d-new"} == {"beta", "gamma"}
