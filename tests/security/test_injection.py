"""Injection: data reaches Neo4j (and SQLite) only as parameters; labels and relationship
types in query text come only from the model.

* Against a real Neo4j: a dataset whose names, aliases, titles, summaries, notes,
  URLs and ids carry Cypher, SQL and HTML is loaded next to a sentinel subgraph that
  is not dealgraph's; afterwards the database holds exactly the expected nodes and
  relationships (by label and type), every property equals the input byte for byte,
  and the sentinel is untouched.
* Every query the store sent during that load and during reads and saved queries is
  recorded (through a recording wrapper around the store's driver): no probe string
  appears in any query text, all of them travel as parameters, and every ``:Name``
  in the text is a model label or relationship type.
* The same dataset in the embedded store leaves SQLite's schema as it was.
"""

from __future__ import annotations

import re

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL, InvalidModel
from dealgraph.loaders import load_paths
from dealgraph.errors import DealgraphError
from dealgraph.graph.neo4j_schema import FORMAT_LABEL
from dealgraph.graph.neo4j_store import LOAD_LOCK, META
from dealgraph.queries import access, builtin_queries, run_saved_query

from .hostile import CYPHER_PROBES, SQL_PROBES, XSS_PROBES, dump_neo4j, hostile_records, \
    write_hostile_dataset

PROBES = CYPHER_PROBES + XSS_PROBES + SQL_PROBES
# the store's own nodes (load lock, stored model extension, format marker): not data
BOOKKEEPING = {LOAD_LOCK, META, FORMAT_LABEL}


@pytest.mark.parametrize("name", ["Sentinel", "firm", "Firm ", "Firm`", "`Firm`", "Firm:Entity",
                                  "Entity|Deal", "Firm) DETACH DELETE (n", "", "PARTY_TO",
                                  *CYPHER_PROBES[:4]])
def test_labels_come_only_from_the_model(name):
    if name not in MODEL.labels:
        with pytest.raises(InvalidModel):
            MODEL.label(name)
    if name not in MODEL.relationships:
        with pytest.raises(InvalidModel):
            MODEL.rel_type(name)
    assert {MODEL.label(x) for x in MODEL.labels} == MODEL.labels
    assert all(re.fullmatch(r"[A-Z][A-Za-z_]*", x) for x in MODEL.labels | set(MODEL.relationships))


# -- recording what the store sends ---------------------------------------------------------

class _Tx:
    def __init__(self, tx, sent):
        self._tx, self._sent = tx, sent

    def run(self, query, parameters=None, **kwargs):
        self._sent.append((query, {**(parameters or {}), **kwargs}))
        return self._tx.run(query, parameters, **kwargs)

    def __getattr__(self, name):
        return getattr(self._tx, name)


class _Session:
    def __init__(self, session, sent):
        self._s, self._sent = session, sent

    def __enter__(self):
        self._s.__enter__()
        return self

    def __exit__(self, *exc):
        return self._s.__exit__(*exc)

    def run(self, query, parameters=None, **kwargs):
        self._sent.append((query, {**(parameters or {}), **kwargs}))
        return self._s.run(query, parameters, **kwargs)

    def execute_write(self, fn, *args, **kwargs):
        return self._s.execute_write(lambda tx, *a, **k: fn(_Tx(tx, self._sent), *a, **k),
                                     *args, **kwargs)

    def execute_read(self, fn, *args, **kwargs):
        return self._s.execute_read(lambda tx, *a, **k: fn(_Tx(tx, self._sent), *a, **k),
                                    *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._s, name)


class RecordingDriver:
    """The store's driver, recording (query text, parameters) of everything it runs."""

    def __init__(self, driver):
        self._d = driver
        self.sent: list[tuple[str, dict]] = []

    def session(self, *args, **kwargs):
        return _Session(self._d.session(*args, **kwargs), self.sent)

    def execute_query(self, query, parameters=None, *args, **kwargs):
        self.sent.append((query, dict(parameters or {})))
        return self._d.execute_query(query, parameters, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._d, name)


