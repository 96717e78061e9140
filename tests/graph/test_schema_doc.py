"""docs/schema.md is generated from the model and must be current."""

from pathlib import Path

from dealgraph.graph.model import MODEL
from dealgraph.graph.schema_doc import render_schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"


def test_schema_doc_is_current():
    assert DOC.read_text(encoding="utf-8") == render_schema(), \
        "docs/schema.md is stale: python -m dealgraph.graph.schema_doc > docs/schema.md"


def test_schema_doc_lists_every_column():
    text = render_schema()
    for kind in MODEL.kinds.values():
        assert f"`{kind.file}.csv`" in text
        for name in kind.fields:
            assert f"| `{name}` |" in text
