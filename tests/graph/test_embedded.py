"""The embedded store: durable, atomic, idempotent, and correct on re-load."""

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from dealgraph.errors import StoreUnavailable
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.synth import generate, write_csv_dataset


def _snapshot(store):
    sub = store.subgraph(None)
    return sub.nodes, sub.rels


def test_loading_the_same_data_again_changes_nothing(embedded_store, data_dir):
    first = load_paths(embedded_store, [data_dir / "small"])
    assert first.created == 11
    before = _snapshot(embedded_store)
    again = load_paths(embedded_store, [data_dir / "small"])
    assert again.as_dict() == {"created": 0, "updated": 0, "unchanged": 11,
                               "relationships_added": 0, "relationships_removed": 0}
    assert _snapshot(embedded_store) == before


def test_loading_an_edited_file_updates_what_changed(embedded_store, data_dir, tmp_path):
    load_paths(embedded_store, [data_dir / "small"])
    edited = tmp_path / "ds"
    shutil.copytree(data_dir / "small", edited)
    deals = edited / "deals.csv"
    deals.write_text(deals.read_text().replace("supply,signed", "supply,completed"))
    firms = edited / "firms.csv"
    firms.write_text(firms.read_text().replace("acme,Acme Corp,Acme|ACME Holdings,US,machinery,listed,,src-one,",
                                               "acme,Acme Corp,Acme|ACME Holdings,US,machinery,listed,,,"))
    parties = edited / "parties.csv"
    parties.write_text(parties.read_text().replace("d-supply,beta,customer,\n", "d-supply,gamma,customer,\n"))
    summary = load_paths(embedded_store, [edited])
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 10)  # sources are links
    assert summary.rels_added == 1 and summary.rels_removed == 2  # gamma in; beta out, acme's CITES out
    nodes, rels = _snapshot(embedded_store)
    assert nodes["d-supply"].props["status"] == "completed"
    keys = {r.key for r in rels}
    assert ("gamma", "PARTY_TO", "d-supply", "customer") in keys
    assert ("beta", "PARTY_TO", "d-supply", "customer") not in keys
    assert ("acme", "CITES", "src-one", "") not in keys


def test_store_persists_between_opens(store_path, data_dir):
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    store.close()
    reopened = EmbeddedStore(store_path)
    assert reopened.stats()["Firm"] == 4
    assert reopened.graph.nodes["acme"]["name"] == "Acme Corp"


def test_graph_is_rebuilt_after_a_write_by_another_connection(store_path, data_dir, tmp_path):
    reader = EmbeddedStore(store_path)
    assert reader.graph.number_of_nodes() == 0
    writer = EmbeddedStore(store_path)
    load_paths(writer, [data_dir / "small"])
    assert reader.graph.number_of_nodes() == 11


def test_not_a_store_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(StoreUnavailable, match="not a dealgraph store"):
        EmbeddedStore(bad)
    with pytest.raises(StoreUnavailable, match="does not exist"):
        EmbeddedStore(tmp_path / "missing-dir" / "x.db")


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory):
    return write_csv_dataset(generate(40_000, seed=3), tmp_path_factory.mktemp("big"))


def test_loader_killed_mid_write_leaves_previous_state(store_path, data_dir, big_dataset):
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    before = _snapshot(store)
    store.close()
    wal = store_path.with_name(store_path.name + "-wal")
    start_size = wal.stat().st_size if wal.exists() else 0
    proc = subprocess.Popen([sys.executable, "-m", "dealgraph", "load", "--store", str(store_path),
                             str(big_dataset)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > start_size + 2_000_000:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the load finished before it could be killed: " + proc.stderr.read().decode()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reopened = EmbeddedStore(store_path)
    assert _snapshot(reopened) == before
    assert reopened.stats()["Deal"] == 3
    # and the next run works
    summary = load_paths(reopened, [big_dataset])
    assert reopened.stats()["Deal"] == 40_003 and summary.created > 40_000


def test_two_loads_at_once_are_serialised(store_path, data_dir, tmp_path):
    a = write_csv_dataset(generate(3000, seed=1), tmp_path / "a")
    EmbeddedStore(store_path).close()
    errors = []

    def run(path):
        try:
            load_paths(EmbeddedStore(store_path), [path])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, data_dir / "small")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    stats = EmbeddedStore(store_path).stats()
    assert stats["Deal"] == 3003


def test_readers_see_old_or_new_never_half(store_path, data_dir, big_dataset):
    store = EmbeddedStore(store_path)
    load_paths(store, [data_dir / "small"])
    seen = set()
    done = threading.Event()

    def read():
        reader = EmbeddedStore(store_path)
        while not done.is_set():
            seen.add(reader.stats()["Deal"])

    t = threading.Thread(target=read)
    t.start()
    try:
        load_paths(store, [big_dataset])
    finally:
        done.set()
        t.join()
    assert seen <= {3, 40_003}, seen
