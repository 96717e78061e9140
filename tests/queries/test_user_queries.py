"""User queries from a directory (--queries / DEALGRAPH_QUERIES): .cypher files with a
header, optionally with a Python twin for the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealgraph.errors import DealgraphError
from dealgraph.loaders import load_paths
from dealgraph.queries import all_queries, get_query, run_saved_query
from dealgraph.queries.catalogue import USER_QUERY_EXAMPLE
from dealgraph.synth import generate, write_csv_dataset

QUERIES = Path(__file__).parents[1] / "data" / "queries"


def test_the_sample_is_the_one_in_the_docs():
    assert (QUERIES / "suppliers.cypher").read_text(encoding="utf-8") == USER_QUERY_EXAMPLE


def test_user_queries_join_the_builtin_ones():
    names = all_queries(QUERIES)
    assert {"suppliers", "deal-count", "partners"} <= set(names)
    q = get_query("suppliers", QUERIES)
    assert [p.name for p in q.params] == ["entity", "min_deals"]
    assert q.param("min_deals").default == 1 and not q.param("min_deals").required
    assert q.param("entity").required
    assert q.columns == ("supplier", "name", "deals")
    assert q.networkx is not None
    assert get_query("deal-count", QUERIES).networkx is None


def test_suppliers_on_both_stores(any_store, data_dir):
    load_paths(any_store, [data_dir / "small"])
    rows = run_saved_query(any_store, "suppliers", {"entity": "beta"}, extra_dir=QUERIES).rows
    assert rows == [{"supplier": "acme", "name": "Acme Corp", "deals": 1}]
    assert run_saved_query(any_store, "suppliers", {"entity": "beta"}, as_of="2024-02",
                           extra_dir=QUERIES).rows == []
    with pytest.raises(DealgraphError, match="^min_deals: must be between 1 and 100"):
        run_saved_query(any_store, "suppliers", {"entity": "beta", "min_deals": "0"},
                        extra_dir=QUERIES)


@pytest.mark.neo4j
def test_suppliers_same_rows_on_a_generated_dataset(embedded_store, neo4j_store, tmp_path):
    data = write_csv_dataset(generate(1500, seed=11), tmp_path / "gen")
    load_paths(embedded_store, [data])
    load_paths(neo4j_store, [data])
    compared = 0
    for firm in ("f0", "f1", "f2", "f10", "f77"):
        for params in ({"entity": firm}, {"entity": firm, "min_deals": "2"}):
            for as_of in (None, "2019"):
                left = run_saved_query(embedded_store, "suppliers", params, as_of=as_of,
                                       extra_dir=QUERIES).rows
                right = run_saved_query(neo4j_store, "suppliers", params, as_of=as_of,
                                        extra_dir=QUERIES).rows
                assert left == right
                compared += len(left)
    assert compared > 20


def test_cypher_only_query_runs_on_the_embedded_store(embedded_store, data_dir):
    load_paths(embedded_store, [data_dir / "small"])
    rows = run_saved_query(embedded_store, "deal-count", {}, extra_dir=QUERIES).rows
    deals = [n for n in embedded_store.graph if embedded_store.graph.nodes[n]["label"] == "Deal"]
    assert sum(r["deals"] for r in rows) == len(deals) > 0
    assert rows == sorted(rows, key=lambda r: (-r["deals"], r["kind"]))


def test_cypher_only_query_outside_the_subset_is_refused(embedded_store, data_dir, tmp_path):
    (tmp_path / "later.cypher").write_text(
        "// name: later\n// question: Which deals?\n// columns: deal\n"
        "MATCH (d:Deal) WITH d RETURN d.id AS deal\n", encoding="utf-8")
    load_paths(embedded_store, [data_dir / "small"])
    with pytest.raises(DealgraphError) as info:
        run_saved_query(embedded_store, "later", {}, extra_dir=tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("query later (") and "not supported on the embedded store: WITH" \
        in message and "networkx(g, params)" in message


@pytest.mark.neo4j
def test_cypher_only_query_runs_on_neo4j(neo4j_store, data_dir):
    load_paths(neo4j_store, [data_dir / "small"])
    rows = run_saved_query(neo4j_store, "deal-count", {}, extra_dir=QUERIES).rows
    assert rows == [{"kind": "licence", "deals": 1}, {"kind": "stake_offer", "deals": 1},
                    {"kind": "supply", "deals": 1}]


def _write(tmp_path, name, text, py=None):
    (tmp_path / f"{name}.cypher").write_text(text, encoding="utf-8")
    if py is not None:
        (tmp_path / f"{name}.py").write_text(py, encoding="utf-8")
    return tmp_path


GOOD_HEADER = "// name: q\n// question: Q?\n// columns: a\n"


@pytest.mark.parametrize("text,expected", [
    ("// question: Q?\n// columns: a\nRETURN 1 AS a", "missing header line // name"),
    ("// name: q\n// columns: a\nRETURN 1 AS a", "missing header line // question"),
    ("// name: q\n// question: Q?\nRETURN 1 AS a", "missing header line // columns"),
    (GOOD_HEADER + "// param: x float\nRETURN 1 AS a", "parameter x: unknown type 'float'"),
    (GOOD_HEADER + "// param: x\nRETURN 1 AS a", "a param line needs a name and a type"),
    (GOOD_HEADER + "// param: x int min=a\nRETURN 1 AS a", "min='a' is not a whole number"),
    (GOOD_HEADER + "// param: x int default=9 max=5\nRETURN 1 AS a", "bad default"),
    (GOOD_HEADER + "// param: x str\n// param: x str\nRETURN 1 AS a", "declared twice"),
    (GOOD_HEADER + "// sort: b\nRETURN 1 AS a", "sort column 'b' is not among the columns"),
    ("// name: Bad Name\n// question: Q?\n// columns: a\nRETURN 1 AS a", "bad query name"),
    ("// name: partners\n// question: Q?\n// columns: a\nRETURN 1 AS a", "already taken"),
])
def test_bad_headers_are_reported(tmp_path, text, expected):
    _write(tmp_path, "q", text)
    with pytest.raises(DealgraphError) as info:
        all_queries(tmp_path)
    assert expected in str(info.value)
    assert str(tmp_path / "q.cypher") in str(info.value)


def test_python_twin_without_networkx_is_reported(tmp_path):
    _write(tmp_path, "q", GOOD_HEADER + "RETURN 1 AS a", py="X = 1\n")
    with pytest.raises(DealgraphError, match=r"q\.py: defines no function networkx"):
        all_queries(tmp_path)


def test_broken_python_twin_is_reported(tmp_path):
    _write(tmp_path, "q", GOOD_HEADER + "RETURN 1 AS a",
           py="def networkx(g, params):\n  return [\n")
    with pytest.raises(DealgraphError, match=r"q\.py: cannot load \(SyntaxError"):
        all_queries(tmp_path)


def test_missing_directory_is_reported(tmp_path):
    with pytest.raises(DealgraphError, match="^queries: .* is not a directory"):
        all_queries(tmp_path / "nowhere")


def test_python_twin_runs_on_the_whole_graph_without_scope(embedded_store, data_dir, tmp_path):
    load_paths(embedded_store, [data_dir / "small"])
    _write(tmp_path, "count", "// name: count\n// question: How many nodes?\n// columns: n\n"
           "MATCH (n) RETURN count(n) AS n",
           py="def networkx(g, params):\n    return [{'n': g.number_of_nodes()}]\n")
    rows = run_saved_query(embedded_store, "count", {}, extra_dir=tmp_path).rows
    assert rows == [{"n": embedded_store.graph.number_of_nodes()}]


@pytest.mark.neo4j
def test_a_user_query_that_writes_is_refused_by_neo4j(neo4j_store, data_dir, tmp_path):
    load_paths(neo4j_store, [data_dir / "small"])
    before = neo4j_store.stats()
    _write(tmp_path, "evil", "// name: evil\n// question: Q?\n// columns: n\n"
           "CREATE (x:Firm:Entity {id: 'evil'}) RETURN 1 AS n")
    with pytest.raises(DealgraphError) as info:
        run_saved_query(neo4j_store, "evil", {}, extra_dir=tmp_path)
    assert "read transaction" in str(info.value)
    assert neo4j_store.stats() == before
