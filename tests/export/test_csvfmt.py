"""CSV export (nodes.csv + edges.csv), read back with the csv module."""

import csv

from dealgraph.export import export_subgraph
from dealgraph.graph.model import MODEL
from tests.export.conftest import expected_node, rel_tuples


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _as_text(node) -> dict:
    return {k: str(v) for k, v in expected_node(node).items()}


def test_seed_tables(seed_store, tmp_path, context):
    sub = seed_store.subgraph(None)
    out = tmp_path / "csv"
    assert export_subgraph(sub, "csv", out, context) == [out / "nodes.csv", out / "edges.csv"]
    nodes = _rows(out / "nodes.csv")
    assert len(nodes) == len(sub.nodes)
    assert {r["id"]: {k: v for k, v in r.items() if v and k != "id"} for r in nodes} == \
        {n.id: _as_text(n) for n in sub.nodes.values()}
    edges = _rows(out / "edges.csv")
    assert list(edges[0]) == ["source", "target", "type", "role", "note", "country"]
    assert sorted((e["source"], e["target"], e["type"], e["role"] or None, e["note"] or None)
                  for e in edges) == rel_tuples(sub)


def test_every_model_property_has_a_column(seed_embedded, tmp_path):
    out = tmp_path / "csv"
    export_subgraph(seed_embedded.subgraph(None), "csv", out)
    header = next(csv.reader(open(out / "nodes.csv", newline="", encoding="utf-8")))
    wanted = {f.name for k in MODEL.kinds.values() if k.is_node for f in k.prop_fields}
    assert header[:3] == ["id", "type", "label"] and wanted <= set(header)


def test_hostile_values_survive(hostile_store, tmp_path):
    sub = hostile_store.subgraph(None)
    out = tmp_path / "csv"
    export_subgraph(sub, "csv", out)
    nodes = {r["id"]: r for r in _rows(out / "nodes.csv")}
    assert nodes["obrien"]["notes"] == sub.nodes["obrien"].props["notes"]  # \r\n, tab, emoji
    assert nodes["obrien"]["aliases"].split("|") == sub.nodes["obrien"].props["aliases"]
    assert nodes["d1"]["value"] == "2.5" and nodes["d2"]["value"] == "1500000000"
    edges = _rows(out / "edges.csv")
    assert sorted((e["source"], e["target"], e["type"], e["role"] or None, e["note"] or None)
                  for e in edges) == rel_tuples(sub)
