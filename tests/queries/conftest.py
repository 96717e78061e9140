"""Fixtures for the saved-query tests: the seed dataset in both stores, loaded once
per module, and a helper that runs a query on both and compares the rows.

Module-scoped Neo4j fixtures wipe the database and load their dataset when the
module starts; tests in these modules must not also use the function-scoped
``neo4j_store`` fixture (which wipes the database before each test).
"""

from __future__ import annotations

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.queries import get_query, run_saved_query
from tests.support.neo4j import wipe_neo4j


def open_neo4j(settings, paths):
    """A Neo4jStore on a database holding exactly the datasets in ``paths``."""
    from dealgraph.graph.neo4j_store import Neo4jStore
    store = Neo4jStore(settings)
    wipe_neo4j(store)
    load_paths(store, list(paths))
    return store


@pytest.fixture(scope="module")
def seed_embedded(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("seed") / "store.db")
    load_paths(store, [SEED_DIR])
    yield store
    store.close()


@pytest.fixture(scope="module")
def seed_neo4j(neo4j_settings):
    store = open_neo4j(neo4j_settings, [SEED_DIR])
    yield store
    store.close()


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def seed_store(request):
    """The seed dataset, once in each store."""
    return request.getfixturevalue(f"seed_{request.param}")


def run_both(embedded, neo4j, name, params, as_of=None):
    """Run a saved query on both stores; assert identical rows (with any detail columns)
    and return them."""
    detail = bool(get_query(name).detail)
    left = run_saved_query(embedded, name, params, as_of=as_of, detail=detail)
    right = run_saved_query(neo4j, name, params, as_of=as_of, detail=detail)
    if left.rows != right.rows:
        diff = next(((a, b) for a, b in zip(left.rows, right.rows) if a != b), None)
        pytest.fail(f"{name} {params} as of {as_of}: embedded {len(left.rows)} rows, "
                    f"neo4j {len(right.rows)} rows; first difference: {diff}", pytrace=False)
    return left.rows
