"""Loads that set bad rows aside (``skip_bad_rows``): every valid row is loaded, each
rejected source row goes unchanged to the rejects file with file, line, field and
reason, rows that depend on a rejected one follow it, and a reload changes nothing.
Run on both stores with the fixtures of tests/data/rows."""

import csv
import gzip
import shutil

import pytest

from dealgraph.errors import LoadError
from dealgraph.loaders import default_rejects_path, load_paths, preview_paths


def _rejects(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _source_lines(path):
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def acquisitions(data_dir):
    rows = data_dir / "rows"
    return rows / "acquisitions.csv", rows / "acquisitions.yaml"


# line -> (field, start of the reason) of every row of acquisitions.csv that is set aside
ACQ_REJECTED = {
    4: ("", "malformed CSV: a quoted cell opened on this line is never closed"),
    8: ("", "row has 11 cells but the header has 10"),
    11: ("", "row has 9 cells but the header has 10 (cut short"),
}


def test_strict_load_reports_each_broken_row_and_loads_nothing(any_store, acquisitions):
    data, mapping = acquisitions
    with pytest.raises(LoadError) as err:
        load_paths(any_store, [data], mapping=mapping)
    assert [(p.line, p.message[:30]) for p in err.value.problems] == \
        [(line, reason[:30]) for line, (_, reason) in sorted(ACQ_REJECTED.items())]
    assert any_store.stats()["Deal"] == 0


def test_broken_csv_rows_are_set_aside_and_reading_recovers(any_store, acquisitions, tmp_path):
    data, mapping = acquisitions
    rejects = tmp_path / "rejects.csv"
    summary = load_paths(any_store, [data], mapping=mapping, skip_bad_rows=True, rejects=rejects)
    assert (summary.rows_loaded, summary.set_aside, summary.rejects) == (7, 3, str(rejects))
    assert summary.warning_counts() == {"implausible-date": 2, "negative-amount": 1}
    stats = any_store.stats()
    assert stats["Deal"] == 7 and stats["Firm"] == 9
    # the rows after the unclosed quote (line 4) were read as rows of their own
    assert "dune-labs" in any_store.subgraph(None).nodes
    lines = _source_lines(data)
    got = _rejects(rejects)
    assert [int(r["line"]) for r in got] == sorted(ACQ_REJECTED)
    for r in got:
        field, reason = ACQ_REJECTED[int(r["line"])]
        assert r["file"] == str(data) and r["field"] == field
        assert r["reason"].startswith(reason)
        assert r["row"] == lines[int(r["line"]) - 1]  # the source row, unchanged

    before = any_store.subgraph(None).sorted()
    again = load_paths(any_store, [data], mapping=mapping, skip_bad_rows=True, rejects=rejects)
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert any_store.subgraph(None).sorted() == before
    assert _rejects(rejects) == got


FILINGS_REJECTED = {
    ("deals.csv", 5): ("status", "unknown value 'finished'"),
    ("deals.csv", 6): ("id", "deal 'd-atlantis' has no parties"),
    ("governments.csv", 3): ("country", ""),  # the country parser's message, naming Atlantis
    ("parties.csv", 8): ("deal", "deal 'd-broken' was set aside"),
    ("parties.csv", 9): ("deal", "deal 'd-broken' was set aside"),
    ("parties.csv", 10): ("deal; entity", "unknown deal 'd-atlantis'"),
}


def test_rows_that_depend_on_a_rejected_row_are_set_aside_too(any_store, data_dir, tmp_path):
    filings = tmp_path / "filings"
    shutil.copytree(data_dir / "rows" / "filings", filings)
    summary = load_paths(any_store, [filings], skip_bad_rows=True)
    target = tmp_path / "filings.rejects.csv"
    assert summary.rejects == str(target) == str(default_rejects_path([filings]))
    got = _rejects(target)
    assert {(r["file"].rsplit("/", 1)[1], int(r["line"])) for r in got} == set(FILINGS_REJECTED)
    for r in got:
        name = r["file"].rsplit("/", 1)[1]
        field, reason = FILINGS_REJECTED[(name, int(r["line"]))]
        assert r["field"] == field and r["reason"].startswith(reason), r
        assert field != "country" or "atlantis" in r["reason"].lower()
        assert r["row"] == _source_lines(filings / name)[int(r["line"]) - 1]
    graph = any_store.subgraph(None)
    assert sorted(n.id for n in graph.of_label("Deal")) == ["d-ancient", "d-future", "d-loan"]
    assert "atlantis-bank" not in graph.nodes
    # nothing half-written: every deal loaded has its parties, none of a set-aside deal
    parties = {(r.src, r.dst) for r in graph.rels if r.type == "PARTY_TO"}
    assert parties == {("kestrel", "d-loan"), ("osprey", "d-loan"), ("osprey", "d-future"),
                       ("kestrel", "d-future"), ("fin-ministry", "d-ancient"),
                       ("kestrel", "d-ancient")}
    # the warnings: values dropped, records kept
    assert summary.warning_counts() == {"end-before-start": 1, "implausible-date": 2}
    assert "end" not in graph.nodes["d-loan"].props
    assert graph.nodes["d-loan"].props["effective"] == "2021-06-01"
    assert "announced" not in graph.nodes["d-ancient"].props
    # the rejects file is not read as data when the directory is loaded again
    shutil.copy(target, filings / "filings.rejects.csv")
    again = load_paths(any_store, [filings], skip_bad_rows=True)
    assert (again.created, again.updated, again.set_aside) == (0, 0, 6)


def test_the_pass_that_finds_no_error_is_the_load(any_store, seed_dir, data_dir, tmp_path,
                                                  monkeypatch):
    """Filings need three passes (the broken rows, then the rows that depended on them,
    then none): the input is read three times, not once more for the load, and what
    the passes that failed had begun to write (in chunks of two records) is gone."""
    import dealgraph.loaders as loaders
    reads, real = [], loaders._stream_paths

    def counted(paths, input_format, mapping, problems, sieve=None):
        reads.append(len(sieve.skip))
        return real(paths, input_format, mapping, problems, sieve)
    monkeypatch.setattr(loaders, "_stream_paths", counted)
    monkeypatch.setattr(loaders, "_load_columnar", lambda *a, **k: None)
    load_paths(any_store, [seed_dir])
    before = any_store.subgraph(None)
    reads.clear()
    monkeypatch.setattr(loaders, "CHUNK", 2)
    summary = load_paths(any_store, [data_dir / "rows" / "filings"], skip_bad_rows=True,
                         rejects=tmp_path / "r.csv")
    assert reads == [0, 3, 6] and summary.set_aside == 6
    after = any_store.subgraph(None)
    assert sorted(set(after.nodes) - set(before.nodes)) == \
        sorted(["d-ancient", "d-future", "d-loan", "kestrel", "osprey", "fin-ministry", "src-reg"])
    assert not [n for n in before.nodes if n not in after.nodes]


def test_strict_with_skip_sets_aside_rows_with_warnings(embedded_store, data_dir, tmp_path):
    summary = load_paths(embedded_store, [data_dir / "rows" / "filings"], skip_bad_rows=True,
                         strict=True, rejects=tmp_path / "r.csv")
    assert summary.warnings == []
    assert summary.set_aside == 6 + 3 + 6  # the warned deals, then their party rows
    assert embedded_store.stats()["Deal"] == 0


def test_dry_run_counts_what_would_load_after_setting_rows_aside(embedded_store, acquisitions):
    data, mapping = acquisitions
    strict = preview_paths(embedded_store, [data], mapping=mapping)
    assert strict.counts == {} and strict.read["Deal"] == 7 and len(strict.problems) == 3
    preview = preview_paths(embedded_store, [data], mapping=mapping, skip_bad_rows=True)
    assert preview.counts["Deal"] == 7 and preview.counts["parties"] == 14
    assert preview.rows_set_aside == 3 and not preview.problems
    assert preview.as_dict()["warnings"] == {"implausible-date": 2, "negative-amount": 1}
    assert embedded_store.stats()["Deal"] == 0


def test_gzip_and_a_stream_load_like_the_file(embedded_store, acquisitions, tmp_path):
    data, mapping = acquisitions
    packed = tmp_path / "acq.csv.gz"
    packed.write_bytes(gzip.compress(data.read_bytes()))
    summary = load_paths(embedded_store, [packed], mapping=mapping, skip_bad_rows=True)
    assert summary.rejects == str(tmp_path / "acq.rejects.csv")
    assert (summary.rows_loaded, summary.set_aside) == (7, 3)
    assert [r["row"] for r in _rejects(summary.rejects)] == \
        [_source_lines(data)[line - 1] for line in sorted(ACQ_REJECTED)]


def test_a_problem_with_the_whole_file_still_stops_the_load(embedded_store, data_dir, tmp_path):
    bad = tmp_path / "ds"
    shutil.copytree(data_dir / "rows" / "filings", bad)
    (bad / "firms.csv").write_text("id,name,colour\nx,X,red\n")
    with pytest.raises(LoadError) as err:
        load_paths(embedded_store, [bad], skip_bad_rows=True, rejects=tmp_path / "r.csv")
    assert [p.field for p in err.value.problems] == ["colour"]
    assert not (tmp_path / "r.csv").exists()
    assert embedded_store.stats()["Deal"] == 0


def test_the_front_door_takes_the_same_options(acquisitions, tmp_path):
    import dealgraph
    data, mapping = acquisitions
    g = dealgraph.open(str(tmp_path / "g.db"))
    preview = g.load(data, mapping=mapping, dry_run=True, skip_bad_rows=True)
    assert preview.counts["Deal"] == 7 and preview.rows_set_aside == 3
    summary = g.load(data, mapping=mapping, skip_bad_rows=True, rejects=tmp_path / "r.csv")
    assert (summary.rows_loaded, summary.set_aside) == (7, 3)
    assert summary.warning_counts() == {"implausible-date": 2, "negative-amount": 1}
    with pytest.raises(LoadError) as err:
        g.load(data, mapping=mapping, strict=True)
    assert err.value.skippable


def test_an_id_given_again_by_a_broken_row_keeps_its_valid_record(any_store, data_dir,
                                                                    tmp_path):
    """A deal given once validly and once by a row with an error: the broken row is the
    one problem (its party rows are not "a Deal, expected Deal", the deal is not
    "without parties"), and skipping bad rows loads the valid deal with its parties."""
    data = tmp_path / "small"
    shutil.copytree(data_dir / "small", data)
    with open(data / "deals.csv", "a", encoding="utf-8") as fh:
        fh.write("d-licence,refused-kind,completed,Again,,2023-06,,,,,,,,,,src-one\n")
    with pytest.raises(LoadError) as err:
        load_paths(any_store, [data])
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "kind")]
    summary = load_paths(any_store, [data], skip_bad_rows=True,
                         rejects=tmp_path / "rejects.csv")
    assert summary.set_aside == 1 and [r["line"] for r in _rejects(tmp_path / "rejects.csv")] \
        == ["5"]
    parties = {(r.src, r.props.get("role")) for r in any_store.subgraph().rels
               if r.dst == "d-licence" and r.type == "PARTY_TO"}
    assert len(parties) == 3
