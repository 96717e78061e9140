"""Loading an empty Neo4j database three ways, same dataset, same server, same run:
dealgraph's loader, ``LOAD CSV`` (``benchmarks/neo4j_csv.py``) and Neo4j's offline
importer fed by ``dealgraph export --format neo4j-import`` through
``scripts/neo4j-local import``.

The server must be the one ``scripts/neo4j-local`` runs with the environment of this
process (``NEO4J_LOCAL_BOLT_PORT`` etc.), since the offline import stops and restarts
it. It EMPTIES that database.

    python benchmarks/bench_import.py --deals 100000

prints a Markdown table: seconds of each, party rows per second, and the node and
relationship counts each left (which must agree), and the peak resident memory of this
process after dealgraph's loader (its client memory: generate the dataset in another
process first, or that is counted too).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import neo4j_csv  # noqa: E402
from dealgraph.graph.backends import Neo4jSettings  # noqa: E402
from dealgraph.graph.embedded import EmbeddedStore  # noqa: E402
from dealgraph.graph import neo4j_store  # noqa: E402
from dealgraph.graph.neo4j_store import Neo4jStore  # noqa: E402
from dealgraph.loaders import load_paths  # noqa: E402
from dealgraph.synth import generate, write_csv_dataset  # noqa: E402


def counts(store) -> tuple[int, int]:
    n = store.read("MATCH (n) WHERE n:Entity OR n:Deal OR n:Source RETURN count(n) AS n")[0]["n"]
    r = store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    return n, r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/dealgraph-bench-import"))
    args = ap.parse_args()
    work = args.work / str(args.deals)
    data = work / "data"
    if not (data / "parties.csv").exists():
        write_csv_dataset(generate(args.deals, seed=1), data)
    parties = sum(1 for _ in (data / "parties.csv").open()) - 1
    settings = Neo4jSettings().resolved()
    rows = []
    load_avg = [os.getloadavg()[0]]

    # 1. dealgraph's loader, into an empty database; when its commit starts (the files
    # read, validated and planned, nothing sent yet) is noted to split its time
    store = Neo4jStore(settings)
    neo4j_csv.wipe(store)
    commit_at = []
    commit = neo4j_store._Load.commit

    def timed_commit(self):
        commit_at.append(time.perf_counter())
        return commit(self)

    neo4j_store._Load.commit = timed_commit
    t0 = time.perf_counter()
    load_paths(store, [data])
    neo4j_store._Load.commit = commit
    before_commit = commit_at[0] - t0 if commit_at else float("nan")
    rows.append(("dealgraph loader (`dealgraph load --backend neo4j`)",
                 time.perf_counter() - t0, counts(store)))
    loader_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB
    print(f"dealgraph loader: {rows[-1][1]:.1f} s ({before_commit:.1f} s reading, validating "
          f"and planning before its commit), client peak RSS {loader_rss:,.0f} MB",
          file=sys.stderr)

    # 2. LOAD CSV of the same files
    neo4j_csv.wipe(store)
    target = Path(neo4j_csv.import_dir(store)) / f"dealgraph-import-bench-{args.deals}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(data, target)
    result = neo4j_csv.load_csv(store, f"{target.name}/")
    print(f"LOAD CSV: {result['total']:.1f} s", file=sys.stderr)
    rows.append(("`LOAD CSV` (baseline)", result["total"], counts(store)))
    shutil.rmtree(target)
    store.close()

    # 3. offline import: export from an embedded store (validated load), then neo4j-admin
    emb_path = work / "store.db"
    if emb_path.exists():
        emb_path.unlink()
    emb = EmbeddedStore(str(emb_path))
    load_paths(emb, [data])
    from dealgraph.export import export_subgraph
    t0 = time.perf_counter()
    out = work / "neo4j-import"
    if out.exists():
        shutil.rmtree(out)
    export_subgraph(emb.subgraph(None), "neo4j-import", out)
    export_s = time.perf_counter() - t0
    emb.close()
    t0 = time.perf_counter()
    proc = subprocess.run([str(ROOT / "scripts" / "neo4j-local"), "import", str(out)],
                          capture_output=True, text=True)
    total_s = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    admin_s = float(re.search(r"imported in (\d+) s", proc.stderr).group(1))
    store = Neo4jStore(settings)  # creates the constraints and indexes
    rows.append((f"offline import: `neo4j-admin database import full` "
                 f"(+ {export_s:.1f} s export, {total_s:.0f} s with stop and start)",
                 admin_s, counts(store)))
    store.close()
    load_avg.append(os.getloadavg()[0])

    print(f"{args.deals:,} deals, {parties:,} party rows; load average "
          f"{load_avg[0]:.1f} -> {load_avg[1]:.1f}; peak resident memory of this process "
          f"after dealgraph's loader: {loader_rss:,.0f} MB; the loader's commit started "
          f"{before_commit:.1f} s after it did\n")
    print("| into an empty database | time | party rows/s | nodes | relationships |")
    print("|---|---:|---:|---:|---:|")
    for what, secs, (n, r) in rows:
        print(f"| {what} | {secs:.1f} s | {parties / secs:,.0f} | {n:,} | {r:,} |")


if __name__ == "__main__":
    main()
