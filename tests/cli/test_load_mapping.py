"""`dealgraph load` with --mapping and --format ftm, and its dry run."""

import json

from dealgraph.cli import cli
from dealgraph.graph.embedded import EmbeddedStore


def _load(runner, store_path, *args):
    return runner.invoke(cli, ["load", "--store", str(store_path), *map(str, args)])


def test_load_csv_through_a_mapping(runner, data_dir, store_path):
    m = data_dir / "mapping"
    result = _load(runner, store_path, m / "acquisitions.csv", "--mapping", m / "acquisitions.yaml",
                   "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 21
    stats = EmbeddedStore(store_path).stats()
    assert (stats["Firm"], stats["Deal"], stats["parties"]) == (9, 6, 12)


def test_load_json_lines_through_a_mapping_twice(runner, data_dir, store_path):
    m = data_dir / "mapping"
    for _ in range(2):
        result = _load(runner, store_path, m / "filings.jsonl", "--mapping", m / "filings.yaml",
                       "--json")
        assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"created": 0, "updated": 0, "unchanged": 12,
                                         "relationships_added": 0, "relationships_removed": 0}


def test_load_an_ftm_stream(runner, data_dir, store_path):
    result = _load(runner, store_path, data_dir / "ftm" / "opensanctions-sample.jsonl",
                   "--format", "ftm")
    assert result.exit_code == 0, result.output
    assert "created" in result.stdout
    store = EmbeddedStore(store_path)
    assert store.stats()["Deal"] == 6
    assert store.subgraph(["NK-ivan"]).nodes["NK-ivan"].label == "Person"


def test_dry_run_prints_counts_per_type_and_writes_nothing(runner, data_dir, store_path):
    result = _load(runner, store_path, data_dir / "ftm" / "opensanctions-sample.jsonl",
                   "--format", "ftm", "--json", "--dry-run")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["would_load"]["Person"] == 2 and out["skipped"]["Vessel"] == 1
    assert EmbeddedStore(store_path).stats()["Deal"] == 0


def test_dry_run_with_problems_prints_the_first_20_and_fails(runner, data_dir, store_path, tmp_path):
    m = data_dir / "mapping"
    rows = "".join(f'Firm {i},CN,Target {i},DE,,"Mar 3{i % 10}, 2015",1,USD,completed,'
                   f"https://n.example.org/{i}\n" for i in range(30))
    data = tmp_path / "many.csv"
    data.write_text((m / "acquisitions.csv").read_text().splitlines()[0] + "\n" + rows)
    result = _load(runner, store_path, data, "--mapping", m / "acquisitions.yaml", "--dry-run",
                   "--json")
    assert result.exit_code == 1
    # nothing would be loaded while errors stand; what was read is counted apart
    assert json.loads(result.stdout)["would_load"] == {}
    assert json.loads(result.stdout)["read"]["Deal"] == 30
    assert json.loads(result.stdout)["problems"] == 24   # Mar 32..39, three times each
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 20
    assert errors[0].startswith(f"error: {data}:4: field 'Announced': 'Mar 32, 2015'")
    assert result.stderr.strip().endswith("24 problems (the first 20 shown); nothing would be loaded.")
    assert EmbeddedStore(store_path).stats()["Firm"] == 0


def test_errors_are_lines_with_file_and_line_and_nothing_is_loaded(runner, data_dir, store_path, tmp_path):
    m = data_dir / "mapping"
    data = tmp_path / "bad.csv"
    data.write_text((m / "acquisitions.csv").read_text().replace("Completed", "Done"))
    result = _load(runner, store_path, data, "--mapping", m / "acquisitions.yaml")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {data}:2: field 'Status': unknown value 'Done' (expected one of: rumoured, "
        "in_talks, announced, signed, completed, rejected, cancelled, expired)",
        "1 problem; nothing was loaded.",
        "Add --skip-bad-rows to load the valid rows and set these aside in a rejects file."]
    assert "Traceback" not in result.output
    assert EmbeddedStore(store_path).stats()["Firm"] == 0


def test_a_broken_mapping_file_is_reported_with_its_line(runner, data_dir, store_path, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("entities:\n  a:\n    type: Firm\n    name: {column: Nope}\n")
    result = _load(runner, store_path, data_dir / "mapping" / "acquisitions.csv", "--mapping", mapping)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {mapping}:4: field 'entities.a.name': column 'Nope' "
                                    "is not in the header of")


def test_mapping_and_ftm_do_not_mix(runner, data_dir, store_path):
    m = data_dir / "mapping"
    result = _load(runner, store_path, m / "acquisitions.csv", "--mapping", m / "acquisitions.yaml",
                   "--format", "ftm")
    assert result.exit_code == 2
    assert "cannot be combined" in result.stderr
    result = _load(runner, store_path, m / "acquisitions.csv", "--format", "json")
    assert result.exit_code == 2 and "'json' is not one of 'native', 'ftm'" in result.stderr
