"""Betweenness for ``brokers``: exact (equal to networkx), and refused with a message
when the network is too big to compute exactly."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from dealgraph.errors import DealgraphError
from dealgraph.queries import brokers, run_saved_query


def _ours(g: nx.Graph) -> dict:
    nodes = sorted(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    raw = brokers.betweenness([sorted(index[w] for w in g.neighbors(v)) for v in nodes])
    n = len(nodes)
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    return {v: raw[index[v]] * scale for v in nodes}


def _graphs():
    rng = random.Random(5)
    yield nx.path_graph(6)
    yield nx.star_graph(7)
    yield nx.barbell_graph(4, 3)
    yield nx.barabasi_albert_graph(200, 1, seed=2)   # a tree: mostly leaves
    yield nx.barabasi_albert_graph(150, 2, seed=3)
    for i in range(20):
        g = nx.gnm_random_graph(rng.randrange(3, 50), rng.randrange(2, 120), seed=i)
        g.add_edges_from([(100, 101), (101, 102), (200, 201)])  # a chain and a lone pair
        g.add_edge(300, 0)  # a leaf hung on the rest
        yield g


@pytest.mark.parametrize("g", list(_graphs()))
def test_betweenness_equals_networkx(g):
    ours = _ours(g)
    reference = nx.betweenness_centrality(g, normalized=True)
    assert ours == pytest.approx(reference, abs=1e-12)


def test_too_big_is_refused_with_a_message(seed_store, monkeypatch):
    monkeypatch.setattr(brokers, "MAX_WORK", 100)
    with pytest.raises(DealgraphError) as info:
        run_saved_query(seed_store, "brokers", {})
    message = str(info.value)
    assert message.startswith("brokers: the counterparty network has ")
    assert "--as-of" in message and "\n" not in message


def test_neo4j_says_how_it_computed(seed_store):
    result = run_saved_query(seed_store, "brokers", {"limit": "2"})
    if seed_store.backend == "neo4j":
        assert result.notes and "computed exactly in Python" in result.notes[0]
    else:
        assert result.notes == []
