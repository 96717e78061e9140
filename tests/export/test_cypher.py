"""Cypher export: literals that cannot break out, and a script that a real Neo4j runs to
recreate exactly the subgraph."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealgraph.export import export_subgraph
from dealgraph.export.cypher import cypher_string, literal, render
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.queries.script import run_cypher_script
from tests.export.conftest import HOSTILE


def run_script(store, text: str):
    """Run the script the way its header says: ``dealgraph cypher --write --file``."""
    return run_cypher_script(store, text, write=True)


def _count_all(store) -> tuple[int, int]:
    rows = store.read("MATCH (n) OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, "
                      "count(r) AS r")
    return rows[0]["n"], rows[0]["r"]


# -- literals ---------------------------------------------------------------------------

def test_strings_are_escaped():
    text = cypher_string(HOSTILE + "\n\r\t\u202e\U000f0000😀华为")
    assert text.startswith("'") and text.endswith("'")
    inner = text[1:-1]
    assert not re.search(r"(?<!\\)(?:\\\\)*'", inner)  # every quote is escaped
    assert "\n" not in text and "\r" not in text and "\t" not in text
    assert "\\u202e" in text and "\\udb80\\udc00" in text
    assert "😀华为" in text  # printable characters stay readable


def test_numbers_and_collections():
    assert literal(1.5e20) == "1.5e20"
    assert literal(2.5) == "2.5" and literal(7) == "7"
    assert literal(["a", "b'"]) == "['a', 'b\\'']"
    assert literal({"we`ird": None, "ok": True}) == "{`we``ird`: null, `ok`: true}"


@pytest.mark.neo4j
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), max_size=40))
def test_the_server_reads_every_string_back(neo4j_store, values):
    rows = neo4j_store.read(f"RETURN {literal(values)} AS v")
    assert rows[0]["v"] == values


# -- scripts ------------------------------------------------------------------------------

def test_script_format(seed_embedded, tmp_path, context):
    sub = seed_embedded.subgraph(None)
    path = tmp_path / "seed.cypher"
    assert export_subgraph(sub, "cypher", path, context) == [path]
    lines = path.read_text("utf-8").splitlines()
    statements = [line for line in lines if line.strip() and not line.startswith("//")]
    assert all(s.endswith(";") for s in statements)
    assert statements[0].startswith("CREATE CONSTRAINT dealgraph_entity_id IF NOT EXISTS")
    from dealgraph.export.cypher import schema_statements
    assert len(statements) == len(schema_statements()) + len(sub.nodes) + len(sub.rels)
    assert any(line.startswith("// Selection: test selection") for line in lines)
    assert "cypher-shell" not in path.read_text("utf-8")  # the project does not ship it
    assert any("dealgraph cypher --backend neo4j --write --file" in line for line in lines)


def test_properties_are_written_in_model_order_whatever_order_the_store_gives():
    from dealgraph.graph.records import Node, Rel, Subgraph
    a = Subgraph({"f": Node("f", "Firm", {"country": "CN", "name": "F"}),
                  "d": Node("d", "Deal", {"title": "T", "status": "signed", "kind": "supply",
                                          "sources": ["s"]})},
                 [Rel("f", "PARTY_TO", "d", {"note": "n", "role": "supplier"})])
    b = Subgraph({"d": Node("d", "Deal", {"kind": "supply", "sources": ["s"], "status": "signed",
                                          "title": "T"}),
                  "f": Node("f", "Firm", {"name": "F", "country": "CN"})},
                 [Rel("f", "PARTY_TO", "d", {"role": "supplier", "note": "n"})])
    assert render(a) == render(b)
    assert "SET n = {`id`: 'f', `name`: 'F', `country`: 'CN'}" in render(a)


@pytest.mark.neo4j
def test_script_recreates_the_subgraph(seed_store, neo4j_store, tmp_path):
    sub = seed_store.subgraph(None)
    text = render(sub)
    if seed_store is neo4j_store:
        neo4j_store.clear()
    run_script(neo4j_store, text)
    back = neo4j_store.subgraph(None)
    assert back.nodes == sub.nodes
    assert back.rels == sub.rels
    assert _count_all(neo4j_store) == (len(sub.nodes), len(sub.rels))
    # running it again changes nothing
    run_script(neo4j_store, text)
    assert _count_all(neo4j_store) == (len(sub.nodes), len(sub.rels))
    assert neo4j_store.subgraph(None).nodes == sub.nodes
    names = {r["name"] for r in neo4j_store.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"dealgraph_entity_id", "dealgraph_deal_id", "dealgraph_source_id"} <= names


@pytest.mark.neo4j
def test_the_export_is_byte_identical_from_both_stores(seed_embedded, neo4j_store, tmp_path,
                                                       context):
    load_paths(neo4j_store, [SEED_DIR])
    export_subgraph(seed_embedded.subgraph(None), "cypher", tmp_path / "e.cypher", context)
    export_subgraph(neo4j_store.subgraph(None), "cypher", tmp_path / "n.cypher", context)
    assert (tmp_path / "e.cypher").read_bytes() == (tmp_path / "n.cypher").read_bytes()


@pytest.mark.neo4j
def test_hostile_names_cannot_inject(hostile_store, neo4j_store, tmp_path):
    sub = hostile_store.subgraph(None)
    path = tmp_path / "h.cypher"
    export_subgraph(sub, "cypher", path)
    run_script(neo4j_store, path.read_text("utf-8"))
    back = neo4j_store.subgraph(None)
    assert back.nodes == sub.nodes
    assert back.rels == sub.rels
    assert _count_all(neo4j_store) == (len(sub.nodes), len(sub.rels))  # exactly the subgraph
    assert back.nodes["obrien"].props["name"] == HOSTILE


@pytest.mark.neo4j
def test_a_selection_and_an_existing_graph(neo4j_store, seed_embedded, tmp_path):
    """A script run on a database that already holds the whole seed changes nothing."""
    from dealgraph.graph.select import Selection
    from dealgraph.export import select_for_export
    load_paths(neo4j_store, [SEED_DIR])
    before = neo4j_store.subgraph(None)
    sub = select_for_export(seed_embedded, Selection(focus="Huawei", hops=1))
    run_script(neo4j_store, render(sub))
    after = neo4j_store.subgraph(None)
    assert after.nodes == before.nodes and after.rels == before.rels
