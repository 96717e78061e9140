"""``dealgraph map`` through the CLI: selection options reach the map, errors are one line."""

from __future__ import annotations

import json

import pytest

from dealgraph.cli import cli
from dealgraph.viz.render import read_map_data


@pytest.fixture
def loaded(runner, data_dir, store_path):
    result = runner.invoke(cli, ["load", "--store", str(store_path), str(data_dir / "small")])
    assert result.exit_code == 0, result.output
    return store_path


def run_map(runner, store, *args):
    return runner.invoke(cli, ["map", "--store", str(store), *args])


def node_ids(path) -> set[str]:
    """The nodes the page draws at first: not the ring beyond the map (drawn when
    expanded), and deals only in the deals view."""
    data = read_map_data(path.read_text("utf-8"))
    deals = data["meta"]["view"] == "deals"
    return {n["id"] for n in data["nodes"]
            if not n.get("r") and (deals or not n["group"].startswith("Deal"))}


def test_whole_graph_map(runner, loaded, tmp_path):
    out = tmp_path / "map.html"
    result = run_map(runner, loaded, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert node_ids(out) == {"acme", "acme-china", "beta", "gamma", "us-gov", "us-commerce",
                             "jane-doe", "d-supply", "d-stake", "d-licence"}
    assert result.output.startswith(f"Wrote {out}: 10 nodes")


def test_focus_hops_and_filters_select_what_is_drawn(runner, loaded, tmp_path):
    out = tmp_path / "gamma.html"
    result = run_map(runner, loaded, "--focus", "Gamma Chips", "--hops", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert node_ids(out) == {"gamma", "acme", "us-commerce", "d-licence"}
    # acme's other two deals are beyond the map: counted, and carried in the ring
    acme = read_map_data(out.read_text("utf-8"))["meta"]["records"]["acme"]
    assert (acme["dc"], acme["out"], sorted(acme["ring"])) == (3, 2, ["d-stake", "d-supply"])
    out2 = tmp_path / "filtered.html"
    result = run_map(runner, loaded, "--kind", "supply,stake_offer", "--status", "signed",
                     "-o", str(out2))
    assert result.exit_code == 0, result.output
    assert node_ids(out2) == {"acme", "beta", "d-supply"}
    out3 = tmp_path / "asof.html"
    result = run_map(runner, loaded, "--as-of", "2023-12", "--country", "tw", "-o", str(out3))
    assert result.exit_code == 0, result.output
    assert node_ids(out3) == {"d-licence", "us-commerce", "gamma", "acme"}


def test_counterparties_view_and_title(runner, loaded, tmp_path):
    out = tmp_path / "cp.html"
    result = run_map(runner, loaded, "--view", "counterparties", "--title", "Acme & co",
                     "-o", str(out))
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    data = read_map_data(html)
    assert data["meta"]["view"] == "counterparties"
    assert not {"d-supply", "d-stake", "d-licence"} & node_ids(out)
    assert {e["deal"] for e in data["edges"] if e.get("deal")} == {"d-supply", "d-stake",
                                                                    "d-licence"}
    assert "<title>Acme &amp; co</title>" in html


def test_sources_flag_draws_sources(runner, loaded, tmp_path):
    out = tmp_path / "src.html"
    assert run_map(runner, loaded, "--sources", "-o", str(out)).exit_code == 0
    assert "src-one" in node_ids(out)


@pytest.mark.parametrize("args, message", [
    (["--focus", "Nobody Inc"], "error: no entity matches 'Nobody Inc'"),
    (["--kind", "sanction"], "error: nothing to map"),
    (["--status", "bogus"], "error: --status: unknown value 'bogus'"),
    (["--hops", "9", "--focus", "acme"], "error: --hops must be between 0 and"),
    (["--as-of", "2023-13"], "error: --as-of:"),
])
def test_bad_selection_is_one_line_error(runner, loaded, tmp_path, args, message):
    out = tmp_path / "never.html"
    result = run_map(runner, loaded, *args, "-o", str(out))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_view_is_rejected_by_click(runner, loaded, tmp_path):
    result = run_map(runner, loaded, "--view", "sideways", "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 2 and "sideways" in result.output


def test_caption_and_positions_file(runner, loaded, tmp_path):
    out = tmp_path / "fig.html"
    positions = tmp_path / "fig.positions.json"
    positions.write_text(json.dumps({"positions": {"acme": [10, -20], "beta": [300.5, 7]},
                                     "pinned": ["acme"]}), "utf-8")
    result = run_map(runner, loaded, "--caption", "Source: <test>", "--positions",
                     str(positions), "-o", str(out))
    assert result.exit_code == 0, result.output
    data = read_map_data(out.read_text("utf-8"))
    node = {n["id"]: n for n in data["nodes"]}
    assert (node["acme"]["x"], node["acme"]["y"], node["acme"]["fixed"]) == (10, -20, True)
    assert (node["beta"]["x"], node["beta"]["y"]) == (300.5, 7)
    assert all("x" in n for n in data["nodes"] if not n.get("r"))   # the rest laid out
    assert data["meta"]["physics"] is False and data["meta"]["caption"] == "Source: <test>"
    assert "Source: &lt;test&gt;" in out.read_text("utf-8")


@pytest.mark.parametrize("content, message", [
    ("{not json", "line 1: not JSON"),
    ('{"nodes": {}}', 'no "positions" object'),
    ('{"positions": {"acme": [1]}}', "positions.acme: expected [x, y] numbers"),
])
def test_bad_positions_file_is_one_line_error(runner, loaded, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content, "utf-8")
    result = run_map(runner, loaded, "--positions", str(bad), "-o", str(tmp_path / "m.html"))
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m.html").exists()


def test_paths_map_draws_only_the_paths_and_marks_the_ends(runner, loaded, tmp_path):
    out = tmp_path / "paths.html"
    result = runner.invoke(cli, ["query", "run", "paths", "--store", str(loaded), "-p", "a=gamma",
                                 "-p", "b=beta", "--map", str(out)])
    assert result.exit_code == 0, result.output
    data = read_map_data(out.read_text("utf-8"))
    assert data["meta"]["ends"] == ["gamma", "beta"] and data["meta"]["pathMode"] is True
    ids = {n["id"] for n in data["nodes"]}
    assert ids == {"gamma", "acme", "beta", "d-licence", "d-supply", "d-stake"}
    # only the party edges on the paths: not us-commerce's, nor acme-china's
    party = {(e["from"], e["to"]) for e in data["edges"] if e.get("v") == "d"}
    assert party == {("gamma", "d-licence"), ("acme", "d-licence"), ("acme", "d-supply"),
                     ("beta", "d-supply"), ("acme", "d-stake"), ("beta", "d-stake")}


def test_paths_map_with_no_path_says_so_and_writes_nothing(runner, loaded, tmp_path):
    out = tmp_path / "none.html"
    result = runner.invoke(cli, ["query", "run", "paths", "--store", str(loaded), "-p", "a=gamma",
                                 "-p", "b=jane-doe", "--map", str(out)])
    assert result.exit_code != 0
    assert "no path between Gamma Chips and Jane Doe" in result.output
    assert "no map written" in result.output and not out.exists()


def test_top_maps_the_backbone(runner, loaded, tmp_path):
    """--top 2 draws the two entities with the most deals and the deals both are party
    to (as ``backbone`` picks them); --top 0 is a one-line usage error."""
    from dealgraph.graph.backbone import backbone
    from dealgraph.graph.embedded import EmbeddedStore
    out = tmp_path / "top.html"
    result = run_map(runner, loaded, "--top", "2", "--view", "deals", "-o", str(out))
    assert result.exit_code == 0, result.output
    with EmbeddedStore(loaded) as store:
        expected = {nid for nid, n in backbone(store, 2).nodes.items() if n.label != "Source"}
    assert node_ids(out) == expected and len(expected) > 2
    result = run_map(runner, loaded, "--top", "0", "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 2 and "--top" in result.output and "Traceback" not in result.output
