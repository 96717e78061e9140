"""Parity: the same datasets in both stores give the same stats, nodes, properties,
relationships and neighbourhoods."""

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.synth import generate, write_csv_dataset

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return write_csv_dataset(generate(12_000, seed=11), tmp_path_factory.mktemp("gen12k"))


def _assert_same(embedded, neo4j, probes):
    assert neo4j.stats() == embedded.stats()
    a, b = embedded.subgraph(None), neo4j.subgraph(None)
    assert a.nodes == b.nodes
    assert a.rels == b.rels
    assert sorted(neo4j.entity_index(), key=lambda n: n.id) == embedded.entity_index()
    for entity in probes:
        for hops in (1, 2):
            x, y = embedded.neighbourhood(entity, hops), neo4j.neighbourhood(entity, hops)
            assert x.nodes == y.nodes, (entity, hops)
            assert x.rels == y.rels, (entity, hops)
        assert embedded.deal_parties([entity]) == neo4j.deal_parties([entity])


def test_seed_dataset_parity(tmp_path, neo4j_store):
    embedded = EmbeddedStore(tmp_path / "e.db")
    for store in (embedded, neo4j_store):
        load_paths(store, [SEED_DIR])
    _assert_same(embedded, neo4j_store, ["huawei", "xiaomi", "us-commerce", "richard-yu"])


def test_generated_dataset_parity(tmp_path, neo4j_store, generated):
    embedded = EmbeddedStore(tmp_path / "e.db")
    for store in (embedded, neo4j_store):
        summary = load_paths(store, [generated])
        assert summary.created > 12_000
    assert embedded.stats()["Deal"] == 12_000
    _assert_same(embedded, neo4j_store, ["f0", "f1", "f57", "f3999", "g0", "g3", "p1"])
    # and a re-load is a no-op on both
    for store in (embedded, neo4j_store):
        again = load_paths(store, [generated])
        assert again.created == again.updated == again.rels_added == again.rels_removed == 0
