"""The columnar load path holds to the row-by-row one: same store, same summary, same
problems in the same order, same rejects file — on the generated 10k dataset and on
every native fixture of tests/data, clean and broken."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import BASE_MODEL
from dealgraph.loaders.columnar import load_columnar
from dealgraph.loaders.validate import _rules_for
from dealgraph.synth import generate, write_csv_dataset

from ..conftest import both_paths as _both
from ..conftest import load_by_path as _load
from ..conftest import loaded_state as _state
from ..conftest import skipping_both_paths

DATA = Path(__file__).parent.parent / "data"
NATIVE_FIXTURES = ["small", "payments", "small.json", "small.yaml"]


@pytest.fixture(scope="module")
def dataset_10k(tmp_path_factory) -> Path:
    return write_csv_dataset(generate(10_000, seed=1), tmp_path_factory.mktemp("d10k") / "data")


def test_the_10k_dataset_loads_column_wise_as_row_by_row(tmp_path, dataset_10k, monkeypatch):
    new = EmbeddedStore(tmp_path / "new.db")
    summary = load_columnar(new, [dataset_10k])
    assert summary is not None and summary.created == 14_038  # the columnar path took it
    old = EmbeddedStore(tmp_path / "old.db")
    assert _load(old, [dataset_10k], False, monkeypatch) == summary
    assert _state(new) == _state(old)
    # again: nothing changes, by either path
    assert load_columnar(new, [dataset_10k]) == _load(old, [dataset_10k], False, monkeypatch)
    assert _state(new) == _state(old)


def test_a_changed_dataset_over_a_stored_one_plans_the_same(tmp_path, monkeypatch):
    stored = write_csv_dataset(generate(2_000, seed=2), tmp_path / "stored")
    changed = tmp_path / "changed"
    shutil.copytree(stored, changed)
    _rewrite(changed / "deals.csv", lambda i, row: {**row, "title": row["title"] + " (revised)"}
             if i % 3 == 0 else row)
    _rewrite(changed / "parties.csv", lambda i, row: None if i % 5 == 0 else
             {**row, "note": "n" if i % 7 == 0 else row["note"]})
    _rewrite(changed / "firms.csv", lambda i, row: {**row, "parent": ""} if i % 4 == 0 else row)
    (new, new_state), (old, old_state) = _both(tmp_path, [changed], monkeypatch,
                                               first=[stored])
    assert new == old and new.updated > 0 and new.rels_removed > 0
    assert new_state == old_state
    assert load_columnar(EmbeddedStore(tmp_path / "probe.db"), [changed]) is not None


@pytest.mark.parametrize("name", NATIVE_FIXTURES)
def test_every_native_fixture_loads_the_same(tmp_path, monkeypatch, name):
    (new, new_state), (old, old_state) = _both(tmp_path, [DATA / name], monkeypatch)
    assert new == old and not isinstance(new, list)
    assert new_state == old_state


def test_quoted_cells_are_read_as_csv_reads_them(tmp_path, monkeypatch):
    """Spreadsheet exports often quote every cell (the header too): the columnar path
    takes such files and stores "Acme" as Acme, a doubled quote as one, as csv does."""
    data = tmp_path / "quoted"
    shutil.copytree(DATA / "small", data)
    for path in data.glob("*.csv"):
        _rewrite(path, lambda i, row: row, quoting=csv.QUOTE_ALL)
    _rewrite(data / "firms.csv", lambda i, row: {**row, "name": 'The "Best", Ltd'}
             if i == 0 else row, quoting=csv.QUOTE_ALL)
    assert '"id","name"' in (data / "firms.csv").read_text(encoding="utf-8")
    assert load_columnar(EmbeddedStore(tmp_path / "probe.db"), [data]) is not None
    (new, new_state), (old, old_state) = _both(tmp_path, [data], monkeypatch)
    assert new == old and not isinstance(new, list)
    assert new_state == old_state
    names = {n.props.get("name") for n in EmbeddedStore(tmp_path / "True.db").iter_nodes()}
    assert 'The "Best", Ltd' in names and not any(str(n).startswith('"') for n in names)


def test_csv_fixtures_take_the_columnar_path_and_others_do_not(tmp_path):
    for name, taken in [("small", True), ("payments", False), ("small.json", False),
                        ("small.yaml", False)]:
        store = EmbeddedStore(tmp_path / f"{name}.db")
        if name == "payments":  # its model extension is put in use by load_paths first
            continue
        assert (load_columnar(store, [DATA / name]) is not None) is taken, name


def _broken(tmp_path: Path, change) -> Path:
    target = tmp_path / "broken"
    shutil.copytree(DATA / "small", target)
    change(target)
    return target


def _append(name: str, text: str):
    def change(root: Path):
        with open(root / name, "a", encoding="utf-8") as fh:
            fh.write(text)
    return change


def _replace(name: str, old: str, new: str, count: int = 1):
    def change(root: Path):
        path = root / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, count), encoding="utf-8")
    return change


BROKEN = {
    "duplicate id": _append("firms.csv", "acme,Acme again,,US,,private,,,\n"),
    "unknown reference": _append("parties.csv", "d-supply,nobody,target,\n"),
    "bad enum": _replace("deals.csv", "rejected", "refused"),
    "implausible date (a warning)": _replace("deals.csv", ",2024-01,", ",1201-01,"),
    "blank line": _append("firms.csv", "\nzte2,ZTE Two,,CN,,private,,,\n"),
    "quoted cell over two lines": _append("firms.csv", 'zte3,"ZTE\nThree",,CN,,private,,,\n'),
    "quoted cells": _append("firms.csv", 'zte4,"ZTE, Four",,CN,,private,,,\n'),
    "padded cell": _append("firms.csv", "zte5,  ZTE Five ,,CN,,private,,,\n"),
    "unknown column": _replace("sources.csv", "publisher", "publisherx"),
    "party row twice": lambda root: _dup_last_line(root / "parties.csv"),
    "a file of only its header": lambda root: _keep_header(root / "people.csv"),
    "deal without parties": _replace("parties.csv", "d-licence,", "d-supply,", count=3),
    # a model extension can give parties the fields the model's rules read
    "a party's value without a currency": lambda root: _party_fields(
        root, "    value: {type: number}\n", "value", "5"),
    "a party's value above its value_high": lambda root: _party_fields(
        root, "    value: {type: number}\n    value_high: {type: number}\n"
        "    currency: {type: currency}\n", "value,value_high,currency", "9,5,USD"),
    "a party's end before its start (a warning)": lambda root: _party_fields(
        root, "    announced: {type: date}\n    end: {type: date}\n", "announced,end",
        "2024-05,2023-01"),
}


def test_no_rule_reads_a_built_in_party_field():
    """The columnar load checks the model's rules on party rows only when an extension
    gives parties fields: so no rule may break on the built-in ones alone."""
    party = BASE_MODEL.kinds["Party"]
    values = {"deal": "d", "entity": "e", "role": "supplier", "note": "n", "country": "US"}
    assert set(values) == set(party.fields)
    assert not any(rule.broken(values) for rule in _rules_for(party))


def _party_fields(root: Path, fields: str, header: str, cells: str) -> None:
    """A model extension giving parties ``fields`` (YAML), their columns ``header`` in
    parties.csv, filled with ``cells`` on the first row and blank on the others."""
    (root / "model.yaml").write_text(f"extension: party-extra\nfields:\n  Party:\n{fields}",
                                     encoding="utf-8")
    path = root / "parties.csv"
    head, first, *rest = path.read_text(encoding="utf-8").splitlines()
    blank = "," * (header.count(",") + 1)
    path.write_text("\n".join([f"{head},{header}", f"{first},{cells}"]
                              + [line + blank for line in rest]) + "\n", encoding="utf-8")


def _keep_header(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _dup_last_line(path: Path) -> None:
    """The last row again, at the end and (so that the two fall in different batches of
    a few rows) after the header."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    last = lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n"
    path.write_text("".join(lines[:1] + [last] + lines[1:]), encoding="utf-8")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_data_gives_the_same_problems_in_the_same_order(tmp_path, monkeypatch, case):
    data = _broken(tmp_path, BROKEN[case])
    (new, new_state), (old, old_state) = _both(tmp_path, [data], monkeypatch)
    assert new == old
    assert new_state == old_state


