"""The columnar load of mapped CSV files holds to the row-by-row one: same store, same
summary, same problems in the same order — on the mapping fixtures of tests/data, on a
generated acquisitions file, clean and broken, and over a stored load."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders.columnar_mapping import load_mapped_columnar

from ..conftest import both_paths, load_by_path, skipping_both_paths, watch_loader
from ..conftest import loaded_state as _state

MAPPING_DIR = Path(__file__).parent.parent / "data" / "mapping"
ACQ_MAPPING = MAPPING_DIR / "acquisitions.yaml"
DATA = MAPPING_DIR.parent
FIXTURES = [("mapping/acquisitions.csv", "mapping/acquisitions.yaml"),
            ("mapping/filings.csv", "mapping/filings.yaml"),
            ("bank-filings/filings.csv", "bank-filings/filings.yaml")]  # extension, conflicts


def _load(store, paths, mapping, columnar: bool, monkeypatch, **options):
    return load_by_path(store, paths, columnar, monkeypatch, mapping=mapping, **options)


def _both(tmp_path, paths, mapping, monkeypatch, first=None, **options):
    return both_paths(tmp_path, paths, monkeypatch, first=first, mapping=mapping, **options)


def _taken(tmp_path, paths, mapping, monkeypatch) -> bool:
    """Whether load_paths (which first puts a mapping's model extension in use) loads
    ``paths`` column-wise."""
    import dealgraph.loaders.columnar_mapping as columnar_mapping
    with monkeypatch.context() as m:
        taken = watch_loader(m, columnar_mapping, "load_mapped_columnar")
        _load(EmbeddedStore(tmp_path / "taken.db"), paths, mapping, True, monkeypatch)
    return taken == [True]


def _acquisitions(path: Path, rows: int, seed: int = 3, change=None) -> Path:
    """An acquisitions CSV for ACQ_MAPPING: repeated firms (names in either case of
    country: code or name), dates as "Mar 5, 2015", amounts as 5.6E7 or "1,250,000",
    statuses mapped, some rows without a price or sector, some repeated whole."""
    rng = random.Random(seed)
    countries = ["CN", "China", "DE", "Germany", "US", "GB", "Sweden", "HK", "JP", "FR"]
    firms = [(f"Firm {i:04d} Holdings", countries[i % len(countries)]) for i in range(rows // 4)]
    sectors = ["robots", "chips", "pumps", "", "banking"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    out = []
    for i in range(rows):
        a, t = rng.randrange(len(firms)), rng.randrange(len(firms))
        if a == t:
            t = (t + 1) % len(firms)
        r = rng.random()
        price = "" if r < 0.15 else (f"{rng.uniform(1e6, 1e10):.9E}" if r < 0.5
                                     else f"{rng.randrange(10**6, 10**10):,}")
        row = {"Acquirer": firms[a][0], "Acquirer Country": firms[a][1],
               "Target": firms[t][0], "Target Country": firms[t][1],
               "Target Sector": sectors[t % len(sectors)],
               "Announced": f"{rng.choice(months)} {rng.randrange(1, 29)}, "
                            f"{rng.randrange(1990, 2025)}",
               "Price": price, "Currency": "USD" if price else "",
               "Status": rng.choice(["Completed", "completed", "Pending", "Cancelled"]),
               "Source": f"https://www.news.example.org/deal/{i}"}
        out.append(row)
        if i % 97 == 0:
            out.append(dict(row))  # a row given twice: one deal, one source
    if change is not None:
        out = [c for i, r in enumerate(out) if (c := change(i, r)) is not None]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(out[0]))
        w.writeheader()
        w.writerows(out)
    return path


@pytest.mark.parametrize("data,mapping", FIXTURES)
def test_mapping_fixtures_load_column_wise_as_row_by_row(tmp_path, monkeypatch, data, mapping):
    paths, mapping = [DATA / data], DATA / mapping
    assert _taken(tmp_path, paths, mapping, monkeypatch)
    (new, new_state), (old, old_state) = _both(tmp_path, paths, mapping, monkeypatch)
    assert new == old and not isinstance(new, list)
    assert new_state == old_state


@pytest.mark.parametrize("data,mapping", [
    ("rows/transforms.csv", "rows/transforms.yaml"),  # templates naming mapped values
    ("rows/permalinks.csv", "rows/acquisitions.yaml"),  # ids that are not ids
    ("rows/acquisitions.csv", "rows/acquisitions.yaml"),  # broken rows
])
def test_mapping_fixtures_it_refuses_load_as_row_by_row(tmp_path, monkeypatch, data, mapping):
    data, mapping = DATA / data, DATA / mapping
    (new, new_state), (old, old_state) = _both(tmp_path, [data], mapping, monkeypatch)
    assert new == old
    assert new_state == old_state


def test_a_generated_file_loads_the_same_and_again_changes_nothing(tmp_path, monkeypatch):
    data = _acquisitions(tmp_path / "acq.csv", 3_000)
    new = EmbeddedStore(tmp_path / "new.db")
    summary = load_mapped_columnar(new, [data], ACQ_MAPPING)
    assert summary is not None and summary.created > 3_000
    old = EmbeddedStore(tmp_path / "old.db")
    assert _load(old, [data], ACQ_MAPPING, False, monkeypatch) == summary
    assert _state(new) == _state(old)
    again = load_mapped_columnar(new, [data], ACQ_MAPPING)
    assert again == _load(old, [data], ACQ_MAPPING, False, monkeypatch)
    assert again.created == 0 and again.unchanged == summary.created
    assert _state(new) == _state(old)


def test_a_changed_file_over_a_stored_one_plans_the_same(tmp_path, monkeypatch):
    first = _acquisitions(tmp_path / "first.csv", 1_000)
    changed = _acquisitions(tmp_path / "changed.csv", 1_000, change=lambda i, r: None
                            if i % 5 == 0 else {**r, "Target Sector": "optics"}
                            if i % 3 == 0 else r)
    (new, new_state), (old, old_state) = _both(tmp_path, [changed], ACQ_MAPPING, monkeypatch,
                                               first=[first])
    assert new == old and new.updated > 0
    assert new_state == old_state


def _edit(rows: dict):
    """A change of the generated rows: row index -> cells to set."""
    return lambda i, r: {**r, **rows[i]} if i in rows else r


BROKEN = {
    "bad date": _edit({5: {"Announced": "Marchish 5, 2015"}}),
    "implausible date (a warning)": _edit({7: {"Announced": "Mar 5, 1201"}}),
    "unknown country": _edit({9: {"Target Country": "Atlantis"}}),
    "a firm in two countries (a conflict warning)": _edit({11: {"Acquirer": "Firm 0001 Holdings",
                                                                "Acquirer Country": "JP"},
                                                           12: {"Acquirer": "Firm 0001 Holdings",
                                                                "Acquirer Country": "FR"}}),
    "bad amount": _edit({13: {"Price": "twelve"}}),
    "value without currency": _edit({15: {"Price": "5", "Currency": ""}}),
    "a row without parties": _edit({17: {"Acquirer": "", "Target": ""}}),
    "unknown status": _edit({19: {"Status": "Rumoured"}}),
    "a cell over two lines": _edit({21: {"Target": "Two\nLines"}}),
    "padded names": _edit({23: {"Target": "  Firm 0002 Holdings "}}),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_rows_give_the_same_problems_in_the_same_order(tmp_path, monkeypatch, case):
    data = _acquisitions(tmp_path / "acq.csv", 300, change=BROKEN[case])
    (new, new_state), (old, old_state) = _both(tmp_path, [data], ACQ_MAPPING, monkeypatch)
    assert new == old
    assert new_state == old_state


@pytest.mark.parametrize("case", ["bad date", "unknown country", "a row without parties",
                                  "bad amount", "value without currency", "broken CSV rows"])
def test_skipping_bad_rows_gives_the_same_rejects(tmp_path, monkeypatch, data_dir, case):
    """The first pass meets the bad rows (the columnar load refuses, the row-by-row pass
    finds them); the next pass loads the rest column-wise, with the same rejects file
    (the text of each row set aside as the row-by-row reader keeps it: a row cut short,
    one too long, a quote never closed)."""
    import dealgraph.loaders.columnar_mapping as columnar_mapping
    if case == "broken CSV rows":
        data, mapping = data_dir / "rows" / "acquisitions.csv", data_dir / "rows" / "acquisitions.yaml"
    else:
        data, mapping = _acquisitions(tmp_path / "acq.csv", 300, change=BROKEN[case]), ACQ_MAPPING
    results, taken = skipping_both_paths(tmp_path, [data], monkeypatch, columnar_mapping,
                                         "load_mapped_columnar", mapping=mapping)
    assert taken == [False, True]
    assert results[0] == results[1]
    assert results[0][0].set_aside >= 1


def test_a_clean_file_with_skip_bad_rows_counts_its_rows(tmp_path, monkeypatch):
    data = _acquisitions(tmp_path / "acq.csv", 300)
    outcomes = [_load(EmbeddedStore(tmp_path / f"{c}.db"), [data], ACQ_MAPPING, c, monkeypatch,
                      skip_bad_rows=True, rejects=tmp_path / f"{c}.rejects.csv")
                for c in (True, False)]
    for summary in outcomes:
        summary.rejects = None
    assert outcomes[0] == outcomes[1] and outcomes[0].rows_loaded == 304  # 4 rows twice


def test_a_deal_template_naming_mapped_values_loads_column_wise(tmp_path, monkeypatch):
    """"{acquirer.name} acquires {target.name}" is filled row by row from the entities
    as merged so far (a later row's other spelling is an alias, not the name), as the
    row mapper fills it."""
    data = _acquisitions(tmp_path / "acq.csv", 300, change=CONFLICTS)
    mapping = tmp_path / "slot.yaml"
    mapping.write_text(ACQ_MAPPING.read_text(encoding="utf-8").replace(
        '"{Acquirer} acquires {Target}"', '"{acquirer.name} acquires {target.name} ({Status})"'),
        encoding="utf-8")
    assert _taken(tmp_path, [data], mapping, monkeypatch)
    (new, new_state), (old, old_state) = _both(tmp_path, [data], mapping, monkeypatch)
    assert new == old and not isinstance(new, list)
    assert new_state == old_state
    nodes = list(EmbeddedStore(tmp_path / "True.db").iter_nodes())
    names = {n.props["name"] for n in nodes if n.label == "Firm"}
    titles = [n.props["title"] for n in nodes if n.label == "Deal"]
    assert len(titles) > 250 and "FIRM 0002 HOLDINGS" not in names  # an alias, not a name
    for title in titles:  # "<acquirer's name> acquires <target's name> (<status cell>)"
        acquirer, _, rest = title.partition(" acquires ")
        assert acquirer in names and rest.rsplit(" (", 1)[0] in names


def test_features_it_does_not_evaluate_column_wise_go_row_by_row(tmp_path, monkeypatch):
    """A template naming a mapped value outside the deal and JSON Lines input are left
    to the row-by-row path (None, nothing written), whose load is then the one made."""
    data = _acquisitions(tmp_path / "acq.csv", 200)
    text = ACQ_MAPPING.read_text(encoding="utf-8")
    mapped_slot = tmp_path / "slot.yaml"
    mapped_slot.write_text(text.replace("  url: {column: Source}",
                                        '  url: {column: Source}\n  title: {template: "On {target.name}"}'),
                           encoding="utf-8")
    probe = EmbeddedStore(tmp_path / "probe.db")
    assert load_mapped_columnar(probe, [data], mapped_slot) is None
    assert probe.stats()["Deal"] == probe.stats()["Firm"] == 0
    (new, new_state), (old, old_state) = _both(tmp_path, [data], mapped_slot, monkeypatch)
    assert new == old and new_state == old_state
    jsonl = shutil.copy(MAPPING_DIR / "filings.jsonl", tmp_path / "filings.jsonl")
    assert load_mapped_columnar(probe, [jsonl], MAPPING_DIR / "filings.yaml") is None


def test_slices_of_a_few_rows_load_as_one(tmp_path, monkeypatch):
    """Rows read and written 7 at a time: entities completed by later slices, a row
    repeated in another slice and deals whose parties come in a later batch load as
    in one piece."""
    import dealgraph.loaders.columnar_mapping as columnar_mapping
    data = _acquisitions(tmp_path / "acq.csv", 400)
    whole = EmbeddedStore(tmp_path / "whole.db")
    summary = load_mapped_columnar(whole, [data], ACQ_MAPPING)
    monkeypatch.setattr(columnar_mapping, "CHUNK", 7)
    sliced = EmbeddedStore(tmp_path / "sliced.db")
    assert load_mapped_columnar(sliced, [data], ACQ_MAPPING) == summary
    assert _state(sliced) == _state(whole)


def test_a_source_id_column_that_is_not_an_id_goes_row_by_row(tmp_path, monkeypatch):
    """Source ids from a column are taken raw by the mapper; the validator then refuses
    one that is not an id, and so must the columnar path."""
    data = _acquisitions(tmp_path / "acq.csv", 200, change=_edit({3: {"Source": "not an id"}}))
    mapping = tmp_path / "ids.yaml"
    mapping.write_text(ACQ_MAPPING.read_text(encoding="utf-8").replace(
        "  url: {column: Source}", "  id: {column: Source}\n  title: {column: Target}"),
        encoding="utf-8")
    assert load_mapped_columnar(EmbeddedStore(tmp_path / "probe.db"), [data], mapping) is None
    (new, new_state), (old, old_state) = _both(tmp_path, [data], mapping, monkeypatch)
    assert new == old and isinstance(new, list)
    assert new_state == old_state


CONFLICTS = _edit({11: {"Acquirer": "Firm 0001 Holdings", "Acquirer Country": "JP"},
                   12: {"Acquirer": "Firm 0001 Holdings", "Acquirer Country": "FR"},
                   40: {"Target": "FIRM 0002 HOLDINGS"},  # same slug: an alias
                   41: {"Target": "Firm 0002 Holdings", "Target Sector": "optics"},
                   # implausible years: the date dropped with a warning on each row
                   50: {"Announced": "Mar 5, 1201"}, 90: {"Announced": "Mar 5, 1201"},
                   91: {"Announced": "Jan 1, 2999"}})


def test_rows_that_disagree_load_column_wise_with_the_same_warnings(tmp_path, monkeypatch):
    """Conflicts are merged in row order by the row mapper's own rule and implausible
    dates dropped on each row that has one, so a real export whose rows disagree about
    a firm, with a few impossible years, still loads column-wise, with the same warnings
    (file, line, field, message) in the same order."""
    data = _acquisitions(tmp_path / "acq.csv", 300, change=CONFLICTS)
    probe = load_mapped_columnar(EmbeddedStore(tmp_path / "probe.db"), [data], ACQ_MAPPING)
    assert probe is not None and {p.code for p in probe.warnings} >= {
        "conflict-country", "conflict-name", "implausible-date"}
    assert sum(p.code == "implausible-date" for p in probe.warnings) == 3
    (new, new_state), (old, old_state) = _both(tmp_path, [data], ACQ_MAPPING, monkeypatch)
    assert new == old and new.warnings == old.warnings
    assert [(p.file, p.line, p.field, p.message) for p in new.warnings] == \
        [(p.file, p.line, p.field, p.message) for p in old.warnings]
    assert new_state == old_state


def test_under_strict_rows_that_disagree_go_row_by_row(tmp_path, monkeypatch):
    data = _acquisitions(tmp_path / "acq.csv", 300, change=CONFLICTS)
    assert load_mapped_columnar(EmbeddedStore(tmp_path / "probe.db"), [data], ACQ_MAPPING,
                                strict=True) is None
    (new, new_state), (old, old_state) = _both(tmp_path, [data], ACQ_MAPPING, monkeypatch,
                                               strict=True)
    assert new == old and isinstance(new, list)
    assert new_state == old_state


def test_a_record_without_a_required_field_goes_row_by_row(tmp_path, monkeypatch):
    """A bank known by its BIC alone (no name in any row) is a Firm without a name: the
    validator refuses it, so the columnar path must not store it."""
    rows = list(csv.DictReader(open(MAPPING_DIR / "filings.csv", encoding="utf-8")))
    rows[0].update(counterparty_bank="", counterparty_bic="NEWBANK22")
    data = tmp_path / "filings.csv"
    with open(data, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    mapping = MAPPING_DIR / "filings.yaml"
    assert not _taken(tmp_path, [data], mapping, monkeypatch)
    (new, new_state), (old, old_state) = _both(tmp_path, [data], mapping, monkeypatch)
    assert new == old and isinstance(new, list) and "is required" in new[0][3]
    assert new_state == old_state


def test_a_source_url_with_user_info_gets_the_row_paths_publisher(tmp_path, monkeypatch):
    """A URL the simple host pattern does not read (user info before the host) takes its
    publisher from ``_host``, which drops one leading "www." — not a second one
    (columnar once stored publisher "example.org" where the row path stores
    "www.example.org")."""
    data = _acquisitions(tmp_path / "acq.csv", 200, change=_edit(
        {3: {"Source": "https://user@www.www.example.org/a"}}))
    mapping = tmp_path / "nopub.yaml"
    mapping.write_text(ACQ_MAPPING.read_text(encoding="utf-8").replace(
        "  publisher: Example Deal Tracker\n", ""), encoding="utf-8")
    assert "publisher" not in mapping.read_text(encoding="utf-8")
    assert _taken(tmp_path, [data], mapping, monkeypatch)
    (new, new_state), (old, old_state) = _both(tmp_path, [data], mapping, monkeypatch)
    assert new == old and not isinstance(new, list)
    assert new_state == old_state
    assert "www.example.org" in {props.get("publisher")
                                 for label, props in new_state[0][0].values()}
