"""JSON (node-link) export, read back with the json module and networkx.node_link_graph."""

import json

import networkx as nx

from dealgraph.export import export_subgraph
from tests.export.conftest import edge_tuples, expected_node, rel_tuples


def test_seed_round_trip(seed_store, tmp_path, context):
    sub = seed_store.subgraph(None)
    path = tmp_path / "seed.json"
    assert export_subgraph(sub, "json", path, context) == [path]
    data = json.loads(path.read_text("utf-8"))
    assert data["graph"] == {"title": context.title, "question": context.question,
                             "generated": "2024-05-06 07:08:09 UTC"}
    g = nx.node_link_graph(data, edges="links")
    assert isinstance(g, nx.MultiDiGraph)
    assert dict(g.nodes(data=True)) == {n.id: expected_node(n, joined=False)
                                        for n in sub.nodes.values()}
    assert edge_tuples(g) == rel_tuples(sub)


def test_lists_and_numbers_keep_their_json_types(hostile_store, tmp_path):
    sub = hostile_store.subgraph(None)
    path = tmp_path / "h.json"
    export_subgraph(sub, "json", path)
    data = json.loads(path.read_text("utf-8"))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["obrien"]["aliases"] == sub.nodes["obrien"].props["aliases"]
    assert nodes["obrien"]["name"] == sub.nodes["obrien"].props["name"]
    assert type(nodes["d2"]["value"]) is int and nodes["d1"]["value"] == 2.5
    assert {n["id"]: {k: v for k, v in n.items() if k != "id"} for n in data["nodes"]} == \
        {n.id: expected_node(n, joined=False) for n in sub.nodes.values()}
    keys = [(link["source"], link["target"], link["key"]) for link in data["links"]]
    assert ("obrien", "d2", "PARTY_TO:sanctioned") in keys
    assert ("obrien", "d2", "PARTY_TO:customer") in keys
    g = nx.node_link_graph(data, edges="links")
    assert edge_tuples(g) == rel_tuples(sub)
