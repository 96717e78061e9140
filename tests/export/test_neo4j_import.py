"""neo4j-import export: files for neo4j-admin's offline importer, and (with the local server
of scripts/neo4j-local) ``scripts/neo4j-local import`` loading them into a fresh database
that dealgraph then reads as the graph it exported."""

from __future__ import annotations

import csv
import os
import subprocess
from pathlib import Path

import pytest

from dealgraph.errors import DealgraphError
from dealgraph.export import export_subgraph
from dealgraph.graph.records import Node, Subgraph

ROOT = Path(__file__).resolve().parents[2]


def test_files_headers_and_arguments(seed_embedded, tmp_path):
    sub = seed_embedded.subgraph(None)
    out = tmp_path / "imp"
    paths = export_subgraph(sub, "neo4j-import", out)
    assert out / "arguments.txt" in paths
    args = (out / "arguments.txt").read_text().splitlines()
    assert "--nodes=nodes-Deal-header.csv,nodes-Deal.csv" in args
    assert "--relationships=PARTY_TO=rels-PARTY_TO-header.csv,rels-PARTY_TO.csv" in args
    head = next(csv.reader((out / "nodes-Deal-header.csv").open()))
    assert head[:2] == ["id:ID", ":LABEL"]
    assert {"announced", "announced_from:date", "announced_to:date"} <= set(head)
    assert "valuation_low:long" in head
    firms = list(csv.reader((out / "nodes-Firm.csv").open()))
    assert all(row[1] == "Entity|Firm" for row in firms)
    n_rows = sum(len(list(csv.reader((out / f"nodes-{lab}.csv").open())))
                 for lab in ("Firm", "Government", "Person", "Deal", "Source"))
    r_rows = sum(len(list(csv.reader(p.open()))) for p in out.glob("rels-*.csv")
                 if not p.name.endswith("-header.csv"))
    assert (n_rows, r_rows) == (len(sub.nodes), len(sub.rels))


def test_a_list_value_holding_the_delimiter_is_refused(tmp_path):
    sub = Subgraph({"a": Node("a", "Firm", {"name": "A", "aliases": ["x|y"]})})
    with pytest.raises(DealgraphError, match=r"a\.aliases: the list value 'x\|y' contains"):
        export_subgraph(sub, "neo4j-import", tmp_path / "imp")


def _local_server_is(settings) -> bool:
    """Whether the test server is the one scripts/neo4j-local (with this environment)
    runs: only then may the test replace its database."""
    proc = subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "status"],
                          capture_output=True, text=True, timeout=60)
    return proc.returncode == 0 and f"NEO4J_URI={settings.uri}" in proc.stdout


@pytest.mark.neo4j
def test_neo4j_local_import_loads_the_export_into_a_fresh_database(hostile_store, neo4j_settings,
                                                                    tmp_path):
    if not _local_server_is(neo4j_settings):
        pytest.skip("the test server is not run by scripts/neo4j-local with this environment")
    from dealgraph.graph.neo4j_store import Neo4jStore
    from dealgraph.queries import run_saved_query
    sub = hostile_store.subgraph(None)
    export_subgraph(sub, "neo4j-import", tmp_path / "imp")
    proc = subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "import",
                           str(tmp_path / "imp")], capture_output=True, text=True, timeout=900,
                          env=os.environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "imported in" in proc.stderr
    store = Neo4jStore(neo4j_settings)
    try:
        assert not store.outdated  # dates arrived with their DATE companions
        back = store.subgraph(None)
        assert back.nodes == sub.nodes and back.rels == sub.rels
        assert run_saved_query(store, "timeline", {"entity": "obrien"}).rows == \
            run_saved_query(hostile_store, "timeline", {"entity": "obrien"}).rows
    finally:
        store.close()
