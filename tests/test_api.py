"""The front door (``dealgraph.open`` and what it returns), on both stores."""

from __future__ import annotations

import datetime
import json

import networkx as nx
import pytest

import dealgraph
from dealgraph.api import Graph
from dealgraph.errors import DealgraphError, LoadError, NotFound, ParameterError, StoreUnavailable
from dealgraph.queries import run_saved_query
from dealgraph.viz.render import read_map_data, write_map


@pytest.fixture(scope="module")
def seeded_embedded(tmp_path_factory):
    g = dealgraph.open(tmp_path_factory.mktemp("api") / "store.db")
    g.load(dealgraph.SEED_DIR)
    yield g
    g.close()


@pytest.fixture(scope="module")
def seeded_neo4j(neo4j_settings):
    from tests.support.neo4j import wipe_neo4j
    g = dealgraph.open(neo4j_settings.uri, user=neo4j_settings.user,
                       password=neo4j_settings.password, database=neo4j_settings.database)
    wipe_neo4j(g.store)
    g.load(dealgraph.SEED_DIR)
    yield g
    g.close()


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def g(request) -> Graph:
    """The seed dataset behind the front door, once per store."""
    return request.getfixturevalue(f"seeded_{request.param}")


# -- open -------------------------------------------------------------------------------

def test_open_picks_the_store_from_the_target(tmp_path, monkeypatch):
    with dealgraph.open(tmp_path / "a.db") as g:
        assert g.backend == "embedded" and g.store.path == str(tmp_path / "a.db")
    monkeypatch.setenv("DEALGRAPH_STORE", str(tmp_path / "env.db"))
    monkeypatch.delenv("DEALGRAPH_BACKEND", raising=False)
    with dealgraph.open() as g:
        assert g.store.path == str(tmp_path / "env.db")


def test_open_a_neo4j_uri_reads_credentials_from_the_environment(monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    with pytest.raises(StoreUnavailable, match="no password for Neo4j at bolt://127.0.0.1:1"):
        dealgraph.open("bolt://127.0.0.1:1")


def test_open_refuses_an_unknown_scheme():
    with pytest.raises(ParameterError, match=r"^target: 'http://x' is neither"):
        dealgraph.open("http://x")


@pytest.mark.neo4j
def test_open_neo4j_from_the_environment(neo4j_settings, monkeypatch):
    monkeypatch.setenv("NEO4J_URI", neo4j_settings.uri)
    monkeypatch.setenv("NEO4J_USER", neo4j_settings.user)
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_settings.password)
    with dealgraph.open(neo4j_settings.uri) as g:
        assert g.backend == "neo4j"


# -- load ---------------------------------------------------------------------------------

def test_load_returns_the_summary_and_loading_again_changes_nothing(any_store, data_dir):
    g = Graph(any_store)
    first = g.load(data_dir / "small")
    assert first.created > 0 and first.as_dict()["created"] == first.created
    again = g.load([data_dir / "small"])
    assert (again.created, again.updated) == (0, 0) and again.unchanged == first.created


def test_load_dry_run_writes_nothing_and_lists_problems(any_store, data_dir, tmp_path):
    g = Graph(any_store)
    preview = g.load(data_dir / "small", dry_run=True)
    assert preview.counts["Deal"] > 0 and not preview.problems
    assert g.stats()["Deal"] == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "firms.csv").write_text("id,name,country\nacme,Acme,XX\n", encoding="utf-8")
    preview = g.load(bad, dry_run=True)
    assert [p.field for p in preview.problems] == ["country"]
    with pytest.raises(LoadError) as err:
        g.load(bad)
    assert "firms.csv:2" in str(err.value)
    assert g.stats()["Firm"] == 0


def test_load_needs_a_path(embedded_store):
    with pytest.raises(ParameterError, match="^paths: give at least one"):
        Graph(embedded_store).load([])


# -- query --------------------------------------------------------------------------------

