"""Fixtures of the security tests: a Neo4j server of their own that tests may stop and
kill (``fault_server``), and the count of fuzz cases printed at the end of the run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from dealgraph.graph.backends import Neo4jSettings

from .hostile import FUZZ_COUNTS, OUTCOMES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j-local"
PASSWORD = "dealgraph-faults"


def pytest_terminal_summary(terminalreporter):
    if not FUZZ_COUNTS:
        return
    tr = terminalreporter
    tr.section("security fuzz cases")
    for name, n in sorted(FUZZ_COUNTS.items()):
        loaded, rejected = OUTCOMES[(name, "loaded")], OUTCOMES[(name, "rejected")]
        detail = f" ({loaded} loaded, {rejected} rejected)" if loaded or rejected else ""
        tr.write_line(f"{n:6d}  {name}{detail}")
    tr.write_line(f"{sum(FUZZ_COUNTS.values()):6d}  in all")


# -- a Neo4j server to stop and kill ------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shared_lib() -> tuple[str, Path] | None:
    """(version, lib directory) of a Neo4j that scripts/neo4j-local already fetched, so that
    the dedicated server needs no second download."""
    roots = [os.environ.get("NEO4J_LOCAL_CACHE_DIR"), str(ROOT / ".cache" / "neo4j")]
    for root in filter(None, roots):
        for home in sorted(Path(root).glob("neo4j-community-*"), reverse=True):
            if (home / "lib" / ".complete").is_file():
                return home.name.removeprefix("neo4j-community-"), home / "lib"
    return None


class FaultServer:
    """A Neo4j Community server started with ``scripts/neo4j-local`` in a directory of
    its own, on free ports, which tests may stop, kill and start again."""

    def __init__(self, cache: Path):
        self.cache = cache
        self.env = dict(os.environ,
                        NEO4J_LOCAL_CACHE_DIR=str(cache),
                        NEO4J_LOCAL_BOLT_PORT=str(_free_port()),
                        NEO4J_LOCAL_HTTP_PORT=str(_free_port()),
                        NEO4J_LOCAL_PASSWORD=PASSWORD,
                        NEO4J_LOCAL_START_TIMEOUT="300")
        shared = _shared_lib()
        if shared and not os.environ.get("NEO4J_LOCAL_VERSION"):
            version, lib = shared
            home = cache / f"neo4j-community-{version}"
            home.mkdir(parents=True, exist_ok=True)
            if not (home / "lib").exists():
                (home / "lib").symlink_to(lib, target_is_directory=True)
            self.env["NEO4J_LOCAL_VERSION"] = version
        self.settings = Neo4jSettings(f"bolt://127.0.0.1:{self.env['NEO4J_LOCAL_BOLT_PORT']}",
                                      "neo4j", PASSWORD)
        self.log: list[str] = []

    def _run(self, command: str, timeout: float = 900) -> subprocess.CompletedProcess:
        t0 = time.monotonic()
        proc = subprocess.run([str(SCRIPT), command], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        self.log.append(f"{command}: exit {proc.returncode} in {time.monotonic() - t0:.0f} s")
        if proc.returncode != 0:
            raise RuntimeError(f"scripts/neo4j-local {command} failed:\n{proc.stderr[-3000:]}")
        return proc

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        """A clean shutdown, as an operator would do it."""
        self._run("stop")

    def pid(self) -> int | None:
        for pidfile in self.cache.glob("neo4j-community-*/run/neo4j.pid"):
            text = pidfile.read_text().strip()
            if text.isdigit():
                return int(text)
        return None

    def kill(self) -> None:
        """SIGKILL the server's JVM: a crash, with no chance to clean up."""
        pid = self.pid()
        assert pid, "no pid file for the fault server"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        self.log.append(f"kill -9 {pid}")

    def is_up(self) -> bool:
        return subprocess.run([str(SCRIPT), "status"], env=self.env, capture_output=True
                              ).returncode == 0


@pytest.fixture(scope="session")
def fault_server(tmp_path_factory):
    """A dedicated Neo4j server for fault injection (never the shared one)."""
    server = FaultServer(tmp_path_factory.mktemp("neo4j-faults"))
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        if os.environ.get("REQUIRE_NEO4J") == "1":
            pytest.fail(f"REQUIRE_NEO4J=1 but the fault-injection Neo4j did not start: {exc}",
                        pytrace=False)
        pytest.skip(f"no Neo4j for fault injection: {exc}")
    yield server
    try:
        server.stop()
    except (RuntimeError, subprocess.TimeoutExpired):
        if server.pid():
            try:
                os.kill(server.pid(), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.fixture
def fault_store(fault_server):
    """An empty Neo4jStore on the fault server, which is running when the test starts."""
    from dealgraph.graph.neo4j_store import Neo4jStore
    from tests.support.neo4j import wipe_neo4j
    if not fault_server.is_up():
        fault_server.start()
    store = Neo4jStore(fault_server.settings)
    wipe_neo4j(store)
    yield store
    store.close()
