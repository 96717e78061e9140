"""Choosing what to export (a selection or a saved query's rows), and what happens when the
selection is empty or the arguments do not fit together."""

from collections import namedtuple

import pytest

from dealgraph.errors import DealgraphError, NotFound, ParameterError
from dealgraph.export import FORMATS, query_subgraph, run_export, select_for_export
from dealgraph.graph.select import Selection

FakeResult = namedtuple("FakeResult", "columns rows")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_an_empty_selection_writes_nothing(seed_embedded, tmp_path, fmt):
    out = tmp_path / "out" / f"x.{fmt}"
    with pytest.raises(DealgraphError, match=r"^the selection is empty: .*kind in sanction.*"
                                             r"nothing written$"):
        run_export(seed_embedded, fmt, out, selection=Selection(kinds=("sanction",)))
    assert not out.exists() and not (tmp_path / "out").exists()


def test_run_export_reports_what_it_wrote(seed_store, tmp_path):
    result = run_export(seed_store, "json", tmp_path / "x.json",
                        selection=Selection(focus="xiaomi", hops=1), as_of="2023-12")
    assert result.paths == [tmp_path / "x.json"]
    assert result.question == "1 hop(s) around xiaomi; as of 2023-12"
    assert result.counts["Deal"] > 0 and list(result.counts)[:3] == ["Firm", "Government", "Person"]
    assert "deals" in result.summary()
    assert result.summary().endswith("(1 hop(s) around xiaomi; as of 2023-12)")


def test_bad_arguments(seed_embedded, tmp_path):
    with pytest.raises(ParameterError, match="unknown export format 'pdf'"):
        run_export(seed_embedded, "pdf", tmp_path / "x")
    with pytest.raises(ParameterError, match="cannot be combined"):
        run_export(seed_embedded, "json", tmp_path / "x", selection=Selection(focus="Huawei"),
                   query="partners")
    with pytest.raises(ParameterError, match="^params gives a saved query.s parameters; use it with query$"):
        run_export(seed_embedded, "json", tmp_path / "x", params={"a": "b"})
    with pytest.raises(NotFound):
        run_export(seed_embedded, "json", tmp_path / "x", selection=Selection(focus="Nobody Inc"))
    (tmp_path / "dir").mkdir()
    with pytest.raises(ParameterError, match="is a directory"):
        run_export(seed_embedded, "json", tmp_path / "dir")
    (tmp_path / "file").write_text("")
    with pytest.raises(ParameterError, match="is a file"):
        run_export(seed_embedded, "csv", tmp_path / "file")


def test_query_rows_select_their_nodes_with_parties_and_sources(seed_store):
    rows = [{"deal": "deal-huawei-audi-stake-offer", "note": "Audi"},   # a deal without its parties
            ("xiaomi", ["lei-jun", "not-an-id"], {"nested": "huawei-ias"}),
            {"n": 3, "empty": None}]
    sub = query_subgraph(seed_store, FakeResult(["a", "b"], rows))
    assert {"deal-huawei-audi-stake-offer", "xiaomi", "lei-jun", "huawei-ias"} <= set(sub.nodes)
    parties = {r.src for r in sub.rels
               if r.type == "PARTY_TO" and r.dst == "deal-huawei-audi-stake-offer"}
    assert parties == {"audi", "huawei", "huawei-ias"}  # every party came along
    assert "src-huawei-ias-offers-2023" in sub.nodes     # and the sources cited
    assert not query_subgraph(seed_store, FakeResult([], [{"x": "nothing here"}])).nodes


def test_saved_query_export(seed_store, tmp_path):
    from dealgraph.queries import get_query, run_saved_query
    result = run_export(seed_store, "json", tmp_path / "q.json", query="partners",
                        params={"entity": "Xiaomi"})
    assert result.question == ("saved query partners (entity=Xiaomi): "
                               + get_query("partners").question)
    sub = select_for_export(seed_store, query="partners", params={"entity": "Xiaomi"})
    rows = run_saved_query(seed_store, "partners", {"entity": "Xiaomi"}).rows
    assert {r["partner"] for r in rows} | {r["deal"] for r in rows} <= set(sub.nodes)
    assert "xiaomi" in sub.nodes  # a party of every deal in the rows
    assert {n.id for n in sub.of_label("Deal")} == {r["deal"] for r in rows}


def test_saved_query_with_as_of_and_an_empty_answer(seed_store, tmp_path):
    with pytest.raises(DealgraphError, match=r"^the selection is empty: saved query partners "
                                             r"\(entity=Xiaomi\).*as of 2000"):
        run_export(seed_store, "report-md", tmp_path / "q.md", query="partners",
                   params={"entity": "Xiaomi"}, as_of="2000")
    assert not (tmp_path / "q.md").exists()
    with pytest.raises(NotFound, match="no saved query named 'nope'"):
        run_export(seed_store, "json", tmp_path / "q.json", query="nope")
