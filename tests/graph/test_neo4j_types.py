"""Native Neo4j types: date fields keep their value as loaded and get DATE companions (first
and last day they can mean), range indexes exist, and a database written before the
companions is refused by the saved queries until migrated or loaded again."""

import datetime

import pytest

from dealgraph.cli import cli
from dealgraph.errors import DealgraphError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import SEED_DIR, load_paths
from dealgraph.queries import run_saved_query

pytestmark = pytest.mark.neo4j


def _env(settings):
    return {"NEO4J_URI": settings.uri, "NEO4J_USER": settings.user,
            "NEO4J_PASSWORD": settings.password}


def test_dates_are_native_dates_beside_the_values_as_loaded(neo4j_store, tmp_path):
    load_paths(neo4j_store, [SEED_DIR])
    rows = {r["id"]: r for r in neo4j_store.read(
        "MATCH (d:Deal) RETURN d.id AS id, d.announced AS a, d.announced_from AS f, "
        "d.announced_to AS t, d.end_to AS e")}
    for r in rows.values():
        if r["a"] is None:
            assert r["f"] is None and r["t"] is None
            continue
        assert isinstance(r["f"].to_native(), datetime.date)
        assert r["f"].iso_format().startswith(r["a"]) and r["t"].iso_format().startswith(r["a"])
        assert r["f"] <= r["t"]
    partial = [r for r in rows.values() if r["a"] and len(r["a"]) == 7]
    assert partial  # the seed has month-only dates: first and last day of the month
    assert all(r["f"].day == 1 and (r["t"].to_native() + datetime.timedelta(days=1)).day == 1
               for r in partial)
    # read back, a node is what the embedded store holds: no companions, same values
    emb = EmbeddedStore(str(tmp_path / "e.db"))
    load_paths(emb, [SEED_DIR])
    assert neo4j_store.subgraph(None).nodes == emb.subgraph(None).nodes
    # Neo4j's date functions work on them
    n = neo4j_store.read("MATCH (d:Deal) WHERE d.announced_from >= date('2023-01-01') "
                         "AND d.announced_to < date('2023-02-01') RETURN count(d) AS n")[0]["n"]
    assert n == sum(1 for r in rows.values() if r["a"] and r["a"].startswith("2023-01"))


def test_range_indexes_are_created_with_the_constraints(neo4j_store):
    rows = neo4j_store.read("SHOW INDEXES YIELD name, type, labelsOrTypes, properties "
                            "RETURN name, type, labelsOrTypes[0] AS label, properties[0] AS prop")
    got = {(r["label"], r["prop"]) for r in rows if r["type"] == "RANGE"}
    assert {("Entity", "country"), ("Deal", "kind"), ("Deal", "status"),
            ("Deal", "announced_from"), ("Deal", "end_to"), ("Entity", "name")} <= got
    plan = neo4j_store.read("EXPLAIN MATCH (d:Deal) WHERE d.kind = 'supply' RETURN d")
    assert plan == []  # EXPLAIN runs nothing; the index is used (checked in docs by PROFILE)


def _make_outdated(store):
    """Turn the store into what an earlier dealgraph left: dates as text only."""
    with store.driver.session(database=store.database) as s:
        s.run("MATCH (n) WHERE n:Deal OR n:Source REMOVE n.announced_from, n.announced_to, "
              "n.effective_from, n.effective_to, n.end_from, n.end_to, n.published_from, "
              "n.published_to").consume()
        s.run("MATCH (m:DealgraphStore) DELETE m").consume()


def test_an_outdated_database_is_refused_until_migrated(neo4j_store, neo4j_settings, runner):
    load_paths(neo4j_store, [SEED_DIR])
    expected = run_saved_query(neo4j_store, "timeline", {"entity": "Huawei"}, as_of="2022").rows
    _make_outdated(neo4j_store)
    old = Neo4jStore(neo4j_settings)
    try:
        assert old.outdated
        with pytest.raises(DealgraphError, match="dealgraph migrate --backend neo4j"):
            run_saved_query(old, "timeline", {"entity": "Huawei"}, as_of="2022")
    finally:
        old.close()
    res = runner.invoke(cli, ["query", "run", "timeline", "-p", "entity=Huawei", "--backend",
                              "neo4j"], env=_env(neo4j_settings))
    assert res.exit_code == 1 and "migrate" in res.output
    res = runner.invoke(cli, ["migrate", "--backend", "neo4j"], env=_env(neo4j_settings))
    assert res.exit_code == 0 and "Migrated:" in res.output, res.output
    res = runner.invoke(cli, ["migrate", "--backend", "neo4j"], env=_env(neo4j_settings))
    assert res.exit_code == 0 and "Nothing to migrate." in res.output
    fresh = Neo4jStore(neo4j_settings)
    try:
        assert not fresh.outdated
        assert run_saved_query(fresh, "timeline", {"entity": "Huawei"}, as_of="2022").rows \
            == expected
    finally:
        fresh.close()


def test_loading_again_migrates_the_whole_database(neo4j_store, neo4j_settings, data_dir):
    load_paths(neo4j_store, [SEED_DIR])
    _make_outdated(neo4j_store)
    old = Neo4jStore(neo4j_settings)
    try:
        load_paths(old, [data_dir / "small"])  # other data: every dated node is migrated
        assert not old.outdated
        left = old.read("MATCH (d:Deal) WHERE d.announced IS NOT NULL AND "
                        "d.announced_from IS NULL RETURN count(d) AS n")[0]["n"]
        assert left == 0
    finally:
        old.close()


def test_one_value_countries_of_an_earlier_dealgraph_are_migrated_to_lists(
        neo4j_store, neo4j_settings, runner):
    """A database whose entities keep ``country`` as one text value (as dealgraph wrote it
    before countries were lists) is outdated: cross-border would miss its deals. After
    ``dealgraph migrate`` every country is a list and the answers are a fresh load's."""
    load_paths(neo4j_store, [SEED_DIR])
    params = {"country_a": "CN", "country_b": "DE"}
    expected = run_saved_query(neo4j_store, "cross-border", params).rows
    assert expected
    with neo4j_store.driver.session(database=neo4j_store.database) as s:
        s.run("MATCH (n:Entity) WHERE n.country IS NOT NULL SET n.country = n.country[0]"
              ).consume()
        s.run("MATCH (m:DealgraphStore) DELETE m").consume()
    old = Neo4jStore(neo4j_settings)
    try:
        assert old.outdated
        with pytest.raises(DealgraphError, match="countries as one value"):
            run_saved_query(old, "cross-border", params)
    finally:
        old.close()
    res = runner.invoke(cli, ["migrate", "--backend", "neo4j"], env=_env(neo4j_settings))
    assert res.exit_code == 0 and "Migrated:" in res.output, res.output
    fresh = Neo4jStore(neo4j_settings)
    try:
        assert not fresh.outdated
        kinds = fresh.read("MATCH (n:Entity) WHERE n.country IS NOT NULL "
                           "RETURN DISTINCT valueType(n.country) AS t")
        assert [r["t"] for r in kinds] == ["LIST<STRING NOT NULL> NOT NULL"]
        assert run_saved_query(fresh, "cross-border", params).rows == expected
    finally:
        fresh.close()
