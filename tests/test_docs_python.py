"""docs/python.md: its Python examples run, in order, in one namespace, in a fresh
directory, and what they print is what they say."""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"


def python_blocks(text: str) -> list[str]:
    return [t.content for t in MarkdownIt().parse(text) if t.type == "fence"
            and t.info.strip() == "python"]


def test_python_md_examples_run(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for var in ("DEALGRAPH_BACKEND", "DEALGRAPH_STORE"):
        monkeypatch.delenv(var, raising=False)
    blocks = python_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    namespace: dict = {"__name__": "docs_python"}
    for number, block in enumerate(blocks, start=1):
        exec(compile(block, f"docs/python.md block {number}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "hops must be between 0 and 6, got 9" in out
    assert (tmp_path / "huawei.html").stat().st_size > 10_000
    assert (tmp_path / "huawei.graphml").exists() and (tmp_path / "demo.db").exists()
