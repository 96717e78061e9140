"""A quiet Neo4j: the server's notifications never reach stderr; --verbose summarises them."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dealgraph.cli import cli
from dealgraph.graph.backends import Neo4jSettings
from dealgraph.graph.notifications import TALLY, summary
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.queries import builtin_queries
from tests.support.neo4j import wipe_neo4j

pytestmark = pytest.mark.neo4j

# a property key no dataset has ever had: Neo4j answers with notification 01N52
UNKNOWN_PROPERTY = "MATCH (n:Firm) WHERE n.no_such_property_anywhere = 1 RETURN n.id AS id"


def _store(settings, notifications):
    from dealgraph.graph.neo4j_store import Neo4jStore
    return Neo4jStore(Neo4jSettings(settings.uri, settings.user, settings.password,
                                    settings.database, notifications=notifications))


def test_the_server_sends_no_notifications_by_default(neo4j_settings, capfd):
    TALLY.reset()
    with _store(neo4j_settings, False) as store:
        assert store.read(UNKNOWN_PROPERTY) == []
    assert summary() is None
    assert capfd.readouterr().err == ""


def test_verbose_counts_them_in_one_line_and_prints_none(neo4j_settings, capfd):
    TALLY.reset()
    with _store(neo4j_settings, True) as store:
        for _ in range(3):
            store.read(UNKNOWN_PROPERTY)
    line = summary()
    assert line.startswith("Neo4j sent 3 notifications (01N52 x3")
    assert "\n" not in line
    assert capfd.readouterr().err == ""
    TALLY.reset()


# a valid parameter set for every saved query on the seed dataset
PARAMS = {
    "partners": ["entity=huawei"], "network": ["entity=huawei", "hops=3"],
    "partners-of-partners": ["entity=huawei"], "paths": ["a=xiaomi", "b=huawei"],
    "common-partners": ["a=xiaomi", "b=huawei"], "exposure": ["government=miit"],
    "investors": ["target=huawei"], "cross-border": ["country_a=CN", "country_b=DE"],
    "timeline": ["entity=huawei"], "partner-list": ["entity=huawei"],
}


def test_every_saved_query_writes_under_1kb_to_stderr(neo4j_settings):
    from dealgraph.graph.neo4j_store import Neo4jStore
    with Neo4jStore(neo4j_settings) as store:
        wipe_neo4j(store)
        load_paths(store, [SEED_DIR])
    env = {"DEALGRAPH_BACKEND": "neo4j", "NEO4J_URI": neo4j_settings.uri,
           "NEO4J_USER": neo4j_settings.user, "NEO4J_PASSWORD": neo4j_settings.password}
    runner = CliRunner()
    sizes = {}
    for name in builtin_queries():
        args = ["query", "run", name]
        for pair in PARAMS.get(name, []):
            args += ["-p", pair]
        for flags in ([], ["--verbose"]):
            result = runner.invoke(cli, flags + args, env=env, catch_exceptions=False)
            assert result.exit_code == 0, (name, result.stderr)
            sizes[(name, *flags)] = len(result.stderr.encode())
    assert max(sizes.values()) < 1024, sizes
