#!/usr/bin/env python
"""Peak memory of whole-graph work: exports of the whole graph, and the saved queries
that read the whole counterparty network (``components``, ``brokers``, ``exposure`` of
the government with most deals). Each operation runs as ``python -m dealgraph ...`` in a
fresh process; the figure is that process's maximum RSS (interpreter included).

    python benchmarks/bench_whole.py --deals 100000            # generate, load, measure
    python benchmarks/bench_whole.py --store big.db            # an existing store
    python benchmarks/bench_whole.py --store big.db --tree OLD_CHECKOUT   # another version

``--tree`` runs the operations with the ``dealgraph`` package of another checkout (e.g.
``git archive COMMIT dealgraph | tar -x -C /tmp/old``) to put figures side by side.
Prints a Markdown table; exits non-zero if an operation fails.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def top_government(db: Path) -> str:
    """The government party to most deals."""
    con = sqlite3.connect(db)
    try:
        row = con.execute(
            "SELECT r.src FROM rels r JOIN nodes n ON n.id = r.src WHERE n.label = 'Government' "
            "AND r.type = 'PARTY_TO' GROUP BY r.src ORDER BY COUNT(*) DESC, r.src LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return row[0]


def operations(db: Path, out: Path) -> list[tuple[str, list[str]]]:
    s = ["--store", str(db)]
    return [
        ("export --format json (whole graph)", ["export", "--format", "json", "-o",
                                                str(out / "g.json"), *s]),
        ("export --format csv (whole graph)", ["export", "--format", "csv", "-o",
                                               str(out / "csv"), *s]),
        ("query run components", ["query", "run", "components", "--format", "csv", *s]),
        ("query run brokers", ["query", "run", "brokers", *s]),
        ("query run exposure (top government)",
         ["query", "run", "exposure", "-p", f"government={top_government(db)}",
          "--format", "csv", *s]),
    ]


def measure(tree: Path, args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(peak RSS in MB, seconds, exit code, last line of stderr) of one fresh process.
    RUSAGE_CHILDREN is the maximum over all children, so each runs from its own parent."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
             "time.perf_counter() - t, p.returncode); "
             "print((p.stderr.strip().splitlines() or [''])[-1])")
    proc = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "dealgraph",
                           *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(tree)})
    first, _, last = proc.stdout.partition("\n")
    mb, secs, rc = first.split()
    return float(mb), float(secs), int(rc), last.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=10_000)
    ap.add_argument("--store", type=Path, help="measure this store (else one is generated)")
    ap.add_argument("--tree", type=Path, default=ROOT, help="checkout whose dealgraph runs")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-whole-"))
    db = args.store
    if db is None:
        sys.path.insert(0, str(ROOT))
        from dealgraph.graph.embedded import EmbeddedStore
        from dealgraph.loaders import load_paths
        from dealgraph.synth import generate, write_csv_dataset
        data = write_csv_dataset(generate(args.deals, 1), work / "data")
        db = work / "store.db"
        load_paths(EmbeddedStore(db), [data])
    print(f"| operation ({args.tree}) | peak RSS | time | |\n|---|---:|---:|---|")
    failed = False
    for what, cli in operations(db, work):
        t0 = time.perf_counter()
        mb, secs, rc, err = measure(args.tree, cli, work)
        note = "" if rc == 0 else f"exit {rc}: {err[:100]}"
        failed |= rc not in (0, 1)  # 1: a refusal with a message (brokers beyond its limit)
        print(f"| {what} | {mb:,.0f} MB | {secs:.1f} s | {note} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