def test_query_takes_typed_keywords_and_gives_the_saved_querys_rows(g):
    rows = g.query("partners", entity="Xiaomi", as_of=datetime.date(2023, 12, 31))
    same = run_saved_query(g.store, "partners", {"entity": "xiaomi"}, as_of="2023-12-31")
    assert rows.rows == same.rows and rows.columns == same.columns
    assert rows.params["entity"] == "xiaomi" and rows.params["as_of"] == "2023-12-31"
    assert g.query("network", entity="huawei", hops=1).rows == \
        run_saved_query(g.store, "network", {"entity": "huawei", "hops": "1"}).rows


def test_query_errors_name_the_keyword(g):
    with pytest.raises(ParameterError, match="^hops: must be between 1 and"):
        g.query("network", entity="Huawei", hops=99)
    with pytest.raises(ParameterError, match="^hops: expected a whole number"):
        g.query("network", entity="Huawei", hops=True)
    with pytest.raises(ParameterError, match=r"^entity: missing parameter .*\(give entity=\.\.\.\)"):
        g.query("partners")
    with pytest.raises(ParameterError, match="^as_of: "):
        g.query("partners", entity="Xiaomi", as_of="2023-02-30")
    with pytest.raises(NotFound, match="^entity: "):
        g.query("partners", entity="No Such Firm")


def test_rows_to_pandas(g):
    pd = pytest.importorskip("pandas")
    rows = g.query("partners", entity="Xiaomi")
    frame = rows.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(rows.columns) and len(frame) == len(rows)
    assert frame["partner"].tolist() == [r["partner"] for r in rows.rows]


def test_rows_to_networkx_holds_what_the_rows_name(g):
    rows = g.query("paths", a="Xiaomi", b="Huawei")
    graph = rows.to_networkx()
    assert isinstance(graph, nx.MultiDiGraph)
    named = {r[c] for r in rows.rows for c in ("from_entity", "to_entity", "deal")}
    assert named | {"xiaomi", "huawei"} <= set(graph.nodes)
    assert graph.nodes["xiaomi"]["label"] == "Firm"
    assert all(d["type"] == "PARTY_TO" for _, v, d in graph.edges(data=True)
               if graph.nodes[v]["label"] == "Deal")


def test_rows_show_in_a_notebook_escaped(g):
    rows = g.query("partners", entity="Xiaomi")
    page = rows._repr_html_()
    assert page.count("<tr>") == len(rows) + 1 and "<script" not in page


def test_rows_export(g, tmp_path):
    result = g.query("partners", entity="Xiaomi").export("json", tmp_path / "x.json")
    data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    ids = {n["id"] for n in data["nodes"]}
    assert {"xiaomi", "chery"} <= ids and result.counts["Deal"] >= 4


# -- subgraph, map, export ---------------------------------------------------------------------

def test_subgraph_filters_and_converts(g):
    sel = g.subgraph(focus="Huawei", hops=1, kind=["stake_offer"], country="DE")
    deals = sel.subgraph.of_label("Deal")
    assert deals and all(d.props["kind"] == "stake_offer" for d in deals)
    graph = sel.to_networkx()
    assert set(graph.nodes) == set(sel.nodes) and graph.number_of_edges() == len(sel.rels)
    everything = g.subgraph()
    assert len(everything) == sum(g.stats()[k] for k in ("Firm", "Government", "Person",
                                                          "Deal", "Source"))


def test_big_selections_show_their_size_without_reading_their_records(g, monkeypatch):
    """In a notebook a whole graph or a filtered selection shows its counts; reading a
    million deals to print them would take minutes and gigabytes."""
    whole = g.store.subgraph
    monkeypatch.setattr(g.store, "subgraph", lambda ids=None: whole(ids) if ids is not None
                        else pytest.fail("the whole graph was read"))
    stats = g.stats()
    assert repr(g.subgraph()) == (
        f"<Selected whole graph: {len(g.subgraph())} nodes, "
        f"{sum(stats['relationships'].values())} relationships>")
    signed = g.subgraph(status="signed")
    assert repr(signed).endswith(f": {len(signed)} nodes>")
    signed.rels  # noqa: B018  (read them)
    assert repr(signed).endswith("relationships>") and len(signed) == len(signed.nodes)
    top = g.subgraph(top=3)
    assert repr(top) == f"<Selected whole graph; the 3 entities with the most deals: " \
        f"{len(top.nodes)} nodes, {len(top.rels)} relationships>"


