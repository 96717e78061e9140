#!/usr/bin/env python
"""Cypher on the embedded store (grand-cypher through dealgraph.queries.graph_cypher):
time to build the engine's graph and to answer user-style statements, on generated
deal graphs, beside the same statements on Neo4j when NEO4J_URI is set.

    python benchmarks/bench_cypher.py --deals 10000 100000 [--work DIR]

Each size is generated (``dealgraph.synth.generate(deals, seed=1)``) and loaded once
into an embedded store under ``--work`` (and into Neo4j, which it EMPTIES, with
``--neo4j``). Times are the median of three warm runs; the first run (which builds
the engine's graph of the store) is reported apart. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dealgraph.graph.embedded import EmbeddedStore  # noqa: E402
from dealgraph.loaders import load_paths  # noqa: E402
from dealgraph.queries.adhoc import run_cypher_text  # noqa: E402
from dealgraph.queries.graph_cypher import engine_graph  # noqa: E402
from dealgraph.synth import generate, write_csv_dataset  # noqa: E402

STATEMENTS = [
    ("partners of a hub", "MATCH (e:Entity {id: $hub})-[:PARTY_TO]->(d:Deal)<-[r:PARTY_TO]-"
     "(p:Entity) WHERE p <> e RETURN p.id, d.id, r.role", {}),
    ("partners of a small firm", "MATCH (e:Entity {id: $small})-[:PARTY_TO]->(d:Deal)"
     "<-[r:PARTY_TO]-(p:Entity) WHERE p <> e RETURN p.id, d.id, r.role", {}),
    ("firms of one country", "MATCH (f:Firm) WHERE f.country = 'DE' RETURN f.id, f.name", {}),
    ("deals by kind (all deals)", "MATCH (d:Deal) RETURN d.kind AS kind, count(d) AS n "
     "ORDER BY n DESC, kind", {}),
    ("top counterparties of a hub", "MATCH (e:Entity {id: $hub})-[:PARTY_TO]->(d:Deal)"
     "<-[:PARTY_TO]-(p:Entity) WHERE p <> e RETURN p.id AS partner, count(d) AS deals "
     "ORDER BY deals DESC, partner LIMIT 10", {}),
    ("parents up to 3 steps", "MATCH (a:Firm {id: $small})-[:SUBSIDIARY_OF*1..3]->(p) "
     "RETURN p.id", {}),
]


def _median(fn, n=3):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench(deals: int, work: Path, neo4j) -> list[tuple]:
    data = work / f"data-{deals}"
    if not data.exists():
        write_csv_dataset(generate(deals, seed=1), data)
    store = EmbeddedStore(work / f"store-{deals}.db")
    if store.stats()["Deal"] == 0:
        load_paths(store, [data])
    g = store.graph
    firms = [n for n, d in g.nodes(data=True) if d["label"] == "Firm"]
    hub = max(firms, key=g.out_degree)
    small = min((f for f in firms if g.out_degree(f) == 2), key=str)
    params = {"hub": hub, "small": small}
    t = time.perf_counter()
    engine_graph(store)
    build = time.perf_counter() - t
    if neo4j is not None:
        from tests.support.neo4j import wipe_neo4j
        wipe_neo4j(neo4j)
        load_paths(neo4j, [data])
    rows = []
    for name, text, _ in STATEMENTS:
        used = {k: v for k, v in params.items() if f"${k}" in text}
        n = len(run_cypher_text(store, text, used).rows)
        warm = _median(lambda: run_cypher_text(store, text, used))
        neo = _median(lambda: run_cypher_text(neo4j, text, used)) if neo4j else None
        rows.append((deals, name, n, warm, neo))
    store.close()
    return [(deals, "engine graph built (first statement)", g.number_of_nodes(), build,
             None)] + rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deals", type=int, nargs="+", default=[10_000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/dealgraph-bench-cypher"))
    ap.add_argument("--neo4j", action="store_true", help="also time Neo4j (EMPTIES it)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    neo4j = None
    if args.neo4j:
        from dealgraph.graph.backends import Neo4jSettings
        from dealgraph.graph.neo4j_store import Neo4jStore
        neo4j = Neo4jStore(Neo4jSettings().resolved())
    print("| deals | statement | rows | embedded (s) | Neo4j (s) |")
    print("|---:|---|---:|---:|---:|")
    for deals in args.deals:
        for d, name, n, emb, neo in bench(deals, args.work, neo4j):
            neo_text = f"{neo:.3f}" if neo is not None else ""
            print(f"| {d:,} | {name} | {n:,} | {emb:.3f} | {neo_text} |", flush=True)


if __name__ == "__main__":
    main()
