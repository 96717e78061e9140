"""Shared fixtures: stores of both kinds, sample data paths, a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import SEED_DIR
from tests.support.browser import *  # noqa: F401,F403  (browser, open_page, artifacts_dir)
from tests.support.neo4j import neo4j_settings, neo4j_store  # noqa: F401

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def built_in_model():
    """Each test starts and ends with the built-in model in use: opening or loading a store
    with a model extension puts that store's model in use for the process."""
    from dealgraph.graph.model import BASE_MODEL, use_model
    use_model(BASE_MODEL)
    yield BASE_MODEL
    use_model(BASE_MODEL)


@pytest.fixture
def data_dir() -> Path:
    """``tests/data``: sample datasets, valid and broken."""
    return DATA


@pytest.fixture
def dataset(data_dir, tmp_path) -> Path:
    """A writable copy of ``tests/data/small``."""
    target = tmp_path / "ds"
    shutil.copytree(data_dir / "small", target)
    return target


def store_state(store):
    """Everything a store holds, in a comparable form: nodes by id (label, properties)
    and the sorted relationships."""
    sub = store.subgraph(None).sorted()
    return ({n.id: (n.label, n.props) for n in sub.nodes.values()},
            sorted((r.src, r.type, r.dst, sorted(r.props.items())) for r in sub.rels))


@pytest.fixture
def seed_dir() -> Path:
    return SEED_DIR


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def embedded_store(store_path):
    """An empty embedded store in a temporary file."""
    store = EmbeddedStore(store_path)
    yield store
    store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def any_store(request):
    """Each test using this runs once on the embedded store and once on Neo4j."""
    if request.param == "embedded":
        return request.getfixturevalue("embedded_store")
    return request.getfixturevalue("neo4j_store")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
