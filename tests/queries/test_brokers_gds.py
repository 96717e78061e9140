"""``brokers`` on a Neo4j server with Graph Data Science: GDS computes the betweenness,
with the same rows as the Python computation on the embedded store when exact, a note
saying which ran, sample size and seed stated when sampled, and the projection dropped
in every case. ``scripts/neo4j-local`` installs GDS with ``NEO4J_LOCAL_GDS=1`` (as
``scripts/test`` and the test server start do); without it these tests are skipped,
unless ``REQUIRE_NEO4J=1``, where they fail."""

from __future__ import annotations

import os

import pytest

from dealgraph.errors import ParameterError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.queries import access, brokers, run_saved_query
from dealgraph.queries.access import neo4j as neo4j_access
from dealgraph.synth import generate, write_csv_dataset
from tests.queries.conftest import open_neo4j

pytestmark = pytest.mark.neo4j


def _projections(store) -> list[str]:
    return [r["graphName"] for r in store.read(
        "CALL gds.graph.list() YIELD graphName RETURN graphName")]


@pytest.fixture(scope="module")
def gds_seed(seed_neo4j):
    if neo4j_access.gds_version(seed_neo4j) is None:
        if os.environ.get("REQUIRE_NEO4J") == "1":
            pytest.fail("REQUIRE_NEO4J=1 but the Neo4j server has no Graph Data Science "
                        "(start it with NEO4J_LOCAL_GDS=1 scripts/neo4j-local start)",
                        pytrace=False)
        pytest.skip("the Neo4j server has no Graph Data Science")
    return seed_neo4j


@pytest.mark.parametrize("as_of", [None, "2019-01-01"])
def test_exact_gds_rows_equal_the_embedded_stores(seed_embedded, gds_seed, as_of):
    for limit in ("5", "1000"):
        ours = run_saved_query(seed_embedded, "brokers", {"limit": limit}, as_of=as_of)
        gds = run_saved_query(gds_seed, "brokers", {"limit": limit}, as_of=as_of)
        assert gds.rows == ours.rows
        assert any("computed in Python" in n for n in ours.notes)
        note = next(n for n in gds.notes if n.startswith("brokers: exact betweenness"))
        assert "computed by Neo4j GDS 2." in note
    assert _projections(gds_seed) == []


def test_python_is_kept_when_asked(gds_seed):
    result = run_saved_query(gds_seed, "brokers", {"limit": "3", "method": "python"})
    assert [n for n in result.notes if "GDS" in n] == []
    assert any("computed in Python (Brandes)" in n for n in result.notes)


def test_gds_is_refused_where_there_is_none(seed_embedded):
    with pytest.raises(ParameterError, match="method: gds needs a Neo4j server with Graph "
                                             "Data Science"):
        run_saved_query(seed_embedded, "brokers", {"method": "gds"})
    with pytest.raises(ParameterError, match="method: expected one of auto, gds, python"):
        run_saved_query(seed_embedded, "brokers", {"method": "igraph"})


def test_sampled_says_how_and_repeats_with_its_seed(gds_seed):
    params = {"limit": "10", "sources": "8", "seed": "3", "method": "gds"}
    first = run_saved_query(gds_seed, "brokers", params)
    note = next(n for n in first.notes if "ESTIMATED" in n)
    assert "Neo4j GDS" in note and "searches from 8 of 25 entities" in note
    assert "seed 3" in note and "no error estimate" in note
    assert run_saved_query(gds_seed, "brokers", params).rows == first.rows
    assert len(first.rows) == 10 and first.rows[0]["betweenness"] > 0
    assert _projections(gds_seed) == []


def test_too_big_for_exact_gds_is_sampled(gds_seed, monkeypatch):
    monkeypatch.setattr(brokers, "GDS_MAX_WORK", 500)
    result = run_saved_query(gds_seed, "brokers", {"limit": "3"})
    note = next(n for n in result.notes if "ESTIMATED" in n)
    per_source = 25 + 2 * 51
    assert f"searches from {500 // per_source} of 25 entities" in note


def test_the_projection_is_dropped_when_the_run_fails(gds_seed):
    def fail(n, links):
        raise RuntimeError(f"stop after projecting {n} entities")
    with pytest.raises(RuntimeError, match="stop after projecting 25 entities"):
        access.server_betweenness(gds_seed, None, fail)
    assert _projections(gds_seed) == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory, neo4j_settings):
    path = write_csv_dataset(generate(3_000, seed=11), tmp_path_factory.mktemp("gen3k"))
    embedded = EmbeddedStore(tmp_path_factory.mktemp("gen3k-store") / "store.db")
    load_paths(embedded, [path])
    neo4j = open_neo4j(neo4j_settings, [path])
    yield embedded, neo4j
    embedded.close()
    neo4j.close()


def test_exact_gds_rows_equal_the_embedded_stores_on_a_generated_network(generated, gds_seed):
    embedded, neo4j = generated
    for as_of in (None, "2018-06-15"):
        ours = run_saved_query(embedded, "brokers", {"limit": "200"}, as_of=as_of)
        gds = run_saved_query(neo4j, "brokers", {"limit": "200"}, as_of=as_of)
        assert any("computed by Neo4j GDS" in n for n in gds.notes)
        assert gds.rows == ours.rows
