"""The static picture and the layout behind it."""

import xml.etree.ElementTree as ET

from dealgraph.export.layout import FORCE_MAX, positions
from dealgraph.export.svg import render_svg
from dealgraph.graph.model import MODEL
from dealgraph.graph.records import Node, Subgraph

NS = "{http://www.w3.org/2000/svg}"


def test_layout_is_deterministic_and_in_the_unit_square():
    nodes = [f"n{i}" for i in range(40)]
    edges = [(f"n{i}", f"n{(i * 7) % 40}") for i in range(40)] + [("n1", "missing")]
    a, b = positions(nodes, edges), positions(list(reversed(nodes)), edges)
    assert a == b and set(a) == set(nodes)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in a.values())
    assert len({(round(x, 4), round(y, 4)) for x, y in a.values()}) == 40  # no two on one spot


def test_big_graphs_are_cheap():
    n = FORCE_MAX + 500
    nodes = [f"n{i}" for i in range(n)]
    pos = positions(nodes, [(f"n{i}", f"n{i // 2}") for i in range(1, n)])
    assert len(pos) == n


def test_picture_draws_entities_and_deals_not_sources(seed_embedded):
    sub = seed_embedded.subgraph(None)
    root = ET.fromstring(render_svg(sub, title="seed"))
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "Firm: Huawei Technologies" in titles
    assert not any(t.startswith("Source:") for t in titles if t)
    fills = {e.get("fill") for e in root.iter() if e.get("fill")}
    assert {MODEL.style[k]["color"] for k in ("Firm", "Government", "Person", "Deal")} <= fills


def test_text_is_escaped():
    sub = Subgraph({"a": Node("a", "Firm", {"name": "</text><script>x</script> & \x01"})})
    root = ET.fromstring(render_svg(sub, title="<t>"))
    assert [t.text for t in root.iter(f"{NS}text") if t.text.startswith("<")] == \
        ["</text><script>x</script> & \ufffd"]
    assert not any(e.tag == f"{NS}script" for e in root.iter())
