"""The embedded store's Cypher checker and engine (parity with Neo4j is in
test_cypher_parity.py): values reach the engine exactly, and what it cannot answer as
Neo4j would is refused in one line."""

from __future__ import annotations

import pytest

from dealgraph.errors import ParameterError
from dealgraph.graph.records import Batch, Node, Rel
from dealgraph.loaders import load_paths
from dealgraph.queries.adhoc import run_cypher_text
from dealgraph.queries.graph_cypher import Unsupported, check_statement, engine_graph


@pytest.fixture
def seeded(embedded_store, seed_dir):
    load_paths(embedded_store, [seed_dir])
    return embedded_store


def test_parameters_and_literals_reach_the_engine_exactly(seeded):
    tricky = 'Hua"wei\\ \' // not a comment $x'
    stmt = check_statement("MATCH (f:Firm) WHERE f.name = $n OR f.name = 'a\\'b' RETURN f.id",
                           {"n": tricky})
    assert '"Hua\\"wei\\\\ \' // not a comment $x"' in stmt.text and '"a\'b"' in stmt.text
    rows = run_cypher_text(seeded, "MATCH (f:Firm) WHERE f.name = $n RETURN f.id",
                           {"n": "Xiaomi"}).rows
    assert rows == [{"f.id": "xiaomi"}]
    assert run_cypher_text(seeded, "MATCH (f:Firm) WHERE f.name = $n RETURN f.id",
                           {"n": tricky}).rows == []


@pytest.mark.parametrize("probe", ['"+__import__("os").getcwd()+"', "\\\"); x = (\"",
                                   "'}) MATCH (n) RETURN n //", "*/ RETURN 1 /*"])
def test_hostile_values_are_data_for_the_engine(seeded, probe, monkeypatch):
    import builtins
    calls = []
    real = builtins.__import__
    monkeypatch.setattr(builtins, "__import__",
                        lambda name, *a, **k: calls.append(name) or real(name, *a, **k))
    rows = run_cypher_text(seeded, "MATCH (f:Firm) WHERE f.name = $v OR f.id = $v "
                                   "RETURN f.id", {"v": probe}).rows
    assert rows == [] and "os" not in calls
    with pytest.raises(Unsupported):  # the same text written into the statement
        run_cypher_text(seeded, f"MATCH (f:Firm) WHERE f.name = {probe} RETURN f.id")


def test_comments_and_case(seeded):
    rows = run_cypher_text(seeded, "match (d:Deal) // every deal\n/* all of them */ "
                           "return Count(d) as n").rows
    assert rows == [{"n": seeded.stats()["Deal"]}]


@pytest.mark.parametrize("value", [True, {"a": 1}, float("nan")])
def test_unsupported_parameter_values(seeded, value):
    with pytest.raises(ParameterError, match="^v: "):
        run_cypher_text(seeded, "MATCH (d:Deal) WHERE d.value = $v RETURN d.id", {"v": value})


def test_missing_parameter(seeded):
    with pytest.raises(ParameterError, match=r"^cc: missing parameter \(the statement uses \$cc\)"):
        run_cypher_text(seeded, "MATCH (f:Firm {country: $cc}) RETURN f.id", {})


@pytest.mark.parametrize("text,construct", [
    ("MATCH (a:Firm)-[:SUBSIDIARY_OF]->(b) MATCH (a)-[:SUBSIDIARY_OF]->(b) RETURN b.id",
     "two relationship patterns between a and b"),
    ("MATCH (a:Firm)-[:SUBSIDIARY_OF]->(a) RETURN a.id", "a relationship from a to itself"),
    ("MATCH (a:Firm)-[:SUBSIDIARY_OF*1..]->(b) RETURN b.id", "variable-length steps without both"),
    ("MATCH (a:Firm) RETURN a.id; MATCH (b) RETURN b.id", "several statements"),
    ("MATCH (a:Firm) WHERE a.id =~ 'h.*' RETURN a.id", "the operator =~"),
    ("MATCH (a:`Firm`) RETURN a.id", "`quoted names`"),
    ("MATCH (a:Firm) WHERE a.name = NULL RETURN a.id", "= NULL"),
    ("MATCH (a:Firm) RETURN a.id AS x, a.name AS x", "two RETURN columns with the same name"),
    ("MATCH (a:Firm)", "a statement without RETURN"),
    ("RETURN 1 AS one", "RETURN without MATCH"),
])
def test_refusals_name_the_construct(seeded, text, construct):
    with pytest.raises(Unsupported) as info:
        run_cypher_text(seeded, text)
    message = str(info.value)
    assert message.startswith(f"not supported on the embedded store: {construct}"), message
    assert "\n" not in message


def test_adjacent_nodes_of_one_kind_need_a_store_without_self_loops(embedded_store):
    embedded_store.apply(Batch(nodes=[Node("a", "Firm", {"name": "A"}),
                                      Node("b", "Firm", {"name": "B"})],
                               rels=[Rel("a", "SUBSIDIARY_OF", "b")]))
    text = "MATCH (x:Firm)-[:SUBSIDIARY_OF]->(y:Firm) RETURN x.id, y.id"
    assert run_cypher_text(embedded_store, text).rows == [{"x.id": "a", "y.id": "b"}]
    embedded_store.apply(Batch(nodes=[Node("c", "Firm", {"name": "C", "parent": "c"})],
                               rels=[Rel("c", "SUBSIDIARY_OF", "c")]))
    with pytest.raises(Unsupported, match="self-relationships"):
        run_cypher_text(embedded_store, text)


def test_variable_length_over_a_cycle_is_refused(embedded_store):
    embedded_store.apply(Batch(nodes=[Node("a", "Firm", {"name": "A"}),
                                      Node("b", "Firm", {"name": "B"})],
                               rels=[Rel("a", "SUBSIDIARY_OF", "b"),
                                     Rel("b", "SUBSIDIARY_OF", "a")]))
    with pytest.raises(Unsupported, match="a variable-length step over SUBSIDIARY_OF"):
        run_cypher_text(embedded_store, "MATCH (x:Firm {id: 'a'})-[:SUBSIDIARY_OF*1..3]->(y) "
                                        "RETURN y.id")


def test_the_engine_graph_is_built_once_per_store_version(seeded, seed_dir):
    first = engine_graph(seeded)
    assert engine_graph(seeded) is first
    assert first.nodes["xiaomi"]["__labels__"] == {"Firm", "Entity"}
    assert "label" not in first.nodes["xiaomi"] and first.nodes["xiaomi"]["id"] == "xiaomi"
    seeded.clear()
    assert engine_graph(seeded) is not first
