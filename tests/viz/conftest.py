"""Subgraphs for the map tests: the small dataset, the same with hostile text, the seed,
and a generated graph big enough for the computed layout."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.records import Node, Rel, Subgraph
from dealgraph.loaders import SEED_DIR, load_paths

XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_SUMMARY = "Deal </script><script>alert(2)</script> & more \u2028 line"
XSS_TITLE = "<svg onload=alert(3)> offer"


def _loaded(paths) -> Subgraph:
    store = EmbeddedStore(":memory:")
    load_paths(store, paths)
    sub = store.subgraph(None)
    store.close()
    return sub


@pytest.fixture(scope="session")
def small_sub() -> Subgraph:
    """tests/data/small: 4 firms, 2 governments, 1 person, 3 deals, 1 source."""
    return _loaded([Path(__file__).parents[1] / "data" / "small"])


@pytest.fixture(scope="session")
def seed_sub() -> Subgraph:
    return _loaded([SEED_DIR])


@pytest.fixture
def probe_sub(small_sub) -> Subgraph:
    """The small dataset plus an entity named like an XSS probe, party to a deal whose
    title and summary carry markup, citing a source with a javascript: URL."""
    nodes = dict(small_sub.nodes)
    rels = list(small_sub.rels)
    nodes["xss"] = Node("xss", "Firm", {"name": XSS_NAME, "aliases": ["Probe"], "country": "FR"})
    nodes["d-xss"] = Node("d-xss", "Deal", {"kind": "partnership", "status": "in_talks",
                                            "title": XSS_TITLE, "summary": XSS_SUMMARY,
                                            "announced": "2024-05"})
    nodes["src-bad"] = Node("src-bad", "Source", {"publisher": "<b>Evil</b>",
                                                  "title": "<i>bad link</i>",
                                                  "url": "javascript:alert(4)"})
    rels += [Rel("xss", "PARTY_TO", "d-xss", {"role": "partner", "note": "<u>note</u>"}),
             Rel("beta", "PARTY_TO", "d-xss", {"role": "partner"}),
             Rel("d-xss", "CITES", "src-bad")]
    return Subgraph(nodes, rels)


def generated(n_entities: int, n_deals: int, seed: int = 3) -> Subgraph:
    """A deterministic random graph: entities of every kind, deals with 2-4 parties."""
    rng = random.Random(seed)
    labels = ["Firm", "Firm", "Firm", "Government", "Person"]
    nodes, rels = {}, []
    for i in range(n_entities):
        nodes[f"e{i}"] = Node(f"e{i}", labels[i % 5], {"name": f"Entity {i}",
                                                        "country": rng.choice(["CN", "US", "DE"])})
    for j in range(n_deals):
        nodes[f"d{j}"] = Node(f"d{j}", "Deal", {"kind": "supply", "status": "signed",
                                                "title": f"Deal {j}", "announced": "2020"})
        for m in rng.sample(range(n_entities), rng.randint(2, 4)):
            rels.append(Rel(f"e{m}", "PARTY_TO", f"d{j}", {"role": "partner"}))
    return Subgraph(nodes, rels)


@pytest.fixture(scope="session")
def big_sub() -> Subgraph:
    """1,200 entities and 1,300 deals: above the physics threshold."""
    return generated(1200, 1300)
