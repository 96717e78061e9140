"""Faults: Neo4j unreachable, wrong password, Neo4j stopped or killed in the middle of a
load, a loader SIGKILLed mid-write to the embedded store, two loads at once.

The Neo4j faults run against a server of their own (``fault_server`` in
conftest.py), which these tests stop, kill and start again; the shared test
server is never touched.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dealgraph.cli import cli
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.synth import generate, write_csv_dataset

from .hostile import SMALL, dump_neo4j

PASSWORD_ENV = "s3cret-Pa55word-not-to-echo"


def _graph(store) -> tuple:
    sub = store.subgraph(None)
    return sub.nodes, [(r.key, tuple(sorted(r.props.items()))) for r in sub.rels]


def _reference(*datasets) -> tuple:
    """The graph that loading ``datasets`` one after the other gives (embedded, in memory)."""
    ref = EmbeddedStore(":memory:")
    for ds in datasets:
        load_paths(ref, [ds])
    return _graph(ref)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _one_error_line(result_stderr: str) -> str:
    lines = [line for line in result_stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("error: "), lines
    return lines[0]


@pytest.fixture(scope="module")
def big_dataset(tmp_path_factory) -> Path:
    """10,000 deals: a Neo4j write transaction of a few seconds."""
    return write_csv_dataset(generate(10_000, seed=5), tmp_path_factory.mktemp("big10k"))


@pytest.fixture(scope="module")
def big_complete(big_dataset) -> tuple:
    """The graph of the small dataset plus the big one, loaded one after the other."""
    return _reference(SMALL, big_dataset)


@pytest.fixture(scope="module")
def mid_dataset(tmp_path_factory) -> Path:
    return write_csv_dataset(generate(4_000, seed=6), tmp_path_factory.mktemp("mid4k"))


# -- Neo4j down, unreachable, not Neo4j, wrong password --------------------------------------

class _NotBolt(threading.Thread):
    """A TCP server that answers every connection with an HTTP error and hangs up."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.recv(64)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            conn.close()


@pytest.fixture(scope="module")
def not_bolt():
    server = _NotBolt()
    server.start()
    yield server
    server.sock.close()


@pytest.mark.parametrize("target", ["closed-port", "no-such-host", "not-bolt"])
@pytest.mark.parametrize("command", [["stats"], ["load", str(SMALL)],
                                     ["map", "--focus", "acme", "-o", "{tmp}/m.html"]])
def test_unreachable_neo4j_is_one_line_with_the_uri_and_what_to_do(runner, tmp_path, not_bolt,
                                                                   target, command):
    uri = {"closed-port": f"bolt://127.0.0.1:{_free_port()}",
           "no-such-host": "bolt://no-such-host.invalid:7687",
           "not-bolt": f"bolt://127.0.0.1:{not_bolt.port}"}[target]
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = runner.invoke(cli, args + ["--backend", "neo4j", "--neo4j-uri", uri],
                           env={"NEO4J_PASSWORD": PASSWORD_ENV})
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    line = _one_error_line(result.stderr)
    assert uri in line and "NEO4J_URI" in line and "start a server" in line, line
    assert PASSWORD_ENV not in result.output


@pytest.mark.neo4j
def test_wrong_password_is_one_line_and_never_echoed(runner, fault_server):
    """Also after Neo4j starts rate-limiting the user (several failures in a row)."""
    env = {"NEO4J_URI": fault_server.settings.uri, "NEO4J_USER": "neo4j",
           "NEO4J_PASSWORD": PASSWORD_ENV, "DEALGRAPH_BACKEND": "neo4j"}
    for attempt in range(5):
        result = runner.invoke(cli, ["stats"], env=env)
        assert result.exit_code == 1, result.output
        line = _one_error_line(result.stderr)
        assert fault_server.settings.uri in line, line
        assert "credentials" in line or "refused" in line, line
        assert PASSWORD_ENV not in result.output and "Traceback" not in result.output
    # the prompt: typed, not echoed, not in the error
    result = runner.invoke(cli, ["stats", "--neo4j-password-prompt"], env=env,
                           input="typed-Wrong-0ne\n")
    assert result.exit_code == 1
    assert "typed-Wrong-0ne" not in result.output
    _one_error_line(result.stderr)
    time.sleep(6)  # let Neo4j's lock-out of the user expire for the next tests


