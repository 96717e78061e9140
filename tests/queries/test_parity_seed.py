"""Every saved query gives identical rows on the embedded store and on Neo4j over the
seed dataset, for several parameter sets and as-of dates."""

from __future__ import annotations

import pytest

from dealgraph.queries import builtin_queries
from tests.queries.conftest import run_both

pytestmark = pytest.mark.neo4j

ENTITIES = ["huawei", "huawei-ias", "xiaomi", "audi", "volkswagen", "chery", "us-commerce",
            "miit", "richard-yu", "baic-group"]
PAIRS = [("xiaomi", "huawei"), ("xiaomi", "audi"), ("huawei", "volkswagen"),
         ("chery", "baic-group"),
         ("mercedes-benz", "us-commerce"), ("lei-jun", "huawei")]
AS_OF = [None, "2019-06", "2021", "2022-11-30", "2023-01-15"]

CASES = (
    [("partners", {"entity": e}) for e in ENTITIES]
    + [("timeline", {"entity": e}) for e in ENTITIES]
    + [("partners-of-partners", {"entity": e}) for e in ENTITIES]
    + [("network", {"entity": e, "hops": str(h)}) for e in ENTITIES[:5] for h in (1, 2, 4)]
    + [("investors", {"target": t}) for t in ("huawei", "huawei-ias", "audi-faw-jv", "volkswagen")]
    + [("exposure", {"government": g}) for g in ("us-government", "us-commerce", "cn-government")]
    + [("paths", {"a": a, "b": b, "max_hops": str(h)}) for a, b in PAIRS for h in (1, 2, 4, 8)]
    + [("common-partners", {"a": a, "b": b}) for a, b in PAIRS]
    + [("cross-border", {"country_a": a, "country_b": b})
       for a, b in (("CN", "DE"), ("CN", "US"), ("US", "DE"))]
    + [("brokers", {}), ("brokers", {"limit": "3"}), ("brokers", {"limit": "1000"})]
    + [("partner-list", {"entity": e}) for e in ENTITIES]
    + [("summary", {}), ("summary", {"top": "3"}), ("components", {}),
       ("components", {"min_size": "1"})]
)

_counted = {"runs": 0, "rows": 0, "queries": set()}


@pytest.mark.parametrize("as_of", AS_OF, ids=lambda v: f"as_of={v}")
@pytest.mark.parametrize("name,params", CASES,
                         ids=[f"{n}-{'-'.join(p.values()) or 'default'}" for n, p in CASES])
def test_same_rows_on_both_stores(seed_embedded, seed_neo4j, name, params, as_of):
    rows = run_both(seed_embedded, seed_neo4j, name, params, as_of)
    _counted["runs"] += 1
    _counted["rows"] += len(rows)
    _counted["queries"].add(name)


def test_parity_covered_every_query_with_rows():
    """Runs after the parametrised tests: every saved query was compared, on real rows."""
    if _counted["runs"] == 0:
        pytest.skip("parity tests did not run")
    assert _counted["queries"] == set(builtin_queries())
    print(f"\nseed parity: {_counted['runs']} runs per store, {_counted['rows']} identical rows")
    assert _counted["rows"] > 1000, _counted


@pytest.mark.parametrize("as_of", AS_OF, ids=lambda v: f"as_of={v}")
def test_the_shown_cypher_of_a_python_query_gives_its_rows(seed_neo4j, as_of):
    """``exposure`` computes in Python on both stores; the Cypher it shows (docs, ``query
    show``) must still answer the same when a Neo4j user runs it."""
    from dealgraph.queries import get_query
    query = get_query("exposure")
    assert query.runner is not None
    found = 0
    for government in ("us-government", "us-commerce", "cn-government", "miit"):
        params = query.bind(seed_neo4j, {"government": government}, as_of)
        rows = query.run(seed_neo4j, params)
        assert query.run_cypher(seed_neo4j, params) == rows, government
        found += len(rows)
    assert found or as_of == "2019-06"
