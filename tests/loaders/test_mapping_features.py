"""Mapping features for real exports: column transforms, templates over mapped values,
Excel sheets, ids that say how to fix them, and YAML alias bombs refused."""

import pytest

from dealgraph.errors import LoadError
from dealgraph.loaders import load_paths, preview_paths
from dealgraph.loaders.mapping import read_mapping


@pytest.fixture
def rows_dir(data_dir):
    return data_dir / "rows"


def test_transforms_and_templates_over_mapped_values(any_store, rows_dir):
    load_paths(any_store, [rows_dir / "transforms.csv"], mapping=rows_dir / "transforms.yaml")
    graph = any_store.subgraph(None)
    alder = graph.nodes["alder-robotics"].props  # strip_prefix then strip_suffix
    assert (alder["name"], alder["country"], alder["aliases"]) == \
        ("Alder Robotics", ["DE"], ["ALDR"])  # trim + case: title; case: upper; regex capture
    assert graph.nodes["cedar-semi"].props["name"] == "Cedar Semiconductors"
    assert {"lotus-peak", "northwind"} <= set(graph.nodes)  # regex capture for an id
    deals = {n.props["summary"]: n.props["title"] for n in graph.of_label("Deal")}
    assert deals == {  # lookup (exact, then ignoring case); templates over mapped values
        "Series A": "Lotus Peak Capital invests in Alder Robotics (Series A)",
        "Seed round": "Northwind Holdings invests in Cedar Semiconductors (Seed round)"}
    titles = sorted(n.props["title"] for n in graph.of_label("Source"))
    assert titles == ["Seed round of Cedar Semiconductors", "series_a round of Alder Robotics"]


def test_a_regex_that_does_not_match_is_a_problem_of_the_row(embedded_store, rows_dir, tmp_path):
    data = tmp_path / "t.csv"
    text = (rows_dir / "transforms.csv").read_text()
    data.write_text(text.replace("/organization/northwind", "northwind"))
    with pytest.raises(LoadError) as err:
        load_paths(embedded_store, [data], mapping=rows_dir / "transforms.yaml")
    assert [str(p) for p in err.value.problems] == [
        f"{data}:3: field 'Investor Permalink': 'northwind' does not match the transform "
        "regex '^/organization/(.+)$'"]


@pytest.mark.parametrize("spec, message", [
    ("{column: A, transform: {strip: x}}", "unknown transform; expected one of: trim,"),
    ("{column: A, transform: {regex: '('}}", "is not a regular expression"),
    ("{column: A, transform: {regex: 'abc'}}", "needs a group in parentheses"),
    ("{column: A, transform: {case: shout}}", "must be one of: lower, upper, title"),
    ("{column: A, transform: [{trim: 3}]}", "must be true (white space) or the characters"),
    ("{template: '{target.colour}'}", "template slot {target.colour}: target has no mapped"),
])
def test_bad_transforms_and_slots_name_the_mapping_line(tmp_path, spec, message):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("entities:\n  target:\n    type: Firm\n    name: " + spec + "\n")
    with pytest.raises(LoadError) as err:
        read_mapping(mapping)
    assert any(p.line == 4 and message in p.message for p in err.value.problems), \
        err.value.problems


