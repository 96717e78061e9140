"""Betweenness for ``brokers``: exact (equal to networkx), and estimated from a seeded
sample of sources, saying so, when the network is too big to compute exactly."""

from __future__ import annotations

import random

import networkx as nx
import pytest

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


def _sampled(g: nx.Graph, k: int, seed: int) -> tuple[dict, dict]:
    nodes = sorted(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    adj = [sorted(index[w] for w in g.neighbors(v)) for v in nodes]
    picked = sorted(random.Random(seed).sample(range(len(nodes)), k))
    est, err = brokers.sampled_betweenness(adj, picked)
    n = len(nodes)
    scale = 2.0 / ((n - 1) * (n - 2))
    return ({v: est[index[v]] * scale for v in nodes}, {v: err[index[v]] * scale for v in nodes})


def test_a_sample_of_every_source_is_the_exact_value_with_no_error():
    g = nx.barabasi_albert_graph(120, 2, seed=4)
    est, err = _sampled(g, 120, seed=9)
    assert est == pytest.approx(nx.betweenness_centrality(g), abs=1e-12)
    assert max(err.values()) == pytest.approx(0.0, abs=1e-12)


def test_the_estimate_is_within_its_stated_error():
    g = nx.barabasi_albert_graph(400, 2, seed=6)
    exact = nx.betweenness_centrality(g)
    est, err = _sampled(g, 100, seed=1)
    top = sorted(exact, key=exact.get, reverse=True)[:20]
    assert all(err[v] > 0 for v in top)
    # the brokers worth listing: most within two standard errors, all within four (the
    # error of rarely-crossed nodes is underestimated, which is why the note gives the
    # error of the listed scores only)
    assert all(abs(est[v] - exact[v]) <= 4 * err[v] for v in top)
    assert sum(abs(est[v] - exact[v]) <= 2 * err[v] for v in top) >= 16


def test_too_big_is_estimated_and_says_so(seed_store, monkeypatch):
    monkeypatch.setattr(brokers, "MAX_WORK", 200)
    python = {"method": "python"}  # on a server with GDS, auto would use GDS's budget
    result = run_saved_query(seed_store, "brokers", {"limit": "3", **python})
    note = next(n for n in result.notes if "ESTIMATED" in n)
    assert "seed 0" in note and "standard error of at most" in note and "\n" not in note
    assert len(result.rows) == 3
    again = run_saved_query(seed_store, "brokers", {"limit": "3", **python})
    assert again.rows == result.rows  # same seed, same sample
    other = run_saved_query(seed_store, "brokers", {"limit": "25", "seed": "7", **python})
    assert "seed 7" in " ".join(other.notes)


def test_exact_says_so(seed_store):
    result = run_saved_query(seed_store, "brokers", {"limit": "2"})
    assert any(n.startswith("brokers: exact betweenness over 25 entities") for n in result.notes)
    python = run_saved_query(seed_store, "brokers", {"limit": "2", "method": "python"})
    assert python.rows == result.rows
    assert any("computed in Python (Brandes)" in n for n in python.notes)


@pytest.mark.neo4j
def test_both_stores_give_the_same_estimate(seed_embedded, seed_neo4j):
    from tests.queries.conftest import run_both
    for params in ({"limit": "25", "sources": "8", "seed": "3", "method": "python"},
                   {"limit": "25", "sources": "20", "seed": "11", "method": "python"}):
        rows = run_both(seed_embedded, seed_neo4j, "brokers", params)
        assert len(rows) == 25
