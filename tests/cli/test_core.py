"""The core commands through the CLI: load, stats, demo; errors as lines, not tracebacks."""

import json
import shutil

from dealgraph.cli import cli
from dealgraph.graph.embedded import EmbeddedStore


def test_load_then_stats_json(runner, data_dir, store_path):
    result = runner.invoke(cli, ["load", "--store", str(store_path), str(data_dir / "small")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["stats", "--store", str(store_path), "--format", "json"])
    stats = json.loads(result.stdout)
    assert {k: stats[k] for k in ("Firm", "Government", "Person", "Deal", "Source")} == \
        {"Firm": 4, "Government": 2, "Person": 1, "Deal": 3, "Source": 1}
    assert EmbeddedStore(store_path).stats()["parties"] == 8


def test_store_from_environment(runner, data_dir, store_path):
    result = runner.invoke(cli, ["load", str(data_dir / "small")],
                           env={"DEALGRAPH_STORE": str(store_path)})
    assert result.exit_code == 0, result.output
    assert EmbeddedStore(store_path).stats()["Deal"] == 3


def test_bad_input_prints_every_problem_and_no_traceback(runner, data_dir, store_path, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(data_dir / "small", broken)
    deals = broken / "deals.csv"
    deals.write_text(deals.read_text().replace("supply,signed", "supply,finished")
                     .replace(",3,5,", ",3,500,"))
    result = runner.invoke(cli, ["load", "--store", str(store_path), str(broken)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-2] == "2 problems; nothing was loaded."
    assert "--skip-bad-rows" in lines[-1]  # the error says how to load the valid rows
    assert lines[0].startswith(f"error: {deals}:2: field 'status'")
    assert lines[1].startswith(f"error: {deals}:3: field 'stake_high'")
    assert "Traceback" not in result.output
    assert EmbeddedStore(store_path).stats()["Deal"] == 0


def test_dry_run_writes_nothing(runner, data_dir, store_path):
    result = runner.invoke(cli, ["load", "--dry-run", "--json", "--store", str(store_path),
                                 str(data_dir / "small")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["would_load"]["Deal"] == 3
    assert EmbeddedStore(store_path).stats()["Deal"] == 0


def test_missing_path_is_one_line(runner, store_path, tmp_path):
    result = runner.invoke(cli, ["load", "--store", str(store_path), str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 2 and "no such file or directory" in result.stderr


def test_demo_loads_the_seed_into_its_own_store(runner, tmp_path):
    out = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", "--out", str(out)], env={"DEALGRAPH_STORE": None})
    assert result.exit_code == 0, result.output
    assert "22 Deal" in result.stdout
    assert EmbeddedStore(out / "dealgraph.db").stats()["Firm"] == 23
    again = runner.invoke(cli, ["demo", "--out", str(out)])
    assert "0 created" in again.stdout and "56 unchanged" in again.stdout


def test_unknown_backend_is_refused(runner):
    result = runner.invoke(cli, ["stats", "--backend", "oracle"])
    assert result.exit_code == 2 and "oracle" in result.output