# for each case: whether the columnar load took each pass (the last one loads)
SKIP_PASSES = {"duplicate id": [False, True], "unknown reference": [False, True],
               # the bad deal, then its party rows, then the rest
               "bad enum": [False, False, True],
               "quoted cells": [True],  # nothing to set aside
               "padded cell": [False]}  # a cell only the row-by-row path trims


@pytest.mark.parametrize("case", sorted(SKIP_PASSES))
def test_skipping_bad_rows_gives_the_same_rejects(tmp_path, monkeypatch, case):
    """Each pass is tried column-wise first: the columnar load refuses while bad rows
    remain and loads the rest once they are set aside."""
    import dealgraph.loaders.columnar as columnar_module
    data = _broken(tmp_path, BROKEN[case])
    results, taken = skipping_both_paths(tmp_path, [data], monkeypatch, columnar_module,
                                         "load_columnar")
    assert taken == SKIP_PASSES[case]
    assert results[0] == results[1]


def _rewrite(path: Path, change, quoting: int = csv.QUOTE_MINIMAL) -> None:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fields, quoting=quoting, lineterminator="\n")
        out.writeheader()
        for i, row in enumerate(rows):
            row = change(i, row)
            if row is not None:
                out.writerow(row)


@pytest.mark.parametrize("case", ["duplicate id", "party row twice", "deal without parties",
                                  "unknown reference", None])
def test_checks_across_batches(tmp_path, monkeypatch, case):
    """Batches of two rows: what spans batches (a repeat, a reference to a later row,
    a deal whose parties come later) is caught at the end, as in one batch."""
    import dealgraph.loaders.columnar as columnar
    monkeypatch.setattr(columnar, "CHUNK", 2)
    data = _broken(tmp_path, BROKEN[case]) if case else DATA / "small"
    (new, new_state), (old, old_state) = _both(tmp_path, [data], monkeypatch)
    assert new == old
    assert new_state == old_state
    if case is None:
        assert load_columnar(EmbeddedStore(tmp_path / "probe.db"), [data]) is not None


def test_lines_it_calls_plain_are_one_csv_row_each():
    """What the quoted-cells check accepts is what csv reads as one row per line, with
    as many rows as lines (5,000 random texts of quotes, commas, CRs and line ends)."""
    import io
    import random

    from dealgraph.loaders.columnar import _quotes_whole
    rng = random.Random(5)
    parts = [b"a", b'"', b",", b"\n", b"\r\n", b'""', b"\r", b"x y", b'"b,c"']
    accepted = 0
    for _ in range(5_000):
        data = b"".join(rng.choice(parts) for _ in range(rng.randrange(1, 14)))
        data += b"" if data.endswith(b"\n") else b"\n"
        if not _quotes_whole(data, piece=rng.choice([1, 4, 1 << 20])):
            continue
        accepted += 1
        text = data.decode()
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        assert len(rows) == text.count("\n"), data
    assert accepted > 500