@pytest.mark.neo4j
def test_server_stopped_before_the_command(runner, fault_server, fault_store):
    load_paths(fault_store, [SMALL])
    fault_store.close()
    fault_server.stop()
    try:
        env = {"NEO4J_URI": fault_server.settings.uri, "NEO4J_PASSWORD": fault_server.settings.password,
               "DEALGRAPH_BACKEND": "neo4j"}
        result = runner.invoke(cli, ["load", str(SMALL)], env=env)
        assert result.exit_code == 1
        line = _one_error_line(result.stderr)
        assert f"cannot reach Neo4j at {fault_server.settings.uri}" in line
    finally:
        fault_server.start()


# -- Neo4j stopped or killed in the middle of a load --------------------------------------------

def _wait_for_write(driver, proc, timeout: float = 300) -> str:
    """Wait until the load's write transaction is running one of its UNWIND writes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the load ended before it could be interrupted: " + \
            proc.stderr.read().decode(errors="replace")
        with driver.session() as session:
            rows = session.run("SHOW TRANSACTIONS YIELD currentQuery, activeLockCount "
                               "RETURN currentQuery AS q, activeLockCount AS locks").data()
        for row in rows:
            if row["q"].startswith("UNWIND $rows") and row["locks"] > 100:
                return row["q"]
        time.sleep(0.02)
    raise AssertionError("no write transaction seen")


@pytest.mark.neo4j
@pytest.mark.slow
@pytest.mark.parametrize("fault", ["stop, restart", "kill, restart", "kill, stay down"])
def test_neo4j_stopped_in_the_middle_of_a_load(fault_server, fault_store, big_dataset,
                                               big_complete, fault):
    """``stop``: a clean shutdown of the server while the load's transaction writes;
    ``kill``: SIGKILL of the server's JVM (a crash; the restart runs recovery).
    ``restart``: started again at once, so the driver's retry (30 s) may reach it;
    ``stay down``: started only after the load gave up.
    The load must fail with one clear line (or complete, if the driver's retry reaches
    the restarted server), the store must then hold the state before the load or the
    whole load, never part of it, and running the load again must complete it."""
    load_paths(fault_store, [SMALL])
    before = dump_neo4j(fault_store.driver)
    complete = big_complete
    s = fault_server.settings
    env = dict(os.environ, NEO4J_URI=s.uri, NEO4J_USER=s.user, NEO4J_PASSWORD=s.password,
               DEALGRAPH_BACKEND="neo4j")
    cmd = [sys.executable, "-m", "dealgraph", "load", str(big_dataset)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        query = _wait_for_write(fault_store.driver, proc)
        fault_store.close()
        if fault.startswith("stop"):
            fault_server.stop()
        else:
            fault_server.kill()
        if fault.endswith("restart"):
            fault_server.start()   # the driver may retry the whole transaction into this
            _, err = proc.communicate(timeout=600)
        else:
            _, err = proc.communicate(timeout=600)
            fault_server.start()
    finally:
        if proc.poll() is None:
            proc.kill()
    err = err.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    from dealgraph.graph.neo4j_store import Neo4jStore
    store = Neo4jStore(s)
    try:
        if proc.returncode == 0:
            outcome = "completed (the driver retried into the restarted server)"
            assert _graph(store) == complete
        else:
            assert proc.returncode == 1, err
            errors = [line for line in err.splitlines() if line.startswith("error: ")]
            assert len(errors) == 1 and s.uri in errors[0], err
            outcome = "failed cleanly: " + errors[0]
            assert dump_neo4j(store.driver) == before, "part of the load was committed"
        # running it again completes the load
        rerun = subprocess.run(cmd, env=env, capture_output=True, timeout=600)
        assert rerun.returncode == 0, rerun.stderr.decode(errors="replace")
        assert _graph(store) == complete
        assert store.read("MATCH (n:DealgraphLoadLock) RETURN count(n) AS n")[0]["n"] == 0
    finally:
        store.close()
    print(f"\n{fault} during {query[:50]!r}: {outcome}")


# -- two loads at once --------------------------------------------------------------------------

def _load_in_threads(make_store, datasets) -> list[Exception]:
    errors: list[Exception] = []
    barrier = threading.Barrier(len(datasets))

    def run(path):
        store = make_store()
        try:
            barrier.wait()
            load_paths(store, [path])
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in datasets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture(scope="module")
def overlapping(tmp_path_factory):
    """Two datasets with the same ids and different content."""
    root = tmp_path_factory.mktemp("overlap")
    return (write_csv_dataset(generate(800, seed=1), root / "a"),
            write_csv_dataset(generate(800, seed=2), root / "b"))


@pytest.mark.neo4j
def test_two_loads_at_once_into_neo4j_are_serialised(fault_server, fault_store, overlapping):
    """Before the fix, the second of two overlapping loads failed with a raw
    ConstraintError (a traceback in the CLI) and its data was lost."""
    from dealgraph.graph.neo4j_store import Neo4jStore
    a, b = overlapping
    orders = {"a then b": _reference(a, b), "b then a": _reference(b, a)}
    for trial in range(3):
        from tests.support.neo4j import wipe_neo4j
        wipe_neo4j(fault_store)
        errors = _load_in_threads(lambda: Neo4jStore(fault_server.settings), [a, b])
        assert not errors, errors
        got = _graph(fault_store)
        assert got in orders.values(), f"trial {trial}: not the result of either order"
    # disjoint data: both loads are there in full
    wipe_neo4j(fault_store)
    errors = _load_in_threads(lambda: Neo4jStore(fault_server.settings), [a, SMALL])
    assert not errors
    assert _graph(fault_store) == _reference(a, SMALL)


def test_two_load_processes_at_once_into_the_embedded_store(tmp_path, overlapping):
    a, b = overlapping
    db = tmp_path / "s.db"
    EmbeddedStore(db).close()
    procs = [subprocess.Popen([sys.executable, "-m", "dealgraph", "load", "--store", str(db),
                               str(p)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for p in (a, b)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    got = _graph(EmbeddedStore(db))
    assert got in (_reference(a, b), _reference(b, a))


# -- SIGKILL of the loader at random moments (embedded store) ------------------------------------

def _integrity(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_loader_killed_at_random_moments_leaves_old_or_new_state(tmp_path, mid_dataset):
    """Six SIGKILLs at random moments of a load (reading, validating, writing, committing):
    each time the store passes SQLite's integrity check and holds either the state before
    the load or the whole load; the next run completes it."""
    db = tmp_path / "s.db"
    store = EmbeddedStore(db)
    load_paths(store, [SMALL])
    store.close()
    before = _reference(SMALL)
    after = _reference(SMALL, mid_dataset)
    cmd = [sys.executable, "-m", "dealgraph", "load", "--store", str(db), str(mid_dataset)]
    # how long a whole load takes here, on a copy
    copy = tmp_path / "timing.db"
    copy.write_bytes(db.read_bytes())
    t0 = time.monotonic()
    subprocess.run([*cmd[:5], str(copy), str(mid_dataset)], check=True, capture_output=True)
    duration = time.monotonic() - t0
    rng = random.Random(11)
    outcomes = []
    for _ in range(6):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.0) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _integrity(db) == "ok"
        reopened = EmbeddedStore(db)
        state = _graph(reopened)
        reopened.close()
        assert state in (before, after), "a half-written load is visible"
        outcomes.append("old" if state == before else "new")
        if state == after:  # it committed before the kill: start from the old state again
            db.unlink()
            for suffix in ("-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            store = EmbeddedStore(db)
            load_paths(store, [SMALL])
            store.close()
    rerun = subprocess.run(cmd, capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    final = EmbeddedStore(db)
    assert _graph(final) == after
    print(f"\nkills left: {outcomes}")
