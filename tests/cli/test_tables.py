"""Tables cut long cells readably and name countries; JSON and CSV keep values whole."""

from __future__ import annotations

import json

from dealgraph.cli import cli
from dealgraph.cli.query import MAX_CELL, render_rows
from dealgraph.loaders import SEED_DIR


def test_long_lists_are_cut_after_whole_items_with_a_count():
    ids = [f"deal-number-{i:03d}" for i in range(40)]
    table = render_rows(("deal_ids",), [{"deal_ids": ids}], "table")
    cell = table.splitlines()[2]
    assert len(cell) <= MAX_CELL and cell.endswith("more)")
    shown = cell.split(" … ")[0].split("; ")
    assert shown == ids[:len(shown)]
    assert cell.endswith(f"(+{40 - len(shown)} more)")
    assert json.loads(render_rows(("deal_ids",), [{"deal_ids": ids}], "json")) == [
        {"deal_ids": ids}]
    assert "deal-number-039" in render_rows(("deal_ids",), [{"deal_ids": ids}], "csv")


def test_long_text_is_cut_with_an_ellipsis():
    table = render_rows(("title",), [{"title": "x" * 200}], "table")
    assert table.splitlines()[2] == "x" * (MAX_CELL - 1) + "…"


def test_country_codes_show_their_names_in_tables_only():
    rows = [{"country": "LV"}]
    assert "Latvia (LV)" in render_rows(("country",), rows, "table")
    assert json.loads(render_rows(("country",), rows, "json")) == rows


def test_summary_runs_from_the_command_line(runner, tmp_path):
    store = tmp_path / "s.db"
    result = runner.invoke(cli, ["load", str(SEED_DIR), "--store", str(store)])
    assert result.exit_code == 0
    result = runner.invoke(cli, ["query", "run", "summary", "--store", str(store),
                                 "--format", "json"])
    rows = json.loads(result.stdout)
    assert {"section": "deals", "rank": 1, "item": "total", "value": 22} in rows
