"""The query commands: list, show, run (table, json, csv, --limit, --as-of, --map,
--queries) and ad-hoc cypher; wrong input gives one line, never a traceback."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from dealgraph.cli import cli
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.queries import builtin_queries, run_saved_query

QUERIES = Path(__file__).parents[1] / "data" / "queries"


@pytest.fixture
def seeded(store_path, seed_dir):
    with EmbeddedStore(store_path) as store:
        load_paths(store, [seed_dir])
    return str(store_path)


def invoke(runner, args, env=None):
    return runner.invoke(cli, args, env=env, catch_exceptions=False)


def one_line_error(result, starts: str):
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {starts}"), lines[0]
    assert "Traceback" not in result.output


def test_list(runner):
    result = invoke(runner, ["query", "list", "--format", "json"])
    assert result.exit_code == 0
    listed = {r["name"]: r for r in json.loads(result.stdout)}
    assert set(listed) == set(builtin_queries())
    assert listed["paths"]["parameters"] == "a, b, max_hops"
    table = invoke(runner, ["query", "list"]).stdout
    assert "partners-of-partners" in table and builtin_queries()["exposure"].question in table


def test_list_with_user_queries(runner):
    result = invoke(runner, ["query", "list", "--queries", str(QUERIES)])
    assert "suppliers" in result.stdout and "deal-count" in result.stdout
    result = invoke(runner, ["query", "list"], env={"DEALGRAPH_QUERIES": str(QUERIES)})
    assert "suppliers" in result.stdout


def test_show(runner):
    result = invoke(runner, ["query", "show", "network"])
    assert result.exit_code == 0
    assert "hops (int 1..10; default 2)" in result.stdout
    assert "MATCH (s:Entity {id: $entity})" in result.stdout
    shown = json.loads(invoke(runner, ["query", "show", "paths", "--format", "json"]).stdout)
    assert [p["name"] for p in shown["parameters"]] == ["a", "b", "max_hops"]
    assert shown["cypher"] == builtin_queries()["paths"].cypher


def test_run_table(runner, seeded):
    result = invoke(runner, ["query", "run", "partners", "-p", "entity=Xiaomi", "--store", seeded])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == list(builtin_queries()["partners"].columns)
    assert lines[-1] == "(5 rows)"
    header_starts = [lines[0].index(c) for c in ("partner", "name", "label")]
    assert all(line[header_starts[1] - 2:header_starts[1]] == "  " for line in lines[2:-1])
    assert any(line.startswith("chery ") for line in lines)


def test_run_json_is_keyed_by_the_declared_columns(runner, seeded):
    result = invoke(runner, ["query", "run", "investors", "-p", "target=huawei", "--format",
                             "json", "--store", seeded])
    rows = json.loads(result.stdout)
    columns = builtin_queries()["investors"].columns
    assert all(list(r) == list(columns) for r in rows)
    with EmbeddedStore(seeded) as store:
        assert rows == run_saved_query(store, "investors", {"target": "huawei"}).rows


def test_run_csv_limit_and_as_of(runner, seeded):
    result = invoke(runner, ["query", "run", "timeline", "-p", "entity=huawei", "--format", "csv",
                             "--limit", "2", "--as-of", "2020", "--store", seeded])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["deal"] for r in rows] == ["deal-us-huawei-blacklist-2019",
                                         "deal-huawei-phone-business-sale"]
    assert rows[0]["counterparties"] == "us-commerce"


def test_run_user_query_from_env(runner, seeded):
    """A .cypher query without a Python twin runs on the embedded store too."""
    result = invoke(runner, ["query", "run", "deal-count", "--format", "json", "--store",
                             seeded], env={"DEALGRAPH_QUERIES": str(QUERIES)})
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sum(r["deals"] for r in rows) == 22 and rows[0] == {"kind": "partnership", "deals": 6}


def test_run_map(runner, seeded, tmp_path):
    out = tmp_path / "partners.html"
    result = invoke(runner, ["query", "run", "partners", "-p", "entity=xiaomi", "--map", str(out),
                             "--store", seeded])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "Wrote" in result.stderr
    from dealgraph.viz.render import read_map_data
    ids = {n["id"] for n in read_map_data(out.read_text(encoding="utf-8"))["nodes"]}
    assert {"xiaomi", "chery", "brilliance", "deal-xiaomi-chery-production-talks"} <= ids


@pytest.mark.parametrize("args,starts", [
    (["query", "run", "network", "-p", "entity=Nobody Inc"], "entity: no entity matches"),
    (["query", "run", "network", "-p", "entity=huawei", "-p", "hops=12"],
     "hops: must be between 1 and 10, got 12"),
    (["query", "run", "network", "-p", "entity=huawei", "-p", "hops=many"],
     "hops: expected a whole number"),
    (["query", "run", "paths", "-p", "a=huawei"], "b: missing parameter of query paths"),
    (["query", "run", "paths", "-p", "a=huawei", "-p", "b=xiaomi", "-p", "max_hops=0"],
     "max_hops: must be between 1 and 24"),
    (["query", "run", "brokers", "-p", "limit=-1"], "limit: must be between 1 and 1000"),
    (["query", "run", "exposure", "-p", "government=xiaomi"], "government: xiaomi (Xiaomi)"),
    (["query", "run", "cross-border", "-p", "country_a=CN", "-p", "country_b=Germania Magna"],
     "country_b: 'Germania Magna' is not a country"),
    (["query", "run", "timeline", "-p", "entity=huawei", "-p", "hops=2"],
     "hops: unknown parameter for query timeline"),
    (["query", "run", "timeline", "-p", "entity"], "-p 'entity': expected key=value"),
    (["query", "run", "brokers", "--as-of", "2023-02-30"], "--as-of: '2023-02-30'"),
    (["query", "run", "brokers", "--limit", "0"], "--limit: must be"),
    (["query", "run", "partner"], "no saved query named 'partner'; did you mean partners"),
    (["query", "show", "nothing"], "no saved query named 'nothing'"),
    (["query", "run", "partners", "-p", "entity=x", "--queries", "/nonexistent/dir"],
     "--queries: /nonexistent/dir is not a directory"),
    (["cypher", "MATCH (n) WITH n RETURN n"], "not supported on the embedded store: WITH"),
    (["cypher", "MATCH (n) RETURN n", "--write"], "--write needs Neo4j"),
])
def test_wrong_input_is_one_line(runner, seeded, args, starts):
    store = [] if args[:2] == ["query", "show"] else ["--store", seeded]
    one_line_error(invoke(runner, args + store), starts)


@pytest.mark.neo4j
def test_run_on_neo4j_matches_embedded(runner, seeded, neo4j_store, neo4j_settings, seed_dir):
    load_paths(neo4j_store, [seed_dir])
    env = {"DEALGRAPH_BACKEND": "neo4j", "NEO4J_URI": neo4j_settings.uri,
           "NEO4J_USER": neo4j_settings.user, "NEO4J_PASSWORD": neo4j_settings.password}
    args = ["query", "run", "common-partners", "-p", "a=Huawei", "-p", "b=Xiaomi", "--format",
            "json"]
    on_neo4j = invoke(runner, args, env=env)
    assert on_neo4j.exit_code == 0, on_neo4j.output
    on_embedded = invoke(runner, args + ["--store", seeded, "--backend", "embedded"])
    assert json.loads(on_neo4j.stdout) == json.loads(on_embedded.stdout)
    brokers = invoke(runner, ["query", "run", "brokers"], env=env)
    assert brokers.exit_code == 0 and "note: brokers:" in brokers.stderr


@pytest.mark.neo4j
def test_cypher_command_on_neo4j(runner, neo4j_store, neo4j_settings, seed_dir):
    load_paths(neo4j_store, [seed_dir])
    env = {"DEALGRAPH_BACKEND": "neo4j", "NEO4J_URI": neo4j_settings.uri,
           "NEO4J_USER": neo4j_settings.user, "NEO4J_PASSWORD": neo4j_settings.password}
    result = invoke(runner, ["cypher", "MATCH (f:Firm) WHERE $cc IN f.country RETURN f.id AS id "
                             "ORDER BY id", "-p", "cc=DE", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"id": "audi"}, {"id": "mercedes-benz"},
                                         {"id": "volkswagen"}]
    before = neo4j_store.stats()
    refused = invoke(runner, ["cypher", "MATCH (n:Deal) DETACH DELETE n"], env=env)
    one_line_error(refused, "refused: the statement writes or administers (DETACH DELETE)")
    assert neo4j_store.stats() == before
    written = invoke(runner, ["cypher", "CREATE (:Source {id: 'tmp', title: 't'})", "--write"],
                     env=env)
    assert written.exit_code == 0 and "nodes created 1" in written.stderr
    assert neo4j_store.stats()["Source"] == before["Source"] + 1


def test_table_output_escapes_terminal_control_characters(runner, tmp_path, store_path):
    data = tmp_path / "ds"
    data.mkdir()
    (data / "sources.csv").write_text("id,publisher,title\ns1,Wire,Report\n")
    (data / "firms.csv").write_text('id,name\na,"\x1b[2J\x1b[31mEvil\nCorp"\nb,Good Corp\n')
    (data / "deals.csv").write_text("id,kind,status,title,sources\nd1,partnership,signed,Tie-up,s1\n")
    (data / "parties.csv").write_text("deal,entity,role\nd1,a,partner\nd1,b,partner\n")
    assert invoke(runner, ["load", "--store", str(store_path), str(data)]).exit_code == 0
    table = invoke(runner, ["query", "run", "partners", "-p", "entity=b", "--store", str(store_path)])
    assert "\x1b" not in table.stdout and "\\x1b[2J\\x1b[31mEvil Corp" in table.stdout
    as_json = invoke(runner, ["query", "run", "partners", "-p", "entity=b", "--format", "json",
                              "--store", str(store_path)])
    assert json.loads(as_json.stdout)[0]["name"] == "\x1b[2J\x1b[31mEvil\nCorp"