def test_subgraph_errors_name_the_keyword(g):
    with pytest.raises(ParameterError, match="^hops must be between 0 and"):
        g.subgraph(focus="Huawei", hops=9)
    with pytest.raises(ParameterError, match="^kind: unknown value 'merger'"):
        g.subgraph(kind="merger")


def test_map_shows_itself_in_a_sandboxed_frame_and_saves(g, tmp_path):
    m = g.subgraph(focus="Xiaomi", hops=1).map(title="<Xiaomi>", view="counterparties",
                                                caption="Caption passed through")
    frame = m._repr_html_()
    assert frame.startswith('<iframe sandbox="allow-scripts" ')
    assert "<script" not in frame and "&lt;script" in frame and 'title="&lt;Xiaomi&gt;"' in frame
    info = m.save(tmp_path / "m.html")
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    assert page == m.html and info.nodes == m.nodes
    same = write_map(g.subgraph(focus="Xiaomi", hops=1).subgraph, tmp_path / "w.html",
                     title="<Xiaomi>", view="counterparties", store=g.store)
    assert (info.nodes, info.edges, info.view, info.physics) == \
        (same.nodes, same.edges, same.view, same.physics)
    assert read_map_data(page)["meta"]["view"] == "counterparties"
    assert "Caption passed through" in page


def test_map_of_paths_rows_draws_only_the_paths_with_their_ends(g):
    rows = g.query("paths", a="Xiaomi", b="Audi")
    data = read_map_data(rows.map().html)
    assert data["meta"]["ends"] == ["xiaomi", "audi"] and data["meta"]["pathMode"] is True
    on_paths = {r["from_entity"] for r in rows} | {r["to_entity"] for r in rows} | \
        {r["deal"] for r in rows}
    assert {n["id"] for n in data["nodes"]} == on_paths
    with pytest.raises(NotFound, match="no path between Xiaomi and Audi within 1 steps"):
        g.query("paths", a="Xiaomi", b="Audi", max_hops=1).map()


def test_map_of_an_empty_selection_is_refused(g):
    with pytest.raises(NotFound, match="nothing to map"):
        g.subgraph(kind="supply").map()  # the seed has no supply deal


def test_selection_export(g, tmp_path):
    result = g.subgraph(focus="Xiaomi", hops=1).export("graphml", tmp_path / "x.graphml")
    graph = nx.read_graphml(result.paths[0])
    assert "xiaomi" in graph and result.counts["Firm"] >= 4


def test_errors_are_dealgraph_errors(g):
    with pytest.raises(DealgraphError):
        g.query("no-such-query")


# -- cypher ---------------------------------------------------------------------------------

def test_cypher_takes_keyword_parameters_on_either_store(g):
    rows = g.cypher("MATCH (f:Firm)-[:PARTY_TO]->(d:Deal) WHERE f.ownership = $own "
                    "RETURN f.id AS firm, count(d) AS deals ORDER BY deals DESC, firm LIMIT 3",
                    own="private")
    assert rows.columns == ("firm", "deals")
    assert rows.rows[0] == {"firm": "huawei", "deals": 14} and len(rows) <= 3
    assert rows.query is None and "huawei" in rows.to_networkx()


def test_cypher_is_read_only_unless_asked(g):
    with pytest.raises(DealgraphError, match="read-only unless you add write=True"
                       if g.backend == "neo4j" else "statements that write"):
        g.cypher("MATCH (f:Firm {id: 'xiaomi'}) SET f.name = 'x'")
    assert g.query("partners", entity="xiaomi").rows
