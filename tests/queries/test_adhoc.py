"""Ad-hoc Cypher: read-only unless --write (proved against a real Neo4j), and a clear
message on the embedded store."""

from __future__ import annotations

import pytest

from dealgraph.errors import DealgraphError, ParameterError
from dealgraph.loaders import load_paths
from dealgraph.queries import adhoc
from dealgraph.cli.main import parse_params
from dealgraph.queries.adhoc import parse_value, run_cypher_text, write_clauses


@pytest.mark.parametrize("text,found", [
    ("CREATE (n:Firm:Entity {id: 'x'})", ["CREATE"]),
    ("match (n) detach delete n", ["DETACH DELETE"]),
    ("MATCH (n) DELETE n", ["DELETE"]),
    ("MERGE (n:Firm {id: 'x'}) RETURN n", ["MERGE"]),
    ("MATCH (n:Firm) SET n.name = 'y'", ["SET"]),
    ("MATCH (n:Firm) REMOVE n:Firm", ["REMOVE"]),
    ("DROP CONSTRAINT dealgraph_entity_id", ["DROP"]),
    ("LOAD CSV FROM 'file:///x.csv' AS row RETURN row", ["LOAD CSV"]),
    ("MATCH (n) CALL (n) { RETURN n.id AS id } IN TRANSACTIONS RETURN id", ["IN TRANSACTIONS"]),
    ("FOREACH (x IN [1] | CREATE (:X))", ["FOREACH", "CREATE"]),
    ("CALL db.createLabel('X')", ["CALL db.createLabel"]),
    ("CALL dbms.setConfigValue('a', 'b')", ["CALL dbms.setConfigValue"]),
    ("CALL apoc.create.node(['X'], {})", ["CALL apoc.create.node"]),
    ("ALTER DATABASE neo4j SET ACCESS READ ONLY", ["ALTER", "SET"]),
    ("GRANT ROLE admin TO bob", ["GRANT"]),
    ("MATCH (n) /* harmless */ WITH n\n// note\nCREATE (m)", ["CREATE"]),
])
def test_writes_are_found(text, found):
    assert write_clauses(text) == found


@pytest.mark.parametrize("text", [
    "MATCH (n:Firm) RETURN n.id, n.name",
    "MATCH (n) WHERE n.title CONTAINS 'CREATE' OR n.note = \"set\" RETURN n",
    "MATCH (n) RETURN n.set AS `set`, n.create_date, {delete: 1} AS m",
    "MATCH (n) RETURN n.x AS set, n.y AS Delete",
    "MATCH (n:Create) RETURN count(n)  // CREATE nothing",
    "/* MERGE */ MATCH (d:Deal) WHERE d.status = 'rejected' RETURN d.id ORDER BY d.id",
    "CALL db.labels() YIELD label RETURN label",
    "CALL db.schema.visualization()",
    "SHOW INDEXES",
    "MATCH p = shortestPath((a:Entity {id: $a})-[*]-(b:Entity {id: $b})) RETURN p",
])
def test_reads_pass(text):
    assert write_clauses(text) == []


def test_param_values():
    assert parse_value("5") == 5
    assert parse_value("true") is True
    assert parse_value('["a", "b"]') == ["a", "b"]
    assert parse_value("huawei") == "huawei"
    assert parse_value('"123"') == "123"
    assert parse_params(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(ParameterError, match="expected key=value"):
        parse_params(["novalue"])
    with pytest.raises(ParameterError, match="^a: given twice"):
        parse_params(["a=1", "a=2"])


def test_embedded_store_runs_the_subset_and_refuses_the_rest(embedded_store, seed_dir):
    load_paths(embedded_store, [seed_dir])
    rows = run_cypher_text(embedded_store, "MATCH (f:Firm {id: $id}) RETURN f.name", {"id": "xiaomi"})
    assert rows.columns == ("f.name",) and rows.rows == [{"f.name": "Xiaomi"}]
    with pytest.raises(DealgraphError) as info:
        run_cypher_text(embedded_store, "MATCH (n) SET n.x = 1")
    assert "not supported on the embedded store: statements that write (SET)" in str(info.value)
    with pytest.raises(DealgraphError, match="^write=True needs Neo4j"):
        run_cypher_text(embedded_store, "MATCH (n) RETURN n.id", write=True)


@pytest.mark.neo4j
def test_reads_return_rows(neo4j_store, seed_dir):
    load_paths(neo4j_store, [seed_dir])
    result = run_cypher_text(neo4j_store, "MATCH (f:Firm) WHERE $cc IN f.country AND f.id "
                             "STARTS WITH $prefix RETURN f.id AS id, f ORDER BY id",
                             {"cc": "DE", "prefix": "audi"})
    assert result.columns == ("id", "f")
    assert [r["id"] for r in result.rows] == ["audi"]
    assert result.rows[0]["f"]["_labels"] == ["Entity", "Firm"]
    assert result.rows[0]["f"]["name"] == "Audi"
    path = run_cypher_text(neo4j_store, "MATCH p = (:Firm {id: 'xiaomi'})-[:PARTY_TO]->(d:Deal) "
                           "RETURN p ORDER BY d.id LIMIT 1").rows[0]["p"]
    assert path[0]["id"] == "xiaomi" and path[1]["_type"] == "PARTY_TO"
    assert path[2]["_labels"] == ["Deal"]


@pytest.mark.neo4j
def test_writes_are_refused_and_change_nothing(neo4j_store, seed_dir, monkeypatch):
    load_paths(neo4j_store, [seed_dir])
    before = neo4j_store.stats()
    statement = ("MATCH (f:Firm {id: 'xiaomi'}) SET f.name = 'hacked' "
                 "CREATE (:Firm:Entity {id: 'x'})")
    with pytest.raises(DealgraphError, match="read-only unless you add write=True"):
        run_cypher_text(neo4j_store, statement)
    # Without the check in dealgraph, the server's read transaction refuses it too.
    monkeypatch.setattr(adhoc, "write_clauses", lambda text: [])
    with pytest.raises(DealgraphError, match="refused by Neo4j: the statement writes"):
        run_cypher_text(neo4j_store, statement)
    assert neo4j_store.stats() == before
    name = neo4j_store.read("MATCH (f:Firm {id: 'xiaomi'}) RETURN f.name AS name")[0]["name"]
    assert name == "Xiaomi"


@pytest.mark.neo4j
def test_write_flag_allows_writes(neo4j_store):
    result = run_cypher_text(neo4j_store, "CREATE (s:Source {id: 'tmp', title: $t}) "
                             "RETURN s.id AS id", {"t": "x"}, write=True)
    assert result.rows == [{"id": "tmp"}]
    assert any("nodes created 1" in n for n in result.notes)
    assert neo4j_store.stats()["Source"] == 1


@pytest.mark.neo4j
def test_cypher_errors_are_one_line(neo4j_store):
    with pytest.raises(DealgraphError) as info:
        run_cypher_text(neo4j_store, "MATCH (n RETURN n")
    assert "\n" not in str(info.value) and "Neo4j refused the statement" in str(info.value)
