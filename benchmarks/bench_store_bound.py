#!/usr/bin/env python
"""How fast SQLite alone can take a load's rows here: the ceiling of the embedded load.

Issue #20 asks for an embedded load of at least 200,000 party rows/s. Whatever the
loader does before it, the rows a load ends with (its nodes, their name keys and its
relationships) must still be inserted into SQLite. This benchmark generates a dataset
(``dealgraph.synth``), loads it with ``load_paths`` into a new store (the whole load,
timed), reads the final rows back and then times only their inserts, in one
transaction, two ways:

* **store layout**: the embedded store's own tables and indexes (``embedded._SCHEMA``),
  WAL, the load's 64 MB page cache, every table's rows in key order (the best order
  there is), the ``(dst, type)`` index built after the inserts as big loads do;
* **leanest layout**: the same rows appended to plain rowid tables with no key and no
  index, no journal and no sync: what no store could go below, for it keeps no index
  to read the graph by and survives no crash.

Each is given as the party rows/s it would allow if reading, checking and planning
took no time at all. Below 200,000 the target cannot be met on this machine by any
loader writing one SQLite row per record.

    python benchmarks/bench_store_bound.py               # 100,000 deals
    python benchmarks/bench_store_bound.py --deals 1000000 --runs 1

Prints a markdown table. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dealgraph.graph import embedded  # noqa: E402
from dealgraph.graph.embedded import EmbeddedStore  # noqa: E402
from dealgraph.loaders import load_paths  # noqa: E402
from dealgraph.synth import generate, write_csv_dataset  # noqa: E402

TARGET = 200_000
_LEANEST = ("CREATE TABLE nodes (id TEXT, label TEXT, props TEXT)",
            "CREATE TABLE names (key TEXT, id TEXT)",
            "CREATE TABLE rels (src TEXT, type TEXT, dst TEXT, role TEXT, props TEXT)")


def _fresh(path: Path, journal: str, sync: str) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA journal_mode={journal}")
    db.execute(f"PRAGMA synchronous={sync}")
    db.execute(f"PRAGMA cache_size=-{embedded._LOAD_CACHE_KB}")
    return db


def _store_layout(path: Path) -> sqlite3.Connection:
    db = _fresh(path, "WAL", "NORMAL")
    db.executescript(embedded._SCHEMA)
    db.execute("DROP INDEX rels_by_dst")  # built after the inserts, as a big load does
    return db


def _leanest_layout(path: Path) -> sqlite3.Connection:
    db = _fresh(path, "OFF", "OFF")
    for statement in _LEANEST:
        db.execute(statement)
    return db


def _insert(db: sqlite3.Connection, rows: dict, index_after: bool) -> float:
    start = time.perf_counter()
    db.execute("BEGIN")
    db.executemany("INSERT INTO nodes VALUES (?,?,?)", rows["nodes"])
    db.executemany("INSERT INTO names VALUES (?,?)", rows["names"])
    db.executemany("INSERT INTO rels VALUES (?,?,?,?,?)", rows["rels"])
    if index_after:
        db.execute("CREATE INDEX rels_by_dst ON rels (dst, type)")
    db.execute("COMMIT")
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3, help="insert runs of each layout (best kept)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dealgraph-bound-") as tmp:
        tmp = Path(tmp)
        write_csv_dataset(generate(args.deals, seed=1), tmp / "data")
        store = EmbeddedStore(tmp / "loaded.db")
        start = time.perf_counter()
        load_paths(store, [tmp / "data"])
        whole = time.perf_counter() - start
        db = store.db
        rows = {"nodes": db.execute("SELECT id, label, props FROM nodes ORDER BY id").fetchall(),
                "names": db.execute("SELECT key, id FROM names ORDER BY key, id").fetchall(),
                "rels": db.execute("SELECT src, type, dst, role, props FROM rels "
                                   "ORDER BY src, type, dst, role").fetchall()}
        parties = store.stats()["parties"]
        store.close()
        times = {"store layout": [], "leanest layout": []}
        for _ in range(args.runs):
            db = _store_layout(tmp / "store.db")
            times["store layout"].append(_insert(db, rows, index_after=True))
            db.close()
            db = _leanest_layout(tmp / "lean.db")
            times["leanest layout"].append(_insert(db, rows, index_after=False))
            db.close()
        os.sync()
    print(f"{args.deals:,} deals: {len(rows['nodes']):,} nodes, {len(rows['names']):,} name "
          f"keys, {len(rows['rels']):,} relationships ({parties:,} party rows); Python "
          f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
          f"{os.cpu_count()} cores\n")
    print(f"| what is timed | seconds | party rows/s | of {TARGET:,} |")
    print("|---|---:|---:|---:|")
    print(f"| the whole load (`load_paths`) | {whole:.2f} | {parties / whole:,.0f} "
          f"| {parties / whole / TARGET:.0%} |")
    for name, runs in times.items():
        best = min(runs)
        print(f"| SQLite inserts only, {name} (best of {len(runs)}) | {best:.2f} "
              f"| {parties / best:,.0f} | {parties / best / TARGET:.0%} |")


if __name__ == "__main__":
    main()
