"""Exports of the whole graph are written from the store a part at a time (``WholeGraph``,
``Store.iter_nodes``/``iter_rels``), and are the same files as from the graph held whole."""

import json

import pytest

from dealgraph.export import run_export, write_export
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.select import Selection, WholeGraph, select_subgraph
from dealgraph.graph.store import node_order_key, rel_order
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.synth import generate, write_csv_dataset
from tests.export.conftest import write_hostile

STREAMED = ("json", "csv", "neo4j-import")


@pytest.fixture
def mixed_store(any_store, tmp_path):
    """Seed, hostile text (parallel parties, markup, odd characters) and a generated
    network, in the store under test."""
    load_paths(any_store, [SEED_DIR])
    load_paths(any_store, [write_hostile(tmp_path / "hostile")])
    load_paths(any_store, [write_csv_dataset(generate(150, 7), tmp_path / "gen")])
    return any_store


def _never_whole(monkeypatch, store):
    """Make reading the whole graph at once fail, so a test proves it was streamed."""
    read = store.subgraph

    def subgraph(ids=None):
        assert ids is not None, "the whole graph was read at once"
        return read(ids)
    monkeypatch.setattr(store, "subgraph", subgraph)


def _files(path):
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    data = json.loads(path.read_text(encoding="utf-8"))
    data["graph"].pop("generated")  # a time stamp: the rest must be the same
    return data


def test_the_store_gives_nodes_and_relationships_in_export_order(mixed_store):
    whole = mixed_store.subgraph(None)
    with mixed_store.reading():
        nodes = list(mixed_store.iter_nodes())
        rels = list(mixed_store.iter_rels())
    assert nodes == sorted(whole.nodes.values(), key=node_order_key())
    assert rels == sorted(whole.rels, key=rel_order)
    assert len({n.label for n in nodes}) == 5 and len({r.type for r in rels}) >= 2


@pytest.mark.parametrize("fmt", STREAMED)
def test_a_whole_graph_export_is_streamed_and_the_same(mixed_store, tmp_path, monkeypatch, fmt):
    held = write_export(mixed_store.subgraph(None), fmt, tmp_path / "held",
                        question="whole graph")
    _never_whole(monkeypatch, mixed_store)
    streamed = run_export(mixed_store, fmt, tmp_path / "streamed")
    assert _files(tmp_path / "streamed") == _files(tmp_path / "held")
    assert streamed.counts == held.counts and streamed.relationships == held.relationships
    assert streamed.counts["Deal"] > 150


def test_formats_that_need_the_whole_graph_read_it_once(seed_embedded, tmp_path):
    sub = select_subgraph(seed_embedded, Selection())
    assert isinstance(sub, WholeGraph) and sub.streamed and len(sub) == 56
    run_export(seed_embedded, "graphml", tmp_path / "g.graphml")  # lays the graph out
    assert sub == seed_embedded.subgraph(None)  # read whole on first use, equal to it
    assert not sub.streamed


def test_a_streamed_export_reads_one_snapshot(tmp_path):
    """A load committed while the export is being written does not get into it."""
    path = tmp_path / "s.db"
    store = EmbeddedStore(path)
    load_paths(store, [SEED_DIR])
    before = store.subgraph(None)
    other = EmbeddedStore(path)
    with store.reading():
        nodes = store.iter_nodes()
        first = next(nodes)
        load_paths(other, [write_csv_dataset(generate(40, 3), tmp_path / "gen")])
        seen = [first, *nodes, *store.iter_rels()]
    assert len(seen) == len(before.nodes) + len(before.rels)
    assert len(store.subgraph(None).nodes) > len(before.nodes)  # the load did commit
    other.close()
    store.close()
