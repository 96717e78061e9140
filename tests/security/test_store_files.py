"""A store file someone sends you runs nothing: no pickle, no eval, whatever it holds.

Stores written before 2026-12 cached the whole graph as a pickle in a ``snapshot``
table; a planted payload there ran as soon as a whole-graph map or export opened
the store. The whole graph is now built from the tables, whose properties are JSON
checked as they are read. Each test plants a pickle payload that would create a
marker file if it ever ran, uses the store the ways that read the whole graph (in a
real ``dealgraph`` process), and checks the marker is absent.
"""

from __future__ import annotations

import builtins
import json
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dealgraph.errors import StoreUnavailable
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths


class _Payload:
    """Unpickling this opens (creates) ``path``: proof that the pickle ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (builtins.open, (self.path, "w"))


def _payload(marker: Path) -> bytes:
    blob = pickle.dumps(_Payload(marker))
    pickle.loads(blob).close()  # the control: this payload does run when unpickled
    assert marker.exists()
    marker.unlink()
    return blob


def _dealgraph(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dealgraph", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _whole_graph_uses(store_path: Path, tmp_path: Path) -> list[subprocess.CompletedProcess]:
    """Every command that reads the whole graph of the store, each in its own process."""
    s = ["--store", str(store_path)]
    return [_dealgraph("map", "-o", str(tmp_path / "map.html"), *s, cwd=tmp_path),
            _dealgraph("export", "--format", "json", "-o", str(tmp_path / "g.json"), *s,
                       cwd=tmp_path),
            _dealgraph("query", "run", "brokers", *s, cwd=tmp_path),
            _dealgraph("stats", *s, cwd=tmp_path)]


@pytest.fixture
def old_store(store_path, data_dir):
    """A store as dealgraph wrote it before 2026-12: the tables plus a ``snapshot``
    table holding a pickle for the current generation."""
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    store.close()
    db = sqlite3.connect(store_path)
    db.execute("CREATE TABLE snapshot (generation INTEGER PRIMARY KEY, graph BLOB NOT NULL)")
    gen = int(db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])
    db.commit()
    db.close()
    return store_path, gen


def test_a_pickle_in_the_old_cache_never_runs(old_store, tmp_path):
    store_path, gen = old_store
    marker = tmp_path / "RAN"
    db = sqlite3.connect(store_path)
    db.execute("INSERT INTO snapshot VALUES (?, ?)", (gen, _payload(marker)))
    db.commit()
    db.close()
    for proc in _whole_graph_uses(store_path, tmp_path):
        assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    graph = json.loads((tmp_path / "g.json").read_text("utf-8"))
    assert len(graph["nodes"]) == 11  # the old store opens, and reads its tables
    # in this process too; clearing the store drops the old cache
    store = EmbeddedStore(store_path)
    assert store.graph.number_of_nodes() == 11 and store.subgraph(None).nodes["acme"]
    assert not marker.exists()
    store.clear()
    assert store.db.execute("SELECT name FROM sqlite_master WHERE name='snapshot'").fetchall() == []


def test_a_load_drops_the_old_cache(old_store, data_dir):
    store_path, _ = old_store
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    assert store.db.execute("SELECT name FROM sqlite_master WHERE name='snapshot'").fetchall() == []


@pytest.mark.parametrize("table", ["nodes", "rels"])
def test_a_pickle_where_the_graph_is_read_from_is_a_one_line_error(store_path, data_dir,
                                                                   tmp_path, table):
    """The whole graph now comes from the tables' JSON properties: a pickle there (text
    or bytes) is reported as a damaged store, in one line, and never unpickled."""
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    store.close()
    marker = tmp_path / "RAN"
    db = sqlite3.connect(store_path)
    where = "id = 'acme'" if table == "nodes" else "src = 'acme' AND type = 'PARTY_TO'"
    assert db.execute(f"UPDATE {table} SET props = ? WHERE {where}",
                      (_payload(marker),)).rowcount >= 1
    db.commit()
    db.close()
    procs = _whole_graph_uses(store_path, tmp_path)
    for proc in procs[:2]:  # map and export read every property
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr
        assert lines[0].startswith(f"error: {store_path}: damaged store")
    assert procs[3].returncode == 0  # counting reads no properties
    assert not marker.exists()
    with pytest.raises(StoreUnavailable, match="damaged store"):
        EmbeddedStore(store_path).graph  # noqa: B018


@pytest.mark.parametrize("props", ['[1, 2]', '"text"', '{"a": ', "[" * 100_000 + "]" * 100_000,
                                   '{"n": ' + "9" * 5000 + "}"])
def test_properties_that_are_not_a_json_object_are_a_damaged_store(store_path, data_dir, props):
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    store.db.execute("UPDATE nodes SET props = ? WHERE id = 'acme'", (props,))
    with pytest.raises(StoreUnavailable, match=r"damaged store: reading the whole graph"):
        store.graph  # noqa: B018
    with pytest.raises(StoreUnavailable, match="damaged store"):
        store.subgraph(None)
    with pytest.raises(StoreUnavailable, match="damaged store"):
        store.neighbourhood("acme", 1)
    assert "\n" not in str(pytest.raises(StoreUnavailable, store.entity_index).value)
