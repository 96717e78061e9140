"""``dealgraph export`` through the CLI; results checked through the library and readers."""

import json

import networkx as nx
import pytest

from dealgraph.cli import cli
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR, load_paths


@pytest.fixture
def seeded(store_path):
    store = EmbeddedStore(store_path)
    load_paths(store, [SEED_DIR])
    store.close()
    return store_path


def _run(runner, store_path, *args):
    return runner.invoke(cli, ["export", "--store", str(store_path), *args])


def test_json_with_focus_and_filters(runner, seeded, tmp_path):
    out = tmp_path / "x.json"
    result = _run(runner, seeded, "--format", "json", "--focus", "Huawei", "--hops", "2",
                  "--status", "signed,completed", "--kind", "partnership", "--kind", "licence",
                  "-o", str(out), "--title", "Huawei partners")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"Wrote {out}"
    data = json.loads(out.read_text("utf-8"))
    assert data["graph"]["title"] == "Huawei partners"
    assert data["graph"]["question"] == ("2 hop(s) around Huawei; kind in partnership, licence; "
                                         "status in signed, completed")
    deals = [n for n in data["nodes"] if n["type"] == "Deal"]
    assert deals and all(d["kind"] in ("partnership", "licence") and
                         d["status"] in ("signed", "completed") for d in deals)


@pytest.mark.parametrize("fmt,name", [("graphml", "x.graphml"), ("gexf", "x.gexf"),
                                      ("cypher", "x.cypher"), ("report-html", "r.html")])
def test_file_formats(runner, seeded, tmp_path, fmt, name):
    out = tmp_path / name
    result = _run(runner, seeded, "--format", fmt, "--country", "DE", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 500
    if fmt == "graphml":
        g = nx.read_graphml(out)
        assert "mercedes-benz" in g and g.nodes["mercedes-benz"]["type"] == "Firm"


def test_report_md_writes_the_picture_too(runner, seeded, tmp_path):
    out = tmp_path / "r.md"
    result = _run(runner, seeded, "--format", "report-md", "--focus", "xiaomi", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"Wrote {tmp_path / 'r.svg'}" in result.stdout
    assert "![Map of the selection](r.svg)" in out.read_text("utf-8")


def test_dataset_round_trip_through_the_cli(runner, seeded, tmp_path):
    out = tmp_path / "ds"
    result = _run(runner, seeded, "--format", "dataset", "--focus", "Audi", "--as-of", "2023",
                  "-o", str(out))
    assert result.exit_code == 0, result.output
    target = tmp_path / "target.db"
    result = runner.invoke(cli, ["load", "--store", str(target), str(out)])
    assert result.exit_code == 0, result.output
    back = EmbeddedStore(target).subgraph(None)
    assert "audi" in back.nodes and back.of_label("Deal")


def test_csv_directory(runner, seeded, tmp_path):
    out = tmp_path / "tables"
    result = _run(runner, seeded, "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["edges.csv", "nodes.csv"]


def test_empty_selection_is_an_error_and_writes_nothing(runner, seeded, tmp_path):
    out = tmp_path / "x.gexf"
    result = _run(runner, seeded, "--format", "gexf", "--kind", "sanction", "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the selection is empty")
    assert "nothing written" in result.stderr and "Traceback" not in result.output
    assert not out.exists()


def test_errors_are_one_line(runner, seeded, tmp_path):
    result = _run(runner, seeded, "--format", "json", "--focus", "Nobody Inc", "-o",
                  str(tmp_path / "x.json"))
    assert result.exit_code == 1 and result.stderr.startswith("error: no entity matches")
    result = _run(runner, seeded, "--format", "json", "--status", "finished", "-o",
                  str(tmp_path / "x.json"))
    assert result.exit_code == 1 and "unknown value 'finished'" in result.stderr
    result = _run(runner, seeded, "--format", "json", "--query", "partners", "-p", "entity",
                  "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 1 and result.stderr == "error: -p 'entity': expected key=value\n"
    result = _run(runner, seeded, "--format", "json", "-p", "a=b", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 1 and "use it with --query" in result.stderr
    result = _run(runner, seeded, "--format", "pdf", "-o", str(tmp_path / "x"))
    assert result.exit_code == 2


def test_help_has_an_example(runner):
    result = runner.invoke(cli, ["export", "--help"])
    assert result.exit_code == 0 and "Example: dealgraph export" in result.stdout
    from dealgraph.cli.export import FORMATS
    from dealgraph.export import FORMATS as LIBRARY_FORMATS
    assert FORMATS == tuple(LIBRARY_FORMATS)


@pytest.mark.neo4j
def test_neo4j_backend(runner, neo4j_store, neo4j_settings, tmp_path):
    load_paths(neo4j_store, [SEED_DIR])
    out = tmp_path / "n.json"
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password, "DEALGRAPH_BACKEND": "neo4j"}
    result = runner.invoke(cli, ["export", "--format", "json", "--focus", "Xiaomi", "-o", str(out)],
                           env=env)
    assert result.exit_code == 0, result.output
    ids = {n["id"] for n in json.loads(out.read_text("utf-8"))["nodes"]}
    assert "xiaomi" in ids


def test_saved_query_report(runner, seeded, tmp_path):
    out = tmp_path / "q.md"
    result = _run(runner, seeded, "--format", "report-md", "--query", "partners",
                  "-p", "entity=Xiaomi", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "(saved query partners (entity=Xiaomi): Who are" in result.stdout
    text = out.read_text("utf-8")
    assert "**Selection:** saved query partners (entity=Xiaomi): Who are" in text
    result = _run(runner, seeded, "--format", "json", "--query", "partners", "-p",
                  "entity=Xiaomi", "--focus", "Huawei", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 1 and "cannot be combined" in result.stderr
    result = _run(runner, seeded, "--format", "json", "--query", "partners", "-p",
                  "entity=Xiaomi", "--top", "3", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 1 and "--top" in result.stderr
    assert not (tmp_path / "x.json").exists()
    result = _run(runner, seeded, "--format", "json", "--query", "partners", "-o",
                  str(tmp_path / "x.json"))
    assert result.exit_code == 1 and "entity" in result.stderr  # the missing parameter
