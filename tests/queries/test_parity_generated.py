"""Every saved query gives identical rows on both stores over a generated dataset of
10,000 deals (about 3,300 firms), around hubs, ordinary and peripheral entities,
with and without an as-of date. Each store loads the dataset once for this module."""

from __future__ import annotations

import time

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.queries import builtin_queries
from dealgraph.synth import generate, write_csv_dataset
from tests.queries.conftest import open_neo4j, run_both

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

DEALS = 10_000
SEED = 3

# f0.. are ranked by how many deals they take part in (f0 is the biggest hub);
# g0 issues the most licences and sanctions.
HUBS = ["f0", "f3"]
MIDDLE = ["f40", "f400"]
EDGE = ["f2500", "p1"]
GOVS = ["g0", "g3"]
AS_OF = [None, "2018-06-15"]

CASES = (
    [("partners", {"entity": e}) for e in HUBS + MIDDLE + EDGE + GOVS]
    + [("timeline", {"entity": e}) for e in HUBS + MIDDLE + EDGE]
    + [("partners-of-partners", {"entity": e}) for e in ["f3", "f40", "f400", "f2500", "g3"]]
    + [("network", {"entity": "f0", "hops": "1"}), ("network", {"entity": "f40", "hops": "2"}),
       ("network", {"entity": "f2500", "hops": "3"}), ("network", {"entity": "f400", "hops": "6"})]
    + [("investors", {"target": t}) for t in ["f0", "f5", "f40", "f400"]]
    + [("exposure", {"government": g}) for g in GOVS]
    + [("paths", {"a": "f0", "b": "f3"}), ("paths", {"a": "f40", "b": "f400", "max_hops": "6"}),
       ("paths", {"a": "f2500", "b": "g3", "max_hops": "8"}), ("paths", {"a": "f100", "b": "f900"})]
    + [("common-partners", {"a": a, "b": b}) for a, b in [("f0", "f3"), ("f40", "f400"),
                                                          ("g0", "f7")]]
    + [("cross-border", {"country_a": "CN", "country_b": "US"}),
       ("cross-border", {"country_a": "DE", "country_b": "JP"})]
    + [("brokers", {"limit": "25"})]
    + [("partner-list", {"entity": e}) for e in HUBS + MIDDLE + GOVS]
    + [("summary", {}), ("components", {"min_size": "1", "limit": "5000"})]
)

_counted = {"runs": 0, "rows": 0, "queries": set(), "seconds": 0.0}


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory):
    return write_csv_dataset(generate(DEALS, seed=SEED), tmp_path_factory.mktemp("gen10k"))


@pytest.fixture(scope="module")
def gen_embedded(generated_dir, tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("gen10k-store") / "store.db")
    load_paths(store, [generated_dir])
    yield store
    store.close()


@pytest.fixture(scope="module")
def gen_neo4j(generated_dir, neo4j_settings):
    store = open_neo4j(neo4j_settings, [generated_dir])
    yield store
    store.close()


def test_both_stores_hold_the_dataset(gen_embedded, gen_neo4j):
    left, right = gen_embedded.stats(), gen_neo4j.stats()
    assert left == right
    assert left["Deal"] == DEALS


@pytest.mark.parametrize("as_of", AS_OF, ids=lambda v: f"as_of={v}")
@pytest.mark.parametrize("name,params", CASES,
                         ids=[f"{n}-{'-'.join(p.values())}" for n, p in CASES])
def test_same_rows_on_both_stores(gen_embedded, gen_neo4j, name, params, as_of):
    start = time.perf_counter()
    rows = run_both(gen_embedded, gen_neo4j, name, params, as_of)
    _counted["seconds"] += time.perf_counter() - start
    _counted["runs"] += 1
    _counted["rows"] += len(rows)
    _counted["queries"].add(name)


def test_parity_covered_every_query_with_rows():
    if _counted["runs"] == 0:
        pytest.skip("parity tests did not run")
    print(f"\n10k parity: {_counted['runs']} runs per store, {_counted['rows']} identical rows, "
          f"{_counted['seconds']:.1f} s")
    assert _counted["queries"] == set(builtin_queries())
    assert _counted["rows"] > 20_000, _counted
