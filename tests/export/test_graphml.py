"""GraphML export, read back with networkx's GraphML reader."""

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from dealgraph.export import export_subgraph
from dealgraph.graph.records import Node, Subgraph
from dealgraph.export.common import node_colour
from tests.export.conftest import HOSTILE, edge_tuples, expected_node, rel_tuples

YED_KEYS = {"x", "y", "shape_type", "color"}  # the yEd graphics as networkx reads them, colour


def _read(path):
    g = nx.read_graphml(path, force_multigraph=True)
    nodes = {n: {k: v for k, v in d.items() if k not in YED_KEYS} for n, d in g.nodes(data=True)}
    return g, nodes


def test_seed_round_trip_keeps_types_and_every_property(seed_store, tmp_path, context):
    sub = seed_store.subgraph(None)
    path = tmp_path / "seed.graphml"
    assert export_subgraph(sub, "graphml", path, context) == [path]
    g, nodes = _read(path)
    assert isinstance(g, nx.MultiDiGraph) and g.is_directed()
    assert nodes == {n.id: expected_node(n) for n in sub.nodes.values()}
    assert edge_tuples(g) == rel_tuples(sub)
    assert g.graph["title"] == context.title and g.graph["question"] == context.question
    assert g.graph["list_fields"] == "aliases,country" and g.graph["list_separator"] == "|"


def test_hostile_values_survive(hostile_store, tmp_path, context):
    sub = hostile_store.subgraph(None)
    path = tmp_path / "h.graphml"
    export_subgraph(sub, "graphml", path, context)
    g, nodes = _read(path)
    assert nodes == {n.id: expected_node(n) for n in sub.nodes.values()}
    assert "\r\n" in nodes["obrien"]["notes"]  # carriage returns are not folded away
    assert edge_tuples(g) == rel_tuples(sub)
    assert g.number_of_edges("obrien", "d2") == 2  # two roles: parallel edges


def test_numbers_stay_typed(hostile_store, seed_embedded, tmp_path):
    path = tmp_path / "h.graphml"
    export_subgraph(hostile_store.subgraph(None), "graphml", path)
    g, _ = _read(path)
    # value mixes 2.5 and 1500000000: double; stake_high is always whole: long
    assert g.nodes["d1"]["value"] == 2.5 and isinstance(g.nodes["d2"]["value"], float)
    assert g.nodes["d1"]["stake_high"] == 7 and type(g.nodes["d1"]["stake_high"]) is int
    export_subgraph(seed_embedded.subgraph(None), "graphml", path)
    g, _ = _read(path)
    deal = g.nodes["deal-huawei-mercedes-stake-offer"]
    assert deal["valuation_low"] == 28_000_000_000 and type(deal["valuation_low"]) is int
    keys = {k.get("attr.name"): k.get("attr.type") for k in ET.parse(path).getroot()
            if k.tag.endswith("key")}
    assert keys["valuation_low"] == "long" and keys["name"] == "string"


def test_yed_graphics_use_the_map_colours(seed_embedded, tmp_path):
    sub = seed_embedded.subgraph(None)
    path = tmp_path / "seed.graphml"
    export_subgraph(sub, "graphml", path)
    ns = {"g": "http://graphml.graphdrawing.org/xmlns", "y": "http://www.yworks.com/xml/graphml"}
    root = ET.parse(path).getroot()
    fills = {n.get("id"): n.find(".//y:Fill", ns).get("color")
             for n in root.iterfind(".//g:node", ns)}
    assert fills["huawei"] == "#2B7BB9"            # Firm
    assert fills["us-commerce"] == "#C0392B"       # Government
    labels = {n.get("id"): n.find(".//y:NodeLabel", ns).text
              for n in root.iterfind(".//g:node", ns)}
    assert labels["huawei"] == "Huawei Technologies"


def test_igraph_reads_every_node_and_edge_with_labels_and_colours(hostile_store, seed_embedded,
                                                                 tmp_path):
    igraph = pytest.importorskip("igraph")
    for sub in (seed_embedded.subgraph(None), hostile_store.subgraph(None)):
        path = tmp_path / "g.graphml"
        export_subgraph(sub, "graphml", path)
        g = igraph.Graph.Read_GraphML(str(path))
        assert g.is_directed()
        assert (g.vcount(), g.ecount()) == (len(sub.nodes), len(sub.rels))
        by_id = {v["id"]: v for v in g.vs}
        for node in sub.nodes.values():
            assert by_id[node.id]["label"] == node.name
            assert by_id[node.id]["color"] == node_colour(node).lower()
        got = sorted((g.vs[e.source]["id"], g.vs[e.target]["id"], e["type"], e["role"] or None)
                     for e in g.es)
        assert got == sorted((r.src, r.dst, r.type, r.props.get("role")) for r in sub.rels)
        assert all(e["color"].startswith("#") for e in g.es)
    assert by_id["obrien"]["name"] == HOSTILE


def test_characters_xml_cannot_hold_become_replacement_characters(tmp_path):
    sub = Subgraph({"a": Node("a", "Firm", {"name": "bell\x07 and vt\x0b"})})
    path = tmp_path / "c.graphml"
    export_subgraph(sub, "graphml", path)
    g, nodes = _read(path)
    assert nodes["a"]["name"] == "bell\ufffd and vt\ufffd"


@pytest.mark.parametrize("name", ["type", "label", "id", "source", "target", "key"])
def test_no_model_field_uses_a_reserved_attribute_name(name):
    from dealgraph.graph.model import MODEL
    assert all(name not in k.prop_fields for k in MODEL.kinds.values())
    assert all(f.name != name for k in MODEL.kinds.values() for f in k.prop_fields)
