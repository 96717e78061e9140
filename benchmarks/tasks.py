"""One benchmark measurement per process: ``python benchmarks/tasks.py TASK JSON-ARGS``.

``run.py`` starts each measurement in a fresh interpreter so that first calls are
really first (nothing cached in the process) and the peak memory (``ru_maxrss``)
is that of the one operation. Each task prints one JSON object on its last
stdout line: its timings in seconds, ``maxrss_mb``, and what it measured.

Tasks: ``load`` (embedded or Neo4j, timed per phase), ``loadcsv`` (Neo4j's own
``LOAD CSV`` of the same files), ``open`` (embedded store: open and ``stats``),
``graph`` (the whole store as a NetworkX graph), ``queries`` (saved queries:
first call and warm calls), ``wipe`` (empty the Neo4j database).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _open(backend: str, db: str | None = None):
    from dealgraph.graph.backends import open_store
    return open_store(backend, path=db)


def task_load(args: dict) -> dict:
    """``load_paths`` of a dataset into an empty store. Reading and validation run
    interleaved with the writes (records go to the store in chunks), so the time
    spent inside the store's writer is measured and the rest is read + validate."""
    import dealgraph.loaders
    from dealgraph.loaders import load_paths
    if args.get("columnar") is False:  # the row-by-row path only: the "without" figures
        dealgraph.loaders._load_columnar = lambda *a, **k: None
    if args["backend"] == "embedded":
        for suffix in ("", "-wal", "-shm"):
            Path(args["db"] + suffix).unlink(missing_ok=True)
    store = _open(args["backend"], args.get("db"))
    spent = [0.0]
    make_writer = store.writer

    def timed_writer():
        writer = make_writer()
        for name in ("write", "commit"):
            def timed(*a, _call=getattr(writer, name)):
                t = time.perf_counter()
                try:
                    return _call(*a)
                finally:
                    spent[0] += time.perf_counter() - t
            setattr(writer, name, timed)
        return writer

    store.writer = timed_writer
    t0, c0 = time.perf_counter(), time.process_time()
    summary = load_paths(store, [args["data"]])
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    parties = store.stats()["parties"]
    store.close()
    return {"read_validate": total - spent[0], "write": spent[0], "total": total, "cpu": cpu,
            "parties": parties, "nodes": summary.created, "rels": summary.rels_added,
            "created": summary.created, "maxrss_mb": _maxrss_mb()}


def task_loadcsv(args: dict) -> dict:
    """Neo4j's own LOAD CSV of the same files (copied into the server's import directory)."""
    from neo4j_csv import load_csv
    store = _open("neo4j")
    timings = load_csv(store, args["prefix"])
    counts = store.stats()
    store.close()
    return {**timings, "parties": counts["parties"],
            "nodes": sum(v for k, v in counts.items() if isinstance(v, int) and k != "parties"),
            "maxrss_mb": _maxrss_mb()}


def task_wipe(args: dict) -> dict:
    from neo4j_csv import wipe
    store = _open("neo4j")
    t0 = time.perf_counter()
    wipe(store)
    out = {"wipe": time.perf_counter() - t0}
    store.close()
    return out


def task_open(args: dict) -> dict:
    """Open the embedded store, then count with ``stats`` (modules imported beforehand)."""
    from dealgraph.graph.embedded import EmbeddedStore
    t0 = time.perf_counter()
    store = EmbeddedStore(args["db"])
    t1 = time.perf_counter()
    stats = store.stats()
    t2 = time.perf_counter()
    store.close()
    return {"open": t1 - t0, "stats": t2 - t1, "open_stats": t2 - t0, "deals": stats["Deal"],
            "parties": stats["parties"], "maxrss_mb": _maxrss_mb(),
            "file_mb": Path(args["db"]).stat().st_size / 1e6}


def task_graph(args: dict) -> dict:
    """The whole store as a MultiDiGraph (``store.graph``), built from the tables."""
    store = _open("embedded", args["db"])
    t0 = time.perf_counter()
    g = store.graph
    t1 = time.perf_counter()
    out = {"graph": t1 - t0, "nodes": g.number_of_nodes(),
           "edges": g.number_of_edges(), "maxrss_mb": _maxrss_mb()}
    store.close()
    return out


def task_queries(args: dict) -> dict:
    """Saved queries on a freshly opened store: the first call, then ``warm`` more calls.
    A query's refusal (DealgraphError) is a result; any other exception fails the task."""
    from dealgraph.errors import DealgraphError
    from dealgraph.queries import run_saved_query
    results = []
    for case in args["cases"]:
        t0 = time.perf_counter()
        store = _open(args["backend"], args.get("db"))
        opened = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            first = run_saved_query(store, case["query"], case["params"])
            first_s = time.perf_counter() - t0
            warm = []  # at least one warm call; more while they fit in the budget
            for _ in range(args["warm"]):
                if warm and sum(warm) + warm[-1] > args.get("warm_budget", 10.0):
                    break
                t0 = time.perf_counter()
                run_saved_query(store, case["query"], case["params"])
                warm.append(time.perf_counter() - t0)
            results.append({**case, "open": opened, "first": first_s, "warm_calls": len(warm),
                            "warm": statistics.median(warm) if warm else None,
                            "rows": len(first.rows), "error": None})
        except DealgraphError as exc:  # a refusal (e.g. brokers' work limit) is a result
            results.append({**case, "open": opened, "first": None, "warm": None, "rows": None,
                            "error": f"refused: {str(exc).splitlines()[0][:160]}"})
        finally:
            store.close()
    return {"results": results, "maxrss_mb": _maxrss_mb()}


TASKS = {"load": task_load, "loadcsv": task_loadcsv, "wipe": task_wipe, "open": task_open,
         "graph": task_graph, "queries": task_queries}


def main(argv: list[str]) -> int:
    task, raw = argv[0], json.loads(argv[1])
    out = TASKS[task](raw)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