def test_a_permalink_id_error_names_the_fix(embedded_store, rows_dir, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text((rows_dir / "acquisitions.yaml").read_text()
                       .replace(", transform: {strip_prefix: /organization/}", ""))
    preview = preview_paths(embedded_store, [rows_dir / "acquisitions.csv"], mapping=mapping)
    first = preview.problems[0]
    assert (first.line, first.field) == (2, "acquired_permalink")
    assert first.message.startswith("'/organization/alder-robotics' is not a valid id")
    assert "`transform: [{strip_prefix: /organization/}]`" in first.message
    assert "`slug: true`" in first.message
    # while errors stand nothing would be loaded, and the counts say so
    assert preview.counts == {} and preview.as_dict()["would_load"] == {}


def test_an_excel_sheet_loads_through_a_mapping(any_store, rows_dir, tmp_path):
    summary = load_paths(any_store, [rows_dir / "deals.xlsx"],
                         mapping=rows_dir / "deals-xlsx.yaml", skip_bad_rows=True,
                         rejects=tmp_path / "r.csv")
    assert (summary.rows_loaded, summary.set_aside) == (2, 1)
    graph = any_store.subgraph(None)
    deal = next(n for n in graph.of_label("Deal") if n.props.get("value"))
    assert deal.props["announced"] == "2015-03-25" and deal.props["value"] == 56900000
    assert graph.nodes["northwind-holdings"].props["country"] == ["CN"]
    import csv
    with open(tmp_path / "r.csv", newline="") as fh:
        (rejected,) = list(csv.DictReader(fh))
    assert (rejected["line"], rejected["field"]) == ("5", "Target Country")
    assert "narnia" in rejected["reason"].lower() and "country" in rejected["reason"]
    assert rejected["row"] == "Harbour Light Group,CN,Dune Labs,Narnia,2018-06-30,320"


def test_a_missing_sheet_is_named(embedded_store, rows_dir, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text((rows_dir / "deals-xlsx.yaml").read_text().replace("sheet: Deals",
                                                                          "sheet: Data"))
    with pytest.raises(LoadError) as err:
        load_paths(embedded_store, [rows_dir / "deals.xlsx"], mapping=mapping)
    assert "'Data' is not a sheet of" in str(err.value) and "(it has: Notes, Deals)" in \
        str(err.value)


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]")
    return "\n".join(lines) + f"\nentities: *a{levels}\n"


def test_a_yaml_alias_bomb_is_refused_in_one_line(embedded_store, rows_dir, tmp_path):
    import tracemalloc
    mapping = tmp_path / "bomb.yaml"
    mapping.write_text(_alias_bomb())
    dataset = tmp_path / "firms.yaml"
    dataset.write_text(_alias_bomb().replace("entities:", "firms:"))
    tracemalloc.start()
    with pytest.raises(LoadError) as err:
        load_paths(embedded_store, [rows_dir / "acquisitions.csv"], mapping=mapping)
    with pytest.raises(LoadError) as err2:
        load_paths(embedded_store, [dataset])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50_000_000
    for e, path in ((err, mapping), (err2, dataset)):
        (problem,) = e.value.problems
        assert problem.file == str(path) and "\n" not in str(problem)
        assert "aliases (*name) expand it to" in problem.message


# -- docs/mapping.md shows these features as they are --------------------------------------

def _doc_block(doc: str, after: str, lang: str) -> str:
    start = doc.index(f"```{lang}\n", doc.index(after)) + len(lang) + 4
    return doc[start:doc.index("```", start)]


def test_docs_worked_examples_are_the_fixtures_and_what_a_load_prints(
        data_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from dealgraph.cli import cli
    root = data_dir.parents[1]
    doc = (root / "docs" / "mapping.md").read_text(encoding="utf-8")
    rows = data_dir / "rows"
    for name in ("acquisitions.csv", "transforms.csv"):
        assert f"```csv\n{(rows / name).read_text()}```" in doc, f"{name} is stale in the docs"
    for name in ("acquisitions.yaml", "transforms.yaml", "deals-xlsx.yaml"):
        assert f"```yaml\n{(rows / name).read_text()}```" in doc, f"{name} is stale in the docs"

    monkeypatch.chdir(root)
    runner = CliRunner()
    base = ["load", "tests/data/rows/acquisitions.csv", "--mapping",
            "tests/data/rows/acquisitions.yaml", "--store", str(tmp_path / "s.db")]
    strict = runner.invoke(cli, base)
    shown = _doc_block(doc, "Without options nothing is loaded", "sh").splitlines()
    assert strict.exit_code == 1 and strict.stderr.splitlines() == shown[1:]
    rejects = tmp_path / "r.csv"
    skip = runner.invoke(cli, base + ["--skip-bad-rows", "--rejects", str(rejects)])
    shown = _doc_block(doc, "With `--skip-bad-rows` the seven", "sh").splitlines()
    assert skip.exit_code == 0
    assert [line for line in skip.stdout.splitlines() if not line.startswith("rejects ")] == \
        [line for line in shown[1:] if not line.startswith("rejects ")]
    assert rejects.read_text() .replace("\r\n", "\n") == \
        _doc_block(doc, "`tests/data/rows/acquisitions.rejects.csv`:", "csv")
    dry = runner.invoke(cli, ["load", "tests/data/rows/filings", "--dry-run", "--skip-bad-rows",
                              "--store", str(tmp_path / "none.db")])
    shown = _doc_block(doc, "A dry run shows what a load would do", "sh").splitlines()
    assert dry.exit_code == 0 and dry.stdout.splitlines() == shown[1:]
    assert not (tmp_path / "none.db").exists()  # a dry run creates no store file


def test_permalinks_of_a_real_export_need_a_slug_and_a_shifted_last_line_is_caught(
        any_store, rows_dir, tmp_path):
    """tests/data/rows/permalinks.csv: the failures of a real Crunchbase export (accents and
    a slash inside permalinks, a typographic apostrophe, a cut-off last line whose cells
    shifted but whose width is the header's)."""
    data = rows_dir / "permalinks.csv"
    plain = load_paths(any_store, [data], mapping=rows_dir / "acquisitions.yaml",
                       skip_bad_rows=True, rejects=tmp_path / "a.csv")
    assert (plain.rows_loaded, plain.set_aside) == (1, 4)
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert "'aïmago' is not a valid id" in text and "`slug: true`" in text
    assert "strip what comes before the name with `transform: [{strip_prefix: fisher/}]`" \
        in text
    slugged = tmp_path / "slug.yaml"
    slugged.write_text((rows_dir / "acquisitions.yaml").read_text().replace(
        "transform: {strip_prefix: /organization/}}",
        "transform: {strip_prefix: /organization/}, slug: true}").replace(
        'transform: {regex: "^/organization/(.+)$"}}',
        'transform: {regex: "^/organization/(.+)$"}, slug: true}'))
    summary = load_paths(any_store, [data], mapping=slugged, skip_bad_rows=True,
                         rejects=tmp_path / "b.csv")
    assert (summary.rows_loaded, summary.set_aside) == (4, 1)
    ids = set(any_store.subgraph(None).nodes)
    assert {"aimago", "fisher-unitech", "compass-solutions", "credit-mutuel-arkea"} <= ids
    import csv
    with open(tmp_path / "b.csv", newline="", encoding="utf-8") as fh:
        (shifted,) = list(csv.DictReader(fh))
    assert shifted["line"] == "6" and shifted["reason"]  # cells shifted: no source url
    assert shifted["row"] == data.read_text(encoding="utf-8").splitlines()[5]


def test_gzipd_json_lines_and_standard_input(embedded_store, data_dir, tmp_path):
    import gzip
    import subprocess
    import sys
    mdir = data_dir / "mapping"
    packed = tmp_path / "filings.jsonl.gz"
    packed.write_bytes(gzip.compress((mdir / "filings.jsonl").read_bytes()))
    first = load_paths(embedded_store, [packed], mapping=mdir / "filings.yaml")
    assert first.created > 0
    again = load_paths(embedded_store, [mdir / "filings.jsonl"], mapping=mdir / "filings.yaml")
    assert (again.created, again.updated) == (0, 0)  # the same records as the plain file
    # `-` is standard input, in a real process (a pipe)
    store = tmp_path / "piped.db"
    proc = subprocess.run(
        [sys.executable, "-m", "dealgraph", "load", "-", "--mapping",
         str(data_dir / "rows" / "acquisitions.yaml"), "--store", str(store),
         "--skip-bad-rows", "--rejects", str(tmp_path / "r.csv"), "--json"],
        input=(data_dir / "rows" / "acquisitions.csv").read_bytes(), capture_output=True,
        cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    import json
    out = json.loads(proc.stdout)
    assert (out["rows_loaded"], out["rows_set_aside"]) == (7, 3)
    assert (tmp_path / "r.csv").read_text().splitlines()[1].startswith("/dev/stdin,4,")
