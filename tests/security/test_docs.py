"""docs/security.md names only tests that exist, and every security test file is in it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_test_named_in_the_doc_exists():
    text = DOC.read_text("utf-8")
    refs = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)
    assert len(refs) > 30
    missing = [f"{f}::{name}" for f, name in refs
               if not (ROOT / f).is_file() or name not in _functions(ROOT / f)]
    assert missing == [], f"docs/security.md names tests that do not exist: {missing}"


def test_every_security_test_is_in_the_doc():
    text = DOC.read_text("utf-8")
    here = Path(__file__).parent
    for path in sorted(here.glob("test_*.py")):
        if path.name == "test_docs.py":
            continue
        for name in sorted(_functions(path)):
            if name.startswith("test_"):
                assert f"{path.relative_to(ROOT)}::{name}" in text, \
                    f"docs/security.md does not say what {path.name}::{name} shows"
