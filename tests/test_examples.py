"""examples/explore.ipynb runs headless with a real kernel (nbclient + ipykernel), and the
map it displays draws inside its sandboxed frame in Chromium with the network blocked."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest

from dealgraph.viz.render import read_map_data

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "explore.ipynb"
READY = "body[data-ready='true']"


def test_notebook_is_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook executed in a fresh directory (so it loads the seed itself)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    work = tmp_path_factory.mktemp("notebook")
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    nb = nbformat.read(work / NOTEBOOK.name, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}}).execute()
    return nb


def _outputs(nb):
    return [c.outputs for c in nb.cells if c.cell_type == "code"]


def test_notebook_runs_every_step(executed):
    outputs = _outputs(executed)
    errors = [o for out in outputs for o in out if o.output_type == "error"]
    assert not errors, errors[0].get("evalue") if errors else ""
    stats, frame, graph, cypher, _map = (out[-1]["data"] for out in outputs)
    assert "'Deal': 22" in stats["text/plain"]
    assert "<table" in frame["text/html"] and "chery" in frame["text/html"]
    assert "'huawei'" in graph["text/plain"] and "'xiaomi'" in graph["text/plain"]
    assert re.search(r"huawei\s+14", cypher["text/plain"])


@pytest.mark.browser
def test_notebook_map_draws_offline_in_its_frame(executed, open_page, tmp_path, artifacts_dir):
    frame_html = _outputs(executed)[-1][-1]["data"]["text/html"]
    assert frame_html.startswith('<iframe sandbox="allow-scripts" ')
    assert "<script" not in frame_html  # the page is inside the attribute, escaped
    # the output as a notebook front end shows it: inside a page of its own
    page_path = tmp_path / "output.html"
    page_path.write_text("<!doctype html><meta charset='utf-8'><title>notebook output</title>"
                         f"<body style='margin:0'>{frame_html}</body>", encoding="utf-8")
    rec = open_page(page_path, width=1300, height=800)
    frame = rec.page.frame_locator("iframe")
    frame.locator(READY).wait_for(state="attached", timeout=60_000)
    inner = next(f for f in rec.page.frames if f is not rec.page.main_frame)
    drawn = inner.evaluate("window.dgNetwork.body.nodeIndices.length")
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame_html).group(1))
    on_map = [n for n in read_map_data(srcdoc)["nodes"] if not n.get("r")]  # not the ring
    assert drawn == len(on_map) > 5
    assert "huawei" in inner.evaluate("window.dgNetwork.body.nodeIndices")
    assert inner.evaluate("window.dgNetwork.physics.physicsEnabled") is False
    # the sandbox gives the map an origin of its own: it cannot reach the notebook page
    assert inner.evaluate("(() => { try { return !!window.parent.document; } "
                          "catch (e) { return false; } })()") is False
    shot = artifacts_dir / "notebook-map.png"
    rec.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    assert rec.blocked == [], rec.blocked[:5]
    assert all(u.startswith(("file:", "about:")) for u in rec.requests), rec.requests[:5]
    assert rec.errors == [], rec.errors[:5]
