"""The Neo4j store against a real server: writes, idempotence, configuration errors."""

import shutil

import pytest

from dealgraph.cli import cli
from dealgraph.errors import StoreUnavailable
from dealgraph.graph.backends import Neo4jSettings
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_paths

pytestmark = pytest.mark.neo4j


def test_constraints_exist_after_first_use(neo4j_store):
    rows = neo4j_store.read("SHOW CONSTRAINTS YIELD labelsOrTypes, properties "
                            "RETURN labelsOrTypes[0] AS label, properties[0] AS prop")
    assert {("Entity", "id"), ("Deal", "id"), ("Source", "id")} <= {(r["label"], r["prop"]) for r in rows}


def test_entities_carry_the_shared_label(neo4j_store, data_dir):
    load_paths(neo4j_store, [data_dir / "small"])
    rows = neo4j_store.read("MATCH (n:Entity) RETURN n.id AS id, labels(n) AS labels ORDER BY id")
    assert {r["id"]: sorted(r["labels"]) for r in rows}["acme"] == ["Entity", "Firm"]
    assert len(rows) == 7


def test_reload_is_idempotent_and_edits_update(neo4j_store, data_dir, tmp_path):
    first = load_paths(neo4j_store, [data_dir / "small"])
    assert first.created == 11
    again = load_paths(neo4j_store, [data_dir / "small"])
    assert (again.created, again.updated, again.unchanged, again.rels_added, again.rels_removed) == \
        (0, 0, 11, 0, 0)
    edited = tmp_path / "ds"
    shutil.copytree(data_dir / "small", edited)
    parties = edited / "parties.csv"
    parties.write_text(parties.read_text().replace("d-supply,beta,customer,\n", "d-supply,gamma,customer,\n"))
    deals = edited / "deals.csv"
    deals.write_text(deals.read_text().replace("supply,signed", "supply,completed"))
    summary = load_paths(neo4j_store, [edited])
    assert (summary.updated, summary.rels_added, summary.rels_removed) == (1, 1, 1)
    rows = neo4j_store.read("MATCH (e:Entity)-[r:PARTY_TO]->(d:Deal {id: $d}) "
                            "RETURN e.id AS e, d.status AS s ORDER BY e", {"d": "d-supply"})
    assert rows == [{"e": "acme", "s": "completed"}, {"e": "gamma", "s": "completed"}]


def test_entity_may_change_kind(neo4j_store, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    (one / "firms.csv").write_text("id,name,country\nx,Xco,US\n")
    load_paths(neo4j_store, [one])
    two = tmp_path / "two"
    two.mkdir()
    (two / "governments.csv").write_text("id,name,country,level\nx,X Agency,US,agency\n")
    load_paths(neo4j_store, [two])
    rows = neo4j_store.read("MATCH (n {id: 'x'}) RETURN labels(n) AS labels")
    assert [sorted(r["labels"]) for r in rows] == [["Entity", "Government"]]


def test_missing_password_is_a_clear_error():
    with pytest.raises(StoreUnavailable, match="set NEO4J_PASSWORD"):
        Neo4jStore(Neo4jSettings("bolt://127.0.0.1:7687", "neo4j", None))


def test_unreachable_server_names_the_uri_and_what_to_do():
    with pytest.raises(StoreUnavailable) as err:
        Neo4jStore(Neo4jSettings("bolt://127.0.0.1:1", "neo4j", "secret-password"))
    message = str(err.value)
    assert "bolt://127.0.0.1:1" in message and "NEO4J_URI" in message
    assert "secret-password" not in message


def test_wrong_password_is_refused_without_echoing_it(neo4j_settings):
    bad = Neo4jSettings(neo4j_settings.uri, neo4j_settings.user, "wrong-Pa55word")
    with pytest.raises(StoreUnavailable, match="refused the credentials") as err:
        Neo4jStore(bad)
    assert "wrong-Pa55word" not in str(err.value)


def test_bad_uri_scheme(neo4j_settings):
    with pytest.raises(StoreUnavailable, match="bad Neo4j URI"):
        Neo4jStore(Neo4jSettings("http://127.0.0.1:7474", "neo4j", "x"))


def test_cli_load_and_stats_on_neo4j(runner, neo4j_store, neo4j_settings, data_dir):
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password, "DEALGRAPH_BACKEND": "neo4j"}
    result = runner.invoke(cli, ["load", str(data_dir / "small")], env=env)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["stats", "--format", "json"], env=env)
    assert '"Deal": 3' in result.stdout
    down = runner.invoke(cli, ["stats", "--backend", "neo4j", "--neo4j-uri", "bolt://127.0.0.1:1"],
                         env=env)
    assert down.exit_code == 1 and down.stderr.startswith("error: cannot reach Neo4j at bolt://127.0.0.1:1")
    assert "Traceback" not in down.output
