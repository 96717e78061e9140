"""Fixtures for the export tests: stores holding the seed or a hostile dataset, a fixed export
context, and helpers that compare what an independent reader gives back with the subgraph."""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dealgraph.export import ExportContext
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL
from dealgraph.graph.records import Subgraph
from dealgraph.loaders import SEED_DIR, load_paths

HOSTILE = "O'Brien \"x\" \\ }) MATCH (n) DETACH DELETE n //"

# A dataset whose every text tries to break out of some format: Cypher and CSV quoting,
# HTML, Markdown tables and links, XML, newlines (also \r\n), tabs, non-ASCII, emoji,
# a right-to-left override, mixed int/float numbers.
HOSTILE_DATA = {
    "sources": [
        ["id", "publisher", "title", "url", "published"],
        ["s1", "Pub <i>italic</i> & Co", "Title \"quoted\" & 'single' \\ back\\slash",
         "https://example.org/a?b=1&c=2#frag", "2024-02-03"],
        ["s2", "Wire | pipe", "<script>alert('s2')</script>", "", "2023"],
    ],
    "firms": [
        ["id", "name", "aliases", "country", "sector", "ownership", "parent", "sources", "notes"],
        ["obrien", HOSTILE, "<script>alert(1)</script>|a*b_c [x](javascript:alert(1))|华为",
         "IE", "pipes | and tables", "private", "", "s2",
         "line one\r\nline two\ttabbed 华为 😀 \u202eRTL & <b>bold</b> # not a heading `code`"],
        ["acme", "Acme & Sons <Ltd>", "", "US", "", "listed", "obrien", "", "{braces} ; semi;\n"],
    ],
    "governments": [
        ["id", "name", "aliases", "country", "level", "parent", "sources", "notes"],
        ["gov", "Ministry of `Backticks`, {braces} and ]]>", "", "DE", "ministry", "", "s1", ""],
    ],
    "people": [
        ["id", "name", "aliases", "country", "role", "affiliation", "sources", "notes"],
        ["p1", "Zoë \"Z\" Ünal", "Z|Zoe", "TR", "CEO & <chair>", "acme", "", ""],
    ],
    "deals": [
        ["id", "kind", "status", "title", "summary", "announced", "effective", "end", "value",
         "value_high", "currency", "valuation_low", "valuation_high", "stake_low", "stake_high",
         "sources"],
        ["d1", "supply", "in_talks", "Deal | with pipes * and _underscores_",
         "multi\nline summary with <em>html</em>", "2024-01", "", "2026", "2.5", "", "EUR",
         "", "", "2.5", "7", "s1|s2"],
        ["d2", "sanction", "cancelled", "<img src=x onerror=alert(1)>", "", "2023-05",
         "2023-06-01", "", "1500000000", "2000000000", "USD", "", "", "", "", "s1"],
    ],
    "parties": [
        ["deal", "entity", "role", "note"],
        ["d1", "obrien", "supplier", "note with ; semicolon\nand a newline"],
        ["d1", "acme", "customer", ""],
        ["d2", "gov", "regulator", ""],
        ["d2", "obrien", "sanctioned", HOSTILE],
        ["d2", "obrien", "customer", "a second role: a parallel edge"],
        ["d2", "p1", "customer", ""],
    ],
}


def write_hostile(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in HOSTILE_DATA.items():
        with open(directory / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return directory


@pytest.fixture
def hostile_dir(tmp_path) -> Path:
    return write_hostile(tmp_path / "hostile")


@pytest.fixture
def seed_store(any_store):
    """Both stores in turn, holding the seed dataset."""
    load_paths(any_store, [SEED_DIR])
    return any_store


@pytest.fixture
def seed_embedded(tmp_path):
    store = EmbeddedStore(tmp_path / "seed.db")
    load_paths(store, [SEED_DIR])
    yield store
    store.close()


@pytest.fixture
def hostile_store(tmp_path, hostile_dir):
    store = EmbeddedStore(tmp_path / "hostile.db")
    load_paths(store, [hostile_dir])
    yield store
    store.close()


@pytest.fixture
def context() -> ExportContext:
    return ExportContext(title="Test <export> & \"co\"", question="test selection | all",
                         generated=datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc),
                         backend="embedded")


# -- comparing what a reader gives back --------------------------------------------------

LIST_FIELDS = {f.name for k in MODEL.kinds.values() for f in k.fields.values()
               if f.type == "list"}


def expected_node(node, joined: bool = True) -> dict:
    """What a reader should give back for ``node``: type, label, properties."""
    out = {"type": node.label, "label": node.name}
    for k, v in node.props.items():
        out[k] = MODEL.separator.join(v) if joined and isinstance(v, list) else v
    return out


def rel_tuples(sub: Subgraph) -> list[tuple]:
    return sorted((r.src, r.dst, r.type, r.props.get("role"), r.props.get("note"))
                  for r in sub.rels)


def edge_tuples(graph) -> list[tuple]:
    """The same tuples from a networkx graph read back from a file."""
    edges = graph.edges(data=True)
    return sorted((u, v, d["type"], d.get("role"), d.get("note")) for u, v, d in edges)
