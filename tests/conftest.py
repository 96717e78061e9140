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


def loaded_state(store):
    """``store_state`` of an embedded store and its name index: what two load paths must
    leave alike."""
    return store_state(store), sorted(store.name_index())


def load_by_path(store, paths, columnar: bool, monkeypatch, **options):
    """``load_paths`` with the columnar load tried at any size (``columnar``), or never:
    the summary, or the (file, line, field, message, severity) of each problem."""
    import dealgraph.loaders as loaders
    from dealgraph.errors import LoadError
    with monkeypatch.context() as m:
        if columnar:
            m.setattr(loaders, "COLUMNAR_MIN_BYTES", 0)
        else:
            m.setattr(loaders, "_load_columnar", lambda *a, **k: None)
        try:
            return loaders.load_paths(store, paths, **options)
        except LoadError as exc:
            return [(p.file, p.line, p.field, p.message, p.severity) for p in exc.problems]


def both_paths(tmp_path, paths, monkeypatch, first=None, **options) -> list:
    """(outcome, ``loaded_state``) of a load by the columnar path and by the row-by-row
    path, each into its own store (after loading ``first`` the same way)."""
    out = []
    for columnar in (True, False):
        store = EmbeddedStore(tmp_path / f"{columnar}.db")
        if first is not None:
            load_by_path(store, first, columnar, monkeypatch, mapping=options.get("mapping"))
        outcome = load_by_path(store, paths, columnar, monkeypatch, **options)
        out.append((outcome, loaded_state(store)))
        store.close()
    return out


def skipping_both_paths(tmp_path, paths, monkeypatch, module, name: str, **options):
    """(summary, ``loaded_state``, rejects text) of a load with ``skip_bad_rows`` by the
    columnar path and by the row-by-row path, each into its own store; and, for the
    columnar one, whether the columnar loader ``module.name`` took each pass."""
    results, taken = [], None
    for columnar in (True, False):
        rejects = tmp_path / f"{columnar}.rejects.csv"
        store = EmbeddedStore(tmp_path / f"{columnar}.db")
        with monkeypatch.context() as m:
            watched = watch_loader(m, module, name)
            summary = load_by_path(store, paths, columnar, monkeypatch, skip_bad_rows=True,
                                   rejects=rejects, **options)
        summary.rejects = None
        results.append((summary, loaded_state(store), rejects.read_text(encoding="utf-8")))
        store.close()
        if columnar:
            taken = watched
    return results, taken


def watch_loader(m, module, name: str) -> list:
    """Wrap the columnar loader ``module.name`` for the monkeypatch context ``m``; the
    list returned gets, for each call, whether it loaded (True) or refused (False)."""
    taken, real = [], getattr(module, name)

    def watched(*args, **kwargs):
        summary = real(*args, **kwargs)
        taken.append(summary is not None)
        return summary

    m.setattr(module, name, watched)
    return taken


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
