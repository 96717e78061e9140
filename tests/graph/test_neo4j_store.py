"""The Neo4j store against a real server: writes, idempotence, configuration errors."""

import shutil

import pytest

from dealgraph.cli import cli
from dealgraph.errors import StoreUnavailable
from dealgraph.graph.backends import Neo4jSettings
from dealgraph.graph.neo4j_store import Neo4jStore
from dealgraph.loaders import load_paths
from tests.support.neo4j import wipe_neo4j

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


# -- big loads: several transactions -------------------------------------------------------------

def _dump(store) -> tuple:
    """The graph (not the store-format marker, which the first Neo4jStore opened on an
    empty database writes)."""
    nodes = store.read("MATCH (n) WHERE n:Entity OR n:Deal OR n:Source "
                       "RETURN labels(n) AS labels, properties(n) AS props")
    rels = store.read("MATCH (a)-[r]->(b) RETURN a.id AS a, type(r) AS t, b.id AS b, "
                      "properties(r) AS props")
    return (sorted((sorted(r["labels"]), sorted(r["props"].items(), key=str)) for r in nodes),
            sorted((r["a"], r["t"], r["b"], sorted(r["props"].items(), key=str)) for r in rels))


def _small_parts(store, atomic_rows=4, tx_rows=5):
    store.atomic_rows, store.tx_rows = atomic_rows, tx_rows
    return store


@pytest.fixture(scope="module")
def two_generated(tmp_path_factory):
    """Two generated datasets with the same ids and different content (kinds, parties,
    properties); the second changes some entities' kind."""
    from dealgraph.synth import generate, write_csv_dataset
    root = tmp_path_factory.mktemp("parts")
    return (write_csv_dataset(generate(300, seed=1), root / "a"),
            write_csv_dataset(generate(300, seed=2), root / "b"))


def test_a_big_load_is_committed_in_parts_with_the_same_result(neo4j_store, data_dir,
                                                                 two_generated):
    """A load writing more than ``atomic_rows`` rows commits transactions of ``tx_rows``
    rows (here tiny thresholds stand in for the real 200,000 / 50,000); the graph, the
    summary and the idempotence are those of a one-transaction load."""
    a, b = two_generated
    reference = []
    for path in (a, b):  # one transaction each
        summary = load_paths(neo4j_store, [path])
        assert neo4j_store._parts_committed == 0
        reference.append((summary.as_dict(), _dump(neo4j_store)))
    wipe_neo4j(neo4j_store)
    store = _small_parts(neo4j_store, atomic_rows=100, tx_rows=150)
    for path, (summary, graph) in zip((a, b), reference):
        got = load_paths(store, [path])
        assert store._parts_committed > 3
        assert (got.as_dict(), _dump(store)) == (summary, graph)
    again = load_paths(store, [b])
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert store._parts_committed == 0  # nothing to write: one transaction
    assert store.read("MATCH (n:DealgraphLoadLock) RETURN count(n) AS n")[0]["n"] == 0


@pytest.mark.parametrize("stop_after", [1, 3, 8, 20, 45, 90])
def test_loading_again_completes_a_load_stopped_between_its_transactions(
        neo4j_store, two_generated, stop_after):
    """A multi-transaction load that stopped after some of its transactions (the client
    died): loading the same files again completes it, to the graph a one-transaction load
    gives. The parts are the store's own plan, committed by hand up to the stop."""
    from dealgraph.loaders import check_paths
    a, b = two_generated
    load_paths(neo4j_store, [a])
    load_paths(neo4j_store, [b])
    complete = _dump(neo4j_store)
    wipe_neo4j(neo4j_store)
    load_paths(neo4j_store, [a])
    batch = check_paths(neo4j_store, [b])
    with neo4j_store.driver.session() as session:
        _, writes = session.execute_read(neo4j_store._plan, batch)
        parts = [(cypher, rows[i:i + 25]) for cypher, rows in writes
                 for i in range(0, len(rows), 25)]   # transactions of 25 rows
        assert len(parts) > stop_after
        for cypher, rows in parts[:stop_after]:   # the transactions that were committed
            session.execute_write(lambda tx: tx.run(cypher, rows=rows).consume())
    assert _dump(neo4j_store) != complete
    _small_parts(neo4j_store, atomic_rows=100, tx_rows=150)
    load_paths(neo4j_store, [b])
    assert _dump(neo4j_store) == complete


def test_a_load_in_parts_keeps_the_load_lock_until_its_last_commit(neo4j_settings, neo4j_store,
                                                                   data_dir, two_generated):
    """Between the transactions of a multi-transaction load, another load cannot take the
    lock (its MERGE waits; here a 1 s transaction timeout ends the wait), and two such
    loads at once give the result of one after the other."""
    import threading
    from neo4j import Query
    from neo4j.exceptions import Neo4jError

    class Probing(Neo4jStore):
        probes: list = []

        def _begin_parts(self, lock_tx):
            with self.driver.session() as other:
                try:
                    other.run(Query("MERGE (:DealgraphLoadLock {id: 'load'})", timeout=1)).consume()
                    self.probes.append("lock taken")
                except Neo4jError:
                    self.probes.append("waited")

    probing = _small_parts(Probing(neo4j_settings))
    try:
        load_paths(probing, [data_dir / "small"])
        assert Probing.probes == ["waited"] and probing._parts_committed > 1
    finally:
        probing.close()

    a, b = two_generated
    orders = []
    for first, second in ((a, b), (b, a)):
        wipe_neo4j(neo4j_store)
        load_paths(neo4j_store, [first])
        load_paths(neo4j_store, [second])
        orders.append(_dump(neo4j_store))
    wipe_neo4j(neo4j_store)
    errors: list = []
    barrier = threading.Barrier(2)

    def run(path):
        store = _small_parts(Neo4jStore(neo4j_settings), atomic_rows=100, tx_rows=150)
        try:
            barrier.wait()
            load_paths(store, [path])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _dump(neo4j_store) in orders
