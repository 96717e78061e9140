"""GEXF export, read back with networkx's GEXF reader; colours as on the map."""

import xml.etree.ElementTree as ET

import networkx as nx

from dealgraph.export import export_subgraph
from dealgraph.graph.model import MODEL
from dealgraph.viz.elements import GREY
from tests.export.conftest import edge_tuples, expected_node, rel_tuples


def _rgb(colour):
    c = colour.lstrip("#")
    return {"r": int(c[0:2], 16), "g": int(c[2:4], 16), "b": int(c[4:6], 16), "a": 1.0}


def _read(path):
    g = nx.read_gexf(path)
    nodes = {n: {k: v for k, v in d.items() if k != "viz"} for n, d in g.nodes(data=True)}
    return g, nodes


def test_seed_round_trip_keeps_types_and_every_property(seed_store, tmp_path, context):
    sub = seed_store.subgraph(None)
    path = tmp_path / "seed.gexf"
    assert export_subgraph(sub, "gexf", path, context) == [path]
    g, nodes = _read(path)
    assert g.is_directed()
    assert nodes == {n.id: expected_node(n) for n in sub.nodes.values()}
    edges = sorted((u, v, d["type"], d.get("role"), d.get("note"), d["label"])
                   for u, v, d in g.edges(data=True))
    assert [e[:5] for e in edges] == rel_tuples(sub)
    assert all(e[2] == e[5] for e in edges)  # the edge label is its type


def test_hostile_values_survive(hostile_store, tmp_path, context):
    sub = hostile_store.subgraph(None)
    path = tmp_path / "h.gexf"
    export_subgraph(sub, "gexf", path, context)
    g, nodes = _read(path)
    assert isinstance(g, nx.MultiDiGraph)  # obrien is party to d2 twice
    assert nodes == {n.id: expected_node(n) for n in sub.nodes.values()}
    assert edge_tuples(g) == rel_tuples(sub)
    assert nodes["d1"]["value"] == 2.5 and type(nodes["d1"]["stake_high"]) is int


def test_deal_end_is_an_attribute_not_a_time_interval(hostile_store, tmp_path):
    path = tmp_path / "h.gexf"
    export_subgraph(hostile_store.subgraph(None), "gexf", path)
    g, nodes = _read(path)
    assert nodes["d1"]["end"] == "2026"
    graph = ET.parse(path).getroot().find("{http://gexf.net/1.3}graph")
    assert graph.get("mode") == "static"


def test_viz_colours_and_shapes_match_the_map(seed_embedded, tmp_path):
    sub = seed_embedded.subgraph(None)
    path = tmp_path / "seed.gexf"
    export_subgraph(sub, "gexf", path)
    g, _ = _read(path)
    for node in sub.nodes.values():
        viz = g.nodes[node.id]["viz"]
        if node.props.get("status") in MODEL.style["grey_status"]:
            assert viz["color"] == _rgb(GREY), node.id
        else:
            assert viz["color"] == _rgb(MODEL.style[node.label]["color"]), node.id
        assert set(viz["position"]) == {"x", "y", "z"}
    ns = {"g": "http://gexf.net/1.3", "viz": "http://gexf.net/1.3/viz"}
    shapes = {n.get("id"): n.find("viz:shape", ns).get("value")
              for n in ET.parse(path).getroot().iterfind(".//g:node", ns)}
    assert shapes["huawei"] == "disc" and shapes["us-commerce"] == "diamond"
    assert shapes["richard-yu"] == "triangle"


def test_gexf_1_3_with_one_edge_of_its_own_kind_per_relationship(hostile_store, tmp_path):
    """Parallel relationships (obrien is party to d2 in two roles) are distinct edges with
    their own ids and kinds, which Gephi's default import keeps apart."""
    sub = hostile_store.subgraph(None)
    path = tmp_path / "h.gexf"
    export_subgraph(sub, "gexf", path)
    root = ET.parse(path).getroot()
    assert root.tag == "{http://gexf.net/1.3}gexf" and root.get("version") == "1.3"
    ns = {"g": "http://gexf.net/1.3"}
    edges = root.findall(".//g:edge", ns)
    assert len(edges) == len(sub.rels)
    assert len({e.get("id") for e in edges}) == len(edges)
    to_d2 = sorted(e.get("kind") for e in edges
                   if (e.get("source"), e.get("target")) == ("obrien", "d2"))
    assert len(to_d2) == 2 and to_d2[0] != to_d2[1]
    assert all(k.startswith("PARTY_TO:") for k in to_d2)
    assert len({(e.get("source"), e.get("target"), e.get("kind")) for e in edges}) == len(edges)
