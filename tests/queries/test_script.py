"""Cypher scripts: cutting at ';' outside strings and comments, and running them on a real
server with schema statements apart, read-only unless --write, failures named by statement
and line."""

import pytest

from dealgraph.cli import cli
from dealgraph.errors import DealgraphError
from dealgraph.queries.script import _plan, is_schema, run_cypher_script, split_statements

SCRIPT = """// a comment; with a semicolon
CREATE CONSTRAINT t_id IF NOT EXISTS FOR (n:ScriptTest) REQUIRE n.id IS UNIQUE;
CREATE (:ScriptTest {id: 'a;b', note: "it's; fine"});
/* block; comment
   over lines */ CREATE (:ScriptTest {id: 'c'});

CREATE INDEX t_name IF NOT EXISTS FOR (n:ScriptTest) ON (n.name);
MATCH (n:ScriptTest) RETURN n.id AS id ORDER BY id
"""


def test_statements_are_cut_at_semicolons_outside_strings_and_comments():
    stmts = split_statements(SCRIPT)
    assert [s.number for s in stmts] == [1, 2, 3, 4, 5]
    assert [s.line for s in stmts] == [2, 3, 5, 7, 8]
    assert stmts[1].text == "CREATE (:ScriptTest {id: 'a;b', note: \"it's; fine\"})"
    assert stmts[2].text.endswith("CREATE (:ScriptTest {id: 'c'})")
    assert [is_schema(s) for s in stmts] == [True, False, False, True, False]
    assert split_statements("  ;; // nothing\n") == []
    assert split_statements("RETURN '\\';' AS x")[0].text == "RETURN '\\';' AS x"
    assert split_statements("MATCH (`a;b`) RETURN 1")[0].text == "MATCH (`a;b`) RETURN 1"


def test_schema_statements_get_transactions_of_their_own_and_the_rest_batches():
    stmts = split_statements(SCRIPT)
    plan = [[s.number for s in tx] for tx in _plan(stmts, 1000)]
    assert plan == [[1], [2, 3], [4], [5]]
    assert [[s.number for s in tx] for tx in _plan(stmts, 1)] == [[1], [2], [3], [4], [5]]


def test_scripts_need_neo4j(embedded_store):
    with pytest.raises(DealgraphError, match="need Neo4j"):
        run_cypher_script(embedded_store, "RETURN 1")


@pytest.mark.neo4j
def test_a_script_with_schema_and_data_runs_and_returns_the_last_rows(neo4j_store):
    result = run_cypher_script(neo4j_store, SCRIPT, write=True)
    assert result.columns == ("id",)
    assert [r["id"] for r in result.rows] == ["a;b", "c"]
    assert any("ran 5 statements in 4 transactions" in n for n in result.notes)
    names = {r["name"] for r in neo4j_store.read("SHOW INDEXES YIELD name RETURN name")}
    assert {"t_id", "t_name"} <= names
    neo4j_store.read("MATCH (n:ScriptTest) RETURN count(n) AS n")
    with neo4j_store.driver.session() as s:
        s.run("DROP CONSTRAINT t_id").consume()
        s.run("DROP INDEX t_name").consume()


@pytest.mark.neo4j
def test_a_read_only_script_that_writes_is_refused_before_anything_runs(neo4j_store):
    with pytest.raises(DealgraphError, match=r"statement 2 \(line 3\) writes .*--write; "
                                             r"nothing was run"):
        run_cypher_script(neo4j_store, "RETURN 1;\n\nMERGE (:ScriptTest {id: 'x'});")
    assert neo4j_store.read("MATCH (n:ScriptTest) RETURN count(n) AS n")[0]["n"] == 0


@pytest.mark.neo4j
def test_a_failure_names_the_statement_and_line_and_what_was_committed(neo4j_store):
    text = "\n".join(["CREATE (:ScriptTest {id: 'a'});", "CREATE (:ScriptTest {id: 'b'});",
                      "CREATE CONSTRAINT t_id2 IF NOT EXISTS FOR (n:ScriptTest) "
                      "REQUIRE n.id IS UNIQUE;",
                      "CREATE (:ScriptTest {id: 'c'});", "CREATE (:ScriptTest {id: 'a'});"])
    with pytest.raises(DealgraphError) as err:
        run_cypher_script(neo4j_store, text, write=True, source="s.cypher")
    msg = str(err.value)
    assert msg.startswith("s.cypher: statement 5 (line 5): Neo4j refused it:")
    assert "the 3 statements before its transaction were committed" in msg
    ids = {r["id"] for r in neo4j_store.read("MATCH (n:ScriptTest) RETURN n.id AS id")}
    assert ids == {"a", "b"}  # 'c' was in the failing transaction, rolled back
    with neo4j_store.driver.session() as s:
        s.run("DROP CONSTRAINT t_id2").consume()


@pytest.mark.neo4j
def test_the_cli_runs_an_exported_script_and_it_round_trips(runner, neo4j_store, neo4j_settings,
                                                            seed_dir, tmp_path):
    neo4j_env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
                 "NEO4J_PASSWORD": neo4j_settings.password}
    from dealgraph.loaders import load_paths
    load_paths(neo4j_store, [seed_dir])
    before = neo4j_store.subgraph(None)
    script = tmp_path / "seed.cypher"
    res = runner.invoke(cli, ["export", "--backend", "neo4j", "--format", "cypher", "-o",
                              str(script)], env=neo4j_env)
    assert res.exit_code == 0, res.output
    neo4j_store.clear()
    res = runner.invoke(cli, ["cypher", "--backend", "neo4j", "--file", str(script)],
                        env=neo4j_env)
    assert res.exit_code == 1 and "read-only unless you add --write" in res.output
    res = runner.invoke(cli, ["cypher", "--backend", "neo4j", "--write", "--file", str(script)],
                        env=neo4j_env)
    assert res.exit_code == 0, res.output
    after = neo4j_store.subgraph(None)
    assert after.nodes == before.nodes and after.rels == before.rels


def test_the_cli_wants_text_or_a_file_not_both(runner, tmp_path):
    script = tmp_path / "s.cypher"
    script.write_text("RETURN 1;")
    assert runner.invoke(cli, ["cypher"]).exit_code == 2
    assert runner.invoke(cli, ["cypher", "RETURN 1", "--file", str(script)]).exit_code == 2
