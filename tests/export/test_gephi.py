"""GEXF and GraphML exports opened by the Gephi toolkit itself (0.10.1, fetched from Maven
Central), with its default import: every node and every relationship is kept (parallel
PARTY_TO edges too), no issue is reported, labels and colours arrive.

Needs Java (11+) and Maven; skipped without them, unless REQUIRE_GEPHI=1 (CI has both).
One JVM reads all the files, since starting the toolkit takes most of the time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from dealgraph.export import export_subgraph
from dealgraph.export.common import node_colour

GEPHI = "org.gephi:gephi-toolkit:0.10.1:jar:all"
PROGRAM = Path(__file__).resolve().parents[1] / "support" / "GephiRead.java"


def _missing(reason: str):
    if os.environ.get("REQUIRE_GEPHI") == "1":
        pytest.fail(f"REQUIRE_GEPHI=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def gephi_jar() -> Path:
    """The Gephi toolkit's all-in-one jar, from Maven Central into the local repository."""
    if not shutil.which("java") or not shutil.which("mvn"):
        _missing("the Gephi test needs java and mvn")
    repo = Path(os.environ.get("NEO4J_LOCAL_MAVEN_REPO") or Path.home() / ".m2" / "repository")
    jar = repo / "org/gephi/gephi-toolkit/0.10.1/gephi-toolkit-0.10.1-all.jar"
    if not jar.exists():
        proc = subprocess.run(["mvn", "-q", "-B", f"-Dmaven.repo.local={repo}",
                               "dependency:get", f"-Dartifact={GEPHI}", "-Dtransitive=false"],
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0 or not jar.exists():
            _missing("cannot fetch the Gephi toolkit: " + proc.stdout[-500:] + proc.stderr[-500:])
    return jar


def read_with_gephi(jar: Path, paths: list[Path]) -> dict[str, dict]:
    """For each file: Gephi's import issues, node and edge counts, and nodes by id."""
    proc = subprocess.run(["java", "-Djava.awt.headless=true", "-cp", str(jar), str(PROGRAM),
                           *map(str, paths)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out: dict[str, dict] = {}
    current: dict = {}
    for line in proc.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word == "file":
            current = out[rest] = {"issues": [], "nodes": {}}
        elif word == "issue":
            current["issues"].append(rest)
        elif word in ("nodes", "edges"):
            current[word + "_count"] = int(rest)
        elif word == "node":
            nid, colour, label = rest.split("\t")
            current["nodes"][nid] = (colour, label)
    return out


def test_gephi_keeps_every_node_and_edge_of_gexf_and_graphml(gephi_jar, seed_embedded,
                                                             hostile_store, tmp_path):
    subs = {"seed": seed_embedded.subgraph(None), "hostile": hostile_store.subgraph(None)}
    files = {}
    for name, sub in subs.items():
        for fmt in ("gexf", "graphml"):
            path = tmp_path / f"{name}.{fmt}"
            export_subgraph(sub, fmt, path)
            files[path] = (name, fmt)
    got = read_with_gephi(gephi_jar, list(files))
    assert len(got) == len(files)
    for path, (name, fmt) in files.items():
        sub, seen = subs[name], got[str(path)]
        where = f"{name}.{fmt}"
        # the hostile dataset has a party in two roles of one deal: parallel edges kept
        assert (seen["nodes_count"], seen["edges_count"]) == (len(sub.nodes), len(sub.rels)), where
        # Gephi has no graph-level attributes: it says it ignores GraphML's title etc.
        issues = [i for i in seen["issues"] if not i.startswith("WARNING Graph attributes")]
        assert not [i for i in issues if "SEVERE" in i or "WARNING" in i
                    or "deprecated" in i.lower()], (where, seen["issues"])
        for node in sub.nodes.values():
            colour, label = seen["nodes"][node.id]
            assert colour == node_colour(node).lower(), (where, node.id)
            if "\n" not in node.name and "\r" not in node.name:
                assert label == node.name, (where, node.id)
