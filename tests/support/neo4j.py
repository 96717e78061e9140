"""Fixtures for a real Neo4j server.

Where the server comes from, in order: ``NEO4J_URI`` (with ``NEO4J_USER`` and
``NEO4J_PASSWORD``) if set; else testcontainers' Neo4j module if a Docker
engine answers; else ``scripts/neo4j-local start`` (Neo4j Community fetched
from Maven Central). With ``REQUIRE_NEO4J=1`` a missing server fails the run;
otherwise Neo4j tests are skipped. Each test starts from an empty database.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dealgraph.graph.backends import Neo4jSettings

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["neo4j_settings", "neo4j_store", "wipe_neo4j"]


def _docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _from_local_script() -> Neo4jSettings:
    # with Graph Data Science, which the brokers tests use (tests/queries/test_brokers_gds.py)
    env = {**os.environ, "NEO4J_LOCAL_GDS": os.environ.get("NEO4J_LOCAL_GDS", "1")}
    proc = subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "start"], capture_output=True,
                          text=True, timeout=900, env=env)
    if proc.returncode != 0:
        raise RuntimeError("scripts/neo4j-local start failed:\n" + proc.stderr[-3000:])
    env = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    return Neo4jSettings(env["NEO4J_URI"], env["NEO4J_USER"], env["NEO4J_PASSWORD"])


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_NEO4J") == "1":
        pytest.fail(f"REQUIRE_NEO4J=1 but no Neo4j server: {reason}", pytrace=False)
    pytest.skip(f"no Neo4j server: {reason}")


@pytest.fixture(scope="session")
def neo4j_settings():
    """Connection settings of a running Neo4j server (see the module docstring)."""
    if os.environ.get("NEO4J_URI"):
        yield Neo4jSettings().resolved()
        return
    if _docker_answers():
        from testcontainers.neo4j import Neo4jContainer
        # the image downloads the GDS build for its server at start, as the local script
        # installs it (tests/queries/test_brokers_gds.py needs it under REQUIRE_NEO4J=1)
        with Neo4jContainer("neo4j:5.26-community").with_env(
                "NEO4J_PLUGINS", '["graph-data-science"]').with_env(
                "NEO4J_dbms_security_procedures_unrestricted", "gds.*") as container:
            yield Neo4jSettings(container.get_connection_url(), "neo4j", container.password)
        return
    try:
        settings = _from_local_script()
    except (RuntimeError, OSError, subprocess.TimeoutExpired, KeyError) as exc:
        _unavailable(str(exc))
    yield settings


def wipe_neo4j(store) -> None:
    """Delete everything in the store's database (tests only)."""
    with store.driver.session(database=store.database) as session:
        # relationships first: a batch of nodes that holds the hubs of a million-deal graph
        # carries millions of relationships, beyond one transaction's memory
        session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                    ).consume()


@pytest.fixture
def neo4j_store(neo4j_settings):
    """A Neo4jStore on an empty database."""
    from dealgraph.graph.neo4j_store import Neo4jStore
    store = Neo4jStore(neo4j_settings)
    wipe_neo4j(store)
    store.use_own_model()  # what it read when opened was the last test's
    yield store
    store.close()
