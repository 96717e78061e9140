"""Read-only by default: ``dealgraph cypher`` without ``--write`` cannot change Neo4j.

Two defences: a textual check that refuses writing clauses before anything is sent
(a convenience that gives a clear message), and the read transaction itself, which
Neo4j refuses to write in. The statements below that slip past the textual check
(procedure names in backticks) prove the second one: Neo4j refuses them, and the
database is byte-for-byte unchanged. With ``--write`` the same statement does write,
which shows that the test would see a write.
"""

from __future__ import annotations

import pytest

from dealgraph.cli import cli
from dealgraph.loaders import load_paths
from dealgraph.queries.adhoc import write_clauses

from .hostile import CYPHER_PROBES, SMALL, dump_neo4j

pytestmark = pytest.mark.neo4j

# Writes that the textual check recognises.
OBVIOUS = [
    "CREATE (n:Firm:Entity {id: 'pwned', name: 'x'})",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n:Firm {id: 'acme'}) SET n.name = 'pwned'",
    "MATCH (n:Firm {id: 'acme'}) REMOVE n.country",
    "MERGE (n:Source {id: 'pwned'})",
    "match (n) where n.id = 'acme' set n.x = 1 return n",
    "MATCH (n) WITH n LIMIT 1 CALL (n) { SET n.pwned = true } RETURN count(*) AS c",
    "UNWIND [1] AS x FOREACH (i IN [x] | CREATE (:Firm {id: 'pwned'}))",
    "MATCH (n:Firm) WITH n LIMIT 1 SET n:Government",
    "MATCH (n) /* comment */ DETACH/**/DELETE n",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL db.clearQueryCaches()",
    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS",
    "CREATE INDEX pwned IF NOT EXISTS FOR (n:Firm) ON (n.pwned)",
    "DROP CONSTRAINT dealgraph_entity_id",
    "ALTER CURRENT USER SET PASSWORD FROM 'a' TO 'b'",
]

# Writes the textual check does not see: only the read transaction stops them.
EVASIVE = [
    "MATCH (n:Firm {id: 'acme'}) CALL `db`.`create`.`setNodeVectorProperty`(n, 'v', [1.0, 2.0])",
    "MATCH (n:Firm {id: 'acme'}) WITH n CALL `db`.`create`.`setNodeVectorProperty`(n, 'name', "
    "[0.0])",
]


def _env(settings) -> dict:
    return {"NEO4J_URI": settings.uri, "NEO4J_USER": settings.user,
            "NEO4J_PASSWORD": settings.password, "DEALGRAPH_BACKEND": "neo4j"}


@pytest.fixture
def loaded(neo4j_store):
    load_paths(neo4j_store, [SMALL])
    return neo4j_store


@pytest.mark.parametrize("text", OBVIOUS + EVASIVE)
def test_cypher_without_write_changes_nothing(runner, loaded, neo4j_settings, text):
    before = dump_neo4j(loaded.driver, loaded.database)
    result = runner.invoke(cli, ["cypher", text], env=_env(neo4j_settings))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert dump_neo4j(loaded.driver, loaded.database) == before
    if text in EVASIVE:
        assert write_clauses(text) == []  # the textual check missed it...
        assert "refused by Neo4j" in lines[0]  # ...and the read transaction refused it


def test_the_evasive_write_does_write_with_the_flag(runner, loaded, neo4j_settings):
    """The control: with --write the statement changes the database, so the test above
    would have seen the change."""
    before = dump_neo4j(loaded.driver, loaded.database)
    result = runner.invoke(cli, ["cypher", "--write", EVASIVE[0]], env=_env(neo4j_settings))
    assert result.exit_code == 0, result.output
    assert dump_neo4j(loaded.driver, loaded.database) != before
    assert loaded.read("MATCH (n:Firm {id: 'acme'}) RETURN n.v AS v")[0]["v"] == [1.0, 2.0]


@pytest.mark.parametrize("probe", CYPHER_PROBES)
def test_parameters_are_values_not_cypher(runner, loaded, neo4j_settings, probe):
    """-p values are sent as parameters: a value holding Cypher is just a string."""
    before = dump_neo4j(loaded.driver, loaded.database)
    result = runner.invoke(cli, ["cypher", "MATCH (n:Entity) WHERE n.name = $name "
                                 "RETURN n.id AS id, $name AS echoed", "-p", f"name={probe}",
                                 "--format", "json"], env=_env(neo4j_settings))
    assert result.exit_code == 0, result.output
    assert dump_neo4j(loaded.driver, loaded.database) == before


@pytest.mark.parametrize("probe", CYPHER_PROBES[:6])
@pytest.mark.parametrize("query", ["partners", "timeline", "network"])
def test_saved_query_parameters_cannot_inject(runner, loaded, neo4j_settings, probe, query):
    before = dump_neo4j(loaded.driver, loaded.database)
    result = runner.invoke(cli, ["query", "run", query, "-p", f"entity={probe}"],
                           env=_env(neo4j_settings))
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("error: ")
    assert dump_neo4j(loaded.driver, loaded.database) == before
