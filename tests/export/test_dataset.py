"""Dataset export: export, load into an empty store, get the same graph back, on both stores."""

import csv
import json

import pytest

from dealgraph.errors import DealgraphError
from dealgraph.export import export_subgraph, select_for_export
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL
from dealgraph.graph.records import Node, Rel, Subgraph
from dealgraph.graph.select import Selection
from dealgraph.loaders import load_paths

SELECTIONS = [
    Selection(),
    Selection(focus="Huawei", hops=1),
    Selection(focus="Xiaomi", hops=2, statuses=("signed", "completed", "in_talks")),
    Selection(kinds=("licence", "stake_offer")),
    Selection(countries=("DE",)),
    Selection(as_of="2022-06"),
    Selection(focus="BAIC Motor", hops=0),
]


def _empty_like(store, tmp_path):
    """An empty store of the same kind: a new file, or the same Neo4j database cleared."""
    if store.backend == "embedded":
        return EmbeddedStore(tmp_path / "target.db")
    store.clear()
    return store


def _round_trip(store, sub, tmp_path):
    out = tmp_path / "dataset"
    written = export_subgraph(sub, "dataset", out)
    assert sorted(p.name for p in written) == sorted(f"{k.file}.csv" for k in MODEL.kinds.values())
    target = _empty_like(store, tmp_path)
    load_paths(target, [out])
    back = target.subgraph(None)
    assert back.nodes == sub.nodes
    assert back.rels == sub.rels
    return out


@pytest.mark.parametrize("sel", SELECTIONS, ids=lambda s: s.describe())
def test_round_trip_gives_the_same_graph(seed_store, sel, tmp_path):
    sub = select_for_export(seed_store, sel)
    assert sub.nodes
    _round_trip(seed_store, sub, tmp_path)


def test_hostile_values_round_trip(any_store, hostile_dir, tmp_path):
    load_paths(any_store, [hostile_dir])
    sub = any_store.subgraph(None)
    _round_trip(any_store, sub, tmp_path)


def test_references_outside_the_selection_are_left_out(seed_embedded, tmp_path):
    sub = select_for_export(seed_embedded, Selection(focus="BAIC Motor", hops=0))
    assert "baic-group" not in sub.nodes  # its parent
    out = _round_trip(seed_embedded, sub, tmp_path)
    with open(out / "firms.csv", newline="", encoding="utf-8") as fh:
        firms = {r["id"]: r for r in csv.DictReader(fh)}
    assert firms["baic-motor"]["parent"] == ""
    assert firms["baic-motor"]["sources"]  # sources always come along


def test_columns_are_the_models(seed_embedded, tmp_path):
    out = tmp_path / "ds"
    export_subgraph(seed_embedded.subgraph(None), "dataset", out)
    for kind in MODEL.kinds.values():
        header = next(csv.reader(open(out / f"{kind.file}.csv", newline="", encoding="utf-8")))
        assert header == list(kind.fields)


def test_list_values_with_the_separator_go_to_json(tmp_path):
    data = {
        "sources": [{"id": "s", "publisher": "P", "title": "T"}],
        "firms": [{"id": "a", "name": "A", "aliases": ["x|y", "z"], "sources": ["s"]},
                  {"id": "b", "name": "B"}],
        "deals": [{"id": "d", "kind": "supply", "status": "signed", "title": "D",
                   "sources": ["s"]}],
        "parties": [{"deal": "d", "entity": "a", "role": "supplier"},
                    {"deal": "d", "entity": "b", "role": "customer"}],
    }
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data))
    store = EmbeddedStore(tmp_path / "s.db")
    load_paths(store, [src])
    sub = store.subgraph(None)
    out = tmp_path / "ds"
    names = {p.name for p in export_subgraph(sub, "dataset", out)}
    assert "firms.json" in names and "firms.csv" not in names and "deals.csv" in names
    target = EmbeddedStore(tmp_path / "t.db")
    load_paths(target, [out])
    assert target.subgraph(None).nodes == sub.nodes
    # exporting plain data into the same directory again replaces the JSON file by CSV
    plain = Subgraph(dict(sub.nodes), list(sub.rels))
    plain.nodes["a"] = Node("a", "Firm", {"name": "A", "aliases": ["z"]})
    names = {p.name for p in export_subgraph(plain, "dataset", out)}
    assert "firms.csv" in names and not (out / "firms.json").exists()


def test_a_deal_without_parties_cannot_be_written(tmp_path):
    sub = Subgraph({"d": Node("d", "Deal", {"kind": "supply", "status": "signed", "title": "D"}),
                    "s": Node("s", "Source", {"publisher": "P", "title": "T"})},
                   [Rel("d", "CITES", "s")])
    with pytest.raises(DealgraphError, match="1 deal.* no party .*d"):
        export_subgraph(sub, "dataset", tmp_path / "ds")
    assert not (tmp_path / "ds").exists()


def test_refuses_a_directory_with_other_data_files(seed_embedded, tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "extra.yaml").write_text("firms: []\n")
    with pytest.raises(DealgraphError, match="other data files"):
        export_subgraph(seed_embedded.subgraph(None), "dataset", out)
    assert sorted(p.name for p in out.iterdir()) == ["extra.yaml"]
