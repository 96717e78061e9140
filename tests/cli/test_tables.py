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
    assert "Latvia (LV); Russia" in render_rows(("country",), [{"country": ["LV", "RU"]}],
                                                "table")
    assert json.loads(render_rows(("country",), rows, "json")) == rows


def test_summary_runs_from_the_command_line(runner, tmp_path):
    store = tmp_path / "s.db"
    result = runner.invoke(cli, ["load", str(SEED_DIR), "--store", str(store)])
    assert result.exit_code == 0
    result = runner.invoke(cli, ["query", "run", "summary", "--store", str(store),
                                 "--format", "json"])
    rows = json.loads(result.stdout)
    assert {"section": "deals", "rank": 1, "item": "total", "value": 22} in rows


def test_partner_list_has_one_row_per_partner_and_the_deals_with_detail(runner, tmp_path):
    store = tmp_path / "s.db"
    assert runner.invoke(cli, ["load", str(SEED_DIR), "--store", str(store)]).exit_code == 0
    base = ["query", "run", "partner-list", "-p", "entity=Huawei", "--store", str(store),
            "--format", "json"]
    plain = json.loads(runner.invoke(cli, base).stdout)
    detailed = json.loads(runner.invoke(cli, base + ["--detail"]).stdout)
    assert plain and "deal_ids" not in plain[0]
    assert [{k: v for k, v in r.items() if k != "deal_ids"} for r in detailed] == plain
    assert all(len(r["deal_ids"]) == r["deals"] for r in detailed)  # whole in JSON
    table = runner.invoke(cli, base[:-2] + ["--detail"]).stdout
    assert table.splitlines()[0].split()[-1] == "deal_ids"
    refused = runner.invoke(cli, ["query", "run", "summary", "--detail", "--store", str(store)])
    assert refused.exit_code != 0 and "no detail columns" in refused.output
