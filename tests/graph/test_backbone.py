"""The backbone selection (``--top N``): the N entities with the most deals and the deals
between them, read from the party pairs only, the same on both stores."""

from __future__ import annotations

import pytest

from dealgraph.errors import ParameterError
from dealgraph.graph.backbone import Ranking, backbone, backbone_within
from dealgraph.graph.select import Selection, select_subgraph
from dealgraph.loaders import load_paths
from dealgraph.synth import generate, write_csv_dataset


def _expected(store, n):
    """The backbone worked out from the whole graph, independently of ``Ranking``."""
    sub = store.subgraph(None)
    deals_of: dict[str, set] = {}
    for r in sub.rels:
        if r.type == "PARTY_TO":
            deals_of.setdefault(r.src, set()).add(r.dst)
    top = sorted(deals_of, key=lambda e: (-len(deals_of[e]), e))[:n]
    count: dict[str, int] = {}
    for e in top:
        for d in deals_of[e]:
            count[d] = count.get(d, 0) + 1
    return top, sorted(d for d, k in count.items() if k >= 2)


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory):
    return write_csv_dataset(generate(800, seed=7), tmp_path_factory.mktemp("gen"))


def test_top_entities_and_shared_deals_match_the_whole_graph(any_store, seed_dir):
    load_paths(any_store, [seed_dir])
    for n in (1, 2, 5, 40):
        top, deals = _expected(any_store, n)
        bone = backbone(any_store, n)
        entities = [nid for nid, node in bone.nodes.items()
                    if node.label not in ("Deal", "Source")]
        assert sorted(entities) == sorted(top)
        assert sorted(nid for nid, node in bone.nodes.items() if node.label == "Deal") == deals
        assert bone.degrees == {e: len(_deals_of(any_store, e)) for e in top}
        for rel in bone.rels:
            assert rel.src in bone.nodes and rel.dst in bone.nodes


def _deals_of(store, entity):
    return {r.dst for r in store.deal_parties([entity]) if r.src == entity}


def test_both_stores_choose_the_same_backbone(embedded_store, neo4j_store, generated_dir):
    for store in (embedded_store, neo4j_store):
        load_paths(store, [generated_dir])
    for n in (10, 150):
        a, b = backbone(embedded_store, n), backbone(neo4j_store, n)
        assert a.nodes == b.nodes
        assert sorted(r.key for r in a.rels) == sorted(r.key for r in b.rels)
        assert a.degrees == b.degrees


def test_largest_backbone_within_a_budget(embedded_store, generated_dir):
    load_paths(embedded_store, [generated_dir])
    ranking = Ranking(embedded_store.rel_ends("PARTY_TO"))
    assert ranking.largest_within(10**6) == ranking.entities
    for budget in (50, 500, 3000):
        n = ranking.largest_within(budget)
        top, deals = _expected(embedded_store, n)
        assert n + len(deals) <= budget
        if n < ranking.entities:  # else the whole network fits
            more_top, more_deals = _expected(embedded_store, n + 1)
            assert n + 1 + len(more_deals) > budget
        bone = backbone_within(embedded_store, budget)
        assert bone.top == n and bone.shared_deals == len(deals)


def test_the_whole_graph_is_never_read(embedded_store, generated_dir, monkeypatch):
    load_paths(embedded_store, [generated_dir])
    whole = embedded_store.subgraph

    def subgraph(ids=None):
        assert ids is not None, "the whole graph was read"
        return whole(ids)

    monkeypatch.setattr(embedded_store, "subgraph", subgraph)
    monkeypatch.setattr(embedded_store, "iter_rels", lambda: pytest.fail("every rel read"))
    sub = select_subgraph(embedded_store, Selection(top=25))
    assert 25 == sum(1 for n in sub.nodes.values() if n.label == "Firm" or n.label == "Government"
                     or n.label == "Person")


def test_top_of_a_focused_selection_counts_deals_within_it(embedded_store, seed_dir):
    load_paths(embedded_store, [seed_dir])
    around = select_subgraph(embedded_store, Selection(focus="Xiaomi", hops=1))
    sub = select_subgraph(embedded_store, Selection(focus="Xiaomi", hops=1, top=2))
    deals_of: dict[str, set] = {}
    for r in around.rels:
        if r.type == "PARTY_TO":
            deals_of.setdefault(r.src, set()).add(r.dst)
    top = sorted(deals_of, key=lambda e: (-len(deals_of[e]), e))[:2]
    assert {n for n, node in sub.nodes.items() if node.label in ("Firm", "Government")} == set(top)
    assert all(node.id in around.nodes for node in sub.nodes.values())


@pytest.mark.parametrize("top", [0, -3, 2.5, True])
def test_top_must_be_a_positive_whole_number(embedded_store, top):
    with pytest.raises(ParameterError, match="top"):
        select_subgraph(embedded_store, Selection(top=top))


SELECTIONS = [dict(kinds=("acquisition",)), dict(statuses=("signed", "completed")),
              dict(countries=("CN",)), dict(as_of="2023-06-30"),
              dict(kinds=("investment", "stake_offer"), countries=("DE", "US"), as_of="2024")]


def test_filtered_graph_equals_filtering_the_whole_graph(any_store, seed_dir, generated_dir):
    """The streamed selection (ids and pairs only) keeps exactly what filtering the whole
    graph keeps, on both stores; with --top its backbone is the filtered graph's."""
    load_paths(any_store, [seed_dir])
    load_paths(any_store, [generated_dir])
    for filters in SELECTIONS:
        _same_selection(any_store, filters)


def _same_selection(store, filters):
    from dealgraph.graph.backbone import top_of_subgraph
    from dealgraph.graph.select import FilteredGraph, filter_subgraph
    sel = Selection(**filters)
    expected = filter_subgraph(store.subgraph(None), sel)
    got = FilteredGraph(store, sel)
    assert expected.nodes, f"{filters} selects nothing: the case checks nothing"
    assert len(got) == len({n for n, node in expected.nodes.items() if node.label != "Source"})
    assert got.nodes == expected.nodes
    assert sorted(r.key for r in got.rels) == sorted(r.key for r in expected.rels)
    top = select_subgraph(store, Selection(**filters, top=12))
    want = top_of_subgraph(expected, 12)
    assert top.nodes == want.nodes
    assert sorted(r.key for r in top.rels) == sorted(r.key for r in want.rels)
