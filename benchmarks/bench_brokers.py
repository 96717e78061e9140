"""``brokers`` on a big generated network in Neo4j: Graph Data Science against the
Python computation, same store, same run.

The server is the one ``NEO4J_URI`` / ``NEO4J_USER`` / ``NEO4J_PASSWORD`` name; it must
have GDS (``NEO4J_LOCAL_GDS=1 scripts/neo4j-local start``). It EMPTIES that database and
loads the generated dataset (seed 1) with dealgraph's loader, unless it already holds
exactly that dataset's deals.

    python benchmarks/bench_brokers.py --deals 100000

prints a Markdown table: each method's time (the whole saved query: reading, computing,
names), the note it gave, and how many of its top 10 are in the exact top 10 (with
``--exact``; else in that of GDS's largest sample).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

import neo4j_csv  # noqa: E402
from dealgraph.graph.backends import Neo4jSettings  # noqa: E402
from dealgraph.graph.neo4j_store import Neo4jStore  # noqa: E402
from dealgraph.loaders import load_paths  # noqa: E402
from dealgraph.queries import brokers, run_saved_query  # noqa: E402
from dealgraph.synth import generate, write_csv_dataset  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--sources", type=int, default=1000,
                    help="sample size of the like-for-like sampled runs")
    ap.add_argument("--exact", action="store_true",
                    help="also run the exact computations, GDS and Python (about half an "
                         "hour each at 100,000 deals on 2 busy cores)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/dealgraph-bench-import"))
    args = ap.parse_args()
    data = args.work / str(args.deals) / "data"
    if not (data / "parties.csv").exists():
        write_csv_dataset(generate(args.deals, seed=1), data)
    deals = sum(1 for _ in (data / "deals.csv").open()) - 1
    store = Neo4jStore(Neo4jSettings().resolved())
    if store.read("MATCH (d:Deal) RETURN count(d) AS n")[0]["n"] != deals:
        neo4j_csv.wipe(store)
        t0 = time.perf_counter()
        load_paths(store, [data])
        print(f"loaded {deals:,} deals in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    load_avg = [os.getloadavg()[0]]

    runs = [("GDS, auto (default on a server with GDS)", {"method": "gds"}, False),
            (f"GDS, {args.sources} sampled sources", {"method": "gds",
                                                     "sources": str(args.sources)}, False),
            ("Python, auto (default without GDS)", {"method": "python"}, False),
            (f"Python, {args.sources} sampled sources", {"method": "python",
                                                        "sources": str(args.sources)}, False)]
    if args.exact:
        runs += [("GDS, exact", {"method": "gds"}, True),
                 ("Python, exact", {"method": "python"}, True)]
    results = []
    for what, params, exact in runs:
        saved = brokers.GDS_MAX_WORK, brokers.MAX_WORK
        if exact:  # no budget: exact whatever the size
            brokers.GDS_MAX_WORK = brokers.MAX_WORK = 10**30
        try:
            t0 = time.perf_counter()
            result = run_saved_query(store, "brokers", {"limit": "10", **params})
            secs = time.perf_counter() - t0
        finally:
            brokers.GDS_MAX_WORK, brokers.MAX_WORK = saved
        results.append((what, secs, result))
        print(f"{what}: {secs:.1f} s", file=sys.stderr)
    store.close()
    load_avg.append(os.getloadavg()[0])

    # the top 10 each method agrees with: the exact one's when it ran, else the largest
    # sample's (GDS and Python with --sources)
    reference = results[-1] if args.exact else results[1]
    exact = [r["entity"] for r in reference[2].rows]
    print(f"{deals:,} deals; load average {load_avg[0]:.1f} -> {load_avg[1]:.1f}\n")
    print(f"| brokers, top 10 | time | in the top 10 of {reference[0]} | note |")
    print("|---|---:|---:|---|")
    for what, secs, result in results:
        note = " ".join(n for n in result.notes if n.startswith("brokers:"))
        hits = len(set(exact) & {r["entity"] for r in result.rows})
        print(f"| {what} | {secs:.1f} s | {hits} | {note[:160]}… |")


if __name__ == "__main__":
    main()
