"""docs/queries.md is generated from the query modules and lists every saved query with
its question, parameters and a runnable example."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from dealgraph.queries import builtin_queries, run_saved_query
from dealgraph.queries.catalogue import example_command, render

DOC = Path(__file__).parents[2] / "docs" / "queries.md"


def test_docs_are_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/queries.md is out of date: python -m dealgraph.queries.catalogue > docs/queries.md")


@pytest.mark.parametrize("name", sorted(builtin_queries()))
def test_every_query_is_documented(name):
    text = DOC.read_text(encoding="utf-8")
    query = builtin_queries()[name]
    assert f"\n## {name}\n" in text
    section = text.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
    assert query.question in section
    for param in query.params:
        assert f"| `{param.name}` | {param.describe()} |" in section
    assert example_command(query) in section
    assert query.cypher.strip() in section


@pytest.mark.parametrize("name", sorted(builtin_queries()))
def test_every_example_runs_on_the_seed_dataset(seed_embedded, name):
    query = builtin_queries()[name]
    words = shlex.split(example_command(query))
    assert words[:4] == ["dealgraph", "query", "run", name]
    params = dict(w.split("=", 1) for w in words[5::2])
    assert run_saved_query(seed_embedded, name, params).rows


def test_every_query_has_a_question_and_example():
    for query in builtin_queries().values():
        assert query.question.endswith("?") and "\n" not in query.question
        assert query.example or not query.params
        assert query.doc