_NAME_AFTER_COLON = re.compile(r"(?<=[\w(\[]):([A-Za-z_]\w*(?:[|:&][A-Za-z_]\w*)*)")


def names_in(query: str) -> set[str]:
    """Every label or relationship type written after a colon in ``query``
    (``(n:Firm)``, ``[r:CITES|PART_OF]``, ``REMOVE n:Person:Government``)."""
    out = set()
    for m in _NAME_AFTER_COLON.finditer(query):
        out.update(re.split(r"[|:&]", m.group(1)))
    return out


def test_the_name_check_sees_labels_and_types():
    assert names_in("MATCH (n:Firm)-[r:CITES|PART_OF]->(b:Source) REMOVE n:Person:Government "
                    "WITH n MATCH (m {id: $id}) RETURN m") == {"Firm", "CITES", "PART_OF",
                                                             "Source", "Person", "Government"}


def _params_text(value) -> str:
    if isinstance(value, dict):
        return " ".join(_params_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return " ".join(_params_text(v) for v in value)
    return str(value)


@pytest.fixture
def hostile_dir(tmp_path):
    return write_hostile_dataset(tmp_path / "hostile")


@pytest.fixture
def sentinel(neo4j_store):
    """A subgraph that is not dealgraph's, in the same database."""
    with neo4j_store.driver.session(database=neo4j_store.database) as s:
        s.run("CREATE (a:Sentinel {keep: 'me', id: 'f0'})-[:GUARDS {since: 1}]->"
              "(b:Sentinel {keep: 'me too', id: 'acme'})").consume()
    return neo4j_store


@pytest.mark.neo4j
def test_hostile_values_reach_neo4j_only_as_parameters(sentinel, hostile_dir):
    store = sentinel
    recorder = RecordingDriver(store.driver)
    store.driver = recorder
    try:
        summary = load_paths(store, [hostile_dir])
        again = load_paths(store, [hostile_dir])
        # reads of every kind, with hostile text as input
        store.stats()
        sub = store.subgraph(None)
        store.subgraph(["f0", "d:1", CYPHER_PROBES[0]])
        store.entity_index()
        for probe in PROBES[:8]:
            found = {n.id: n for n in store.find_entities(probe)}
            assert found[f"f{PROBES.index(probe)}"].props["name"] == probe
        store.labels_of(PROBES)
        store.deal_parties(["f0", CYPHER_PROBES[1]])
        store.neighbourhood("f0", hops=2)
        # the query data access (dealgraph.queries.access), with hostile ids and values
        access.party_pairs(store, ["f0", CYPHER_PROBES[1]], "2024-01-01", [CYPHER_PROBES[2]])
        access.node_fields(store, PROBES, ("name", "country"))
        access.entities_where(store, "name", CYPHER_PROBES[0])
        access.linked_from(store, PROBES, "SUBSIDIARY_OF")
        access.counterparties_of(store, ["f0", CYPHER_PROBES[1]], None, ("name",))
        # saved queries, entities named by their hostile names
        for name, query in builtin_queries().items():
            entity_names = iter(CYPHER_PROBES)
            params = {p.name: {"int": "2", "country": "US", "date": "2024"}.get(
                p.type, next(entity_names)) for p in query.params}
            try:
                run_saved_query(store, name, params)
            except DealgraphError:
                pass  # e.g. a government parameter given a firm: refused, not injected
    finally:
        store.driver = recorder._d

    assert summary.created == 54 and again.created == again.updated == 0
    # 1. no probe in any query text; every probe travelled as a parameter
    assert len(recorder.sent) > 50
    assert {"Entity", "Firm", "Deal", "Source", "PARTY_TO", "CITES"} <= set().union(
        *(names_in(q) for q, _ in recorder.sent))
    allowed = MODEL.labels | set(MODEL.relationships) | BOOKKEEPING
    all_params = " ".join(_params_text(p) for _, p in recorder.sent)
    for query, _ in recorder.sent:
        for probe in PROBES:
            assert probe not in query, (probe, query)
        assert names_in(query) <= allowed, (names_in(query) - allowed, query)
    for probe in PROBES:
        assert probe in all_params, probe
    # 2. exactly the expected graph: counts by label and by type, values byte for byte
    ref = EmbeddedStore(":memory:")
    load_paths(ref, [hostile_dir])
    expected = ref.subgraph(None)
    assert sub.nodes == expected.nodes
    assert sub.rels == expected.rels
    rows = store.read("MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS n")
    by_label = {r["label"]: r["n"] for r in rows}
    stats = ref.stats()
    assert by_label == {"Sentinel": 2, FORMAT_LABEL: 1, "Entity": stats["Firm"] + stats["Government"]
                        + stats["Person"], "Firm": stats["Firm"],
                        "Government": stats["Government"], "Person": stats["Person"],
                        "Deal": stats["Deal"], "Source": stats["Source"]}
    rows = store.read("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
    assert {r["type"]: r["n"] for r in rows} == {
        "GUARDS": 1, **{t: n for t, n in stats["relationships"].items() if n}}
    records = hostile_records()
    for firm in records["firms"]:
        got = store.read("MATCH (n:Firm {id: $id}) RETURN n.name AS name, n.aliases AS aliases, "
                         "n.notes AS notes", {"id": firm["id"]})
        assert got[0]["name"].encode() == firm["name"].encode()
        assert (got[0]["aliases"] or None) == firm.get("aliases")
    # 3. the sentinel is untouched
    assert store.read("MATCH (a:Sentinel {keep: 'me'})-[r:GUARDS {since: 1}]->"
                      "(b:Sentinel {keep: 'me too'}) RETURN count(*) AS n")[0]["n"] == 1


@pytest.mark.neo4j
def test_hostile_dataset_through_the_cli_changes_only_dealgraph_nodes(runner, sentinel,
                                                                      neo4j_settings,
                                                                      hostile_dir):
    from dealgraph.cli import cli
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user,
           "NEO4J_PASSWORD": neo4j_settings.password, "DEALGRAPH_BACKEND": "neo4j"}
    result = runner.invoke(cli, ["load", str(hostile_dir)], env=env)
    assert result.exit_code == 0, result.output
    dump = dump_neo4j(sentinel.driver, sentinel.database)
    sentinels = sorted((n["props"]["keep"], n["props"]["id"]) for n in dump["nodes"]
                       if "Sentinel" in n["labels"])
    assert sentinels == [("me", "f0"), ("me too", "acme")]
    assert [r["type"] for r in dump["rels"] if r["type"] == "GUARDS"] == ["GUARDS"]
    assert {label for n in dump["nodes"] for label in n["labels"]} <= \
        MODEL.labels | {"Sentinel", FORMAT_LABEL}
    assert len(dump["nodes"]) == 2 + 54 + 1  # the sentinels, the data, the format marker


def test_hostile_values_leave_sqlite_alone(tmp_path, hostile_dir):
    store = EmbeddedStore(tmp_path / "s.db")
    schema = store.db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    load_paths(store, [hostile_dir])
    load_paths(store, [hostile_dir])
    assert store.db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name"
                            ).fetchall() == schema
    records = hostile_records()
    sub = store.subgraph(None)
    for firm in records["firms"]:
        node = sub.nodes[firm["id"]]
        assert node.props["name"] == firm["name"]
        assert node.props.get("aliases") == firm.get("aliases")
    for probe in PROBES[:10]:
        found = {n.id: n for n in store.find_entities(probe)}
        assert found[f"f{PROBES.index(probe)}"].props["name"] == probe
    assert store.stats()["Firm"] == len(records["firms"])
