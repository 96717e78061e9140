#!/usr/bin/env python
"""The benchmark suite: loads, open time, saved queries, whole graph, maps, peak memory.

For each size it generates a deal graph (``dealgraph.synth.generate(deals, seed)``,
written as the native CSV dataset), then measures, each in a fresh process:

* load throughput into the embedded store and into Neo4j (party rows per second of
  the whole ``load_paths``: read, validate, write), beside Neo4j's own ``LOAD CSV``
  of the same files (``neo4j_csv.py``) timed in the same run;
* open time of the embedded store (open, then ``stats``);
* every saved query with typical parameters (a hub, a mid-degree firm, a government):
  first call on a freshly opened store, and the median of warm calls; both stores;
* the whole graph as NetworkX (``store.graph``), built from the tables;
* map build time, HTML size and time to interactive (``bench_maps.py``), beside plain pyvis;
* peak memory (maximum RSS) of each of those processes.

Figures are medians of ``--repeat`` runs. Results go to ``<work>/results.json`` as
they come; ``--out`` writes the tables into a Markdown file between the markers
``<!-- benchmarks:begin -->`` and ``<!-- benchmarks:end -->`` (the rest is kept).

    python benchmarks/run.py --sizes 10000 100000 1000000 --repeat 3 --out docs/benchmarks.md
    python benchmarks/run.py --smoke            # CI: 10,000 deals, one run, a few minutes
    python benchmarks/run.py --report-only --out docs/benchmarks.md   # tables from results.json

Neo4j is used when ``NEO4J_URI`` is set (with ``NEO4J_USER``/``NEO4J_PASSWORD``). The
benchmark EMPTIES that database: it does so only if the database is empty, was
emptied by an earlier run (it leaves a ``DealgraphBenchmark`` node), ``--wipe-neo4j``
is given, or ``REQUIRE_NEO4J=1`` says it is a test server (as in CI). The ``LOAD CSV``
baseline needs the server's import directory on this machine (found with ``SHOW
SETTINGS``); it is skipped with a note otherwise. Exits non-zero if a measurement fails.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

SEED = 1
BEGIN, END = "<!-- benchmarks:begin -->", "<!-- benchmarks:end -->"
MAP_SIZES = [1000, 5000, 20000]
TARGETS = {"embedded_rows_s": 200_000, "neo4j_vs_load_csv": 0.8, "open_100k_s": 1.0,
           "partners_1m_s": 0.050, "network_1m_s": 0.200, "paths_1m_s": 0.200,
           "map_tti_5k_s": 3.0, "memory_1m_mb": 2048}


class Failed(Exception):
    """A measurement process failed (not a figure: something is broken)."""


# -- running tasks -------------------------------------------------------------------

def task(name: str, args: dict, timeout: float, env: dict | None = None) -> dict:
    """Run ``tasks.py name args`` in a fresh interpreter; its JSON result."""
    cmd = [sys.executable, str(HERE / "tasks.py"), name, json.dumps(args)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        raise Failed(f"{name} {args}: no result within {timeout:.0f} s") from None
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise Failed(f"{name} {args}: exit {proc.returncode}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.1f}] {msg}",
          file=sys.stderr, flush=True)


# -- datasets ------------------------------------------------------------------------

def dataset(work: Path, deals: int) -> Path:
    """The generated CSV dataset of ``deals`` deals (generated once, then reused)."""
    from dealgraph.synth import generate, write_csv_dataset
    directory = work / f"data-{deals}-seed{SEED}"
    done = directory / ".complete"
    if not done.exists():
        log(f"generating {deals:,} deals into {directory}")
        write_csv_dataset(generate(deals, seed=SEED), directory)
        done.write_text(_generator_stamp())
    elif done.read_text() != _generator_stamp():
        shutil.rmtree(directory)
        return dataset(work, deals)
    return directory


def _generator_stamp() -> str:
    """Changes when dealgraph/synth.py changes, so a stale dataset is regenerated."""
    import hashlib
    return hashlib.sha256((ROOT / "dealgraph" / "synth.py").read_bytes()).hexdigest()


def profile(data: Path) -> dict:
    """Degrees in the dataset, and the entities the queries are asked about."""
    degree: Counter = Counter()
    with open(data / "parties.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            degree[row["entity"]] += 1
    with open(data / "firms.csv", newline="", encoding="utf-8") as fh:
        firms = [row["id"] for row in csv.DictReader(fh)]
    with open(data / "governments.csv", newline="", encoding="utf-8") as fh:
        govs = [row["id"] for row in csv.DictReader(fh)]
    counts = {f: sum(1 for _ in open(data / f"{f}.csv", encoding="utf-8")) - 1
              for f in ("firms", "governments", "people", "deals", "parties", "sources")}
    ranked = sorted(firms, key=lambda f: (-degree[f], int(f[1:]) if f[1:].isdigit() else 0, f))
    degs = sorted(degree[f] for f in firms)
    n = len(firms)
    gov = max(govs, key=lambda g: (degree[g], g))
    # "mid-degree": the firms at the top 1 % and 2 % of firms by number of deals
    mid, mid2 = ranked[n // 100], ranked[n // 50]
    return {"counts": counts, "hub": ranked[0], "mid": mid, "mid2": mid2, "gov": gov,
            "degree": {e: degree[e] for e in {ranked[0], mid, mid2, gov}},
            "firm_degrees": {"median": degs[n // 2], "p90": degs[int(n * .9)],
                             "p99": degs[int(n * .99)], "max": degs[-1],
                             "none": sum(1 for d in degs if d == 0)},
            "gov_max": degree[gov]}


def query_cases(p: dict) -> list[dict]:
    """Typical parameters for every saved query."""
    hub, mid, mid2, gov = p["hub"], p["mid"], p["mid2"], p["gov"]
    cases = []
    for entity, role in ((mid, "mid"), (hub, "hub")):
        cases += [{"query": "partners", "params": {"entity": entity}, "who": role},
                  {"query": "timeline", "params": {"entity": entity}, "who": role},
                  {"query": "network", "params": {"entity": entity, "hops": "2"}, "who": role},
                  {"query": "partners-of-partners", "params": {"entity": entity}, "who": role},
                  {"query": "investors", "params": {"target": entity}, "who": role}]
    cases += [{"query": "common-partners", "params": {"a": mid, "b": mid2}, "who": "mid, mid2"},
              {"query": "paths", "params": {"a": mid, "b": mid2}, "who": "mid, mid2"},
              {"query": "paths", "params": {"a": mid, "b": hub}, "who": "mid, hub"},
              {"query": "exposure", "params": {"government": gov}, "who": "top government"},
              {"query": "cross-border", "params": {"country_a": "CN", "country_b": "US"},
               "who": "CN, US"},
              {"query": "brokers", "params": {"limit": "10"}, "who": "whole graph"}]
    return cases


# -- Neo4j ---------------------------------------------------------------------------

def neo4j_ready(args) -> tuple[bool, str]:
    """Whether to benchmark Neo4j, and why not."""
    if args.no_neo4j:
        return False, "not run (--no-neo4j)"
    if not os.environ.get("NEO4J_URI"):
        return False, "not run (NEO4J_URI is not set)"
    from dealgraph.graph.backends import open_store
    from neo4j_csv import marked, node_count
    store = open_store("neo4j")
    try:
        if node_count(store) and not marked(store) and not args.wipe_neo4j \
                and os.environ.get("REQUIRE_NEO4J") != "1":
            raise SystemExit(
                f"refusing to empty the Neo4j database at {os.environ['NEO4J_URI']}: it holds "
                "data and was not emptied by this benchmark before. Point NEO4J_URI at a "
                "disposable server (e.g. scripts/neo4j-local with NEO4J_LOCAL_CACHE_DIR=/tmp/...) "
                "or give --wipe-neo4j.")
    finally:
        store.close()
    return True, ""


def neo4j_info() -> dict:
    from dealgraph.graph.backends import open_store
    from neo4j_csv import import_dir
    store = open_store("neo4j")
    try:
        comp = store.read("CALL dbms.components() YIELD name, versions, edition "
                          "RETURN name, versions, edition")
        heap = store.read("SHOW SETTINGS YIELD name, value WHERE name IN "
                          "['server.memory.heap.max_size', 'server.memory.pagecache.size'] "
                          "RETURN name, value")
        imp = import_dir(store)
    finally:
        store.close()
    version = next((f"{c['versions'][0]} {c['edition']}" for c in comp
                    if c["name"] == "Neo4j Kernel"), "?")
    return {"version": version, "import_dir": imp,
            "memory": {h["name"].split(".")[-2]: h["value"] for h in heap}}


def stage_csv(data: Path, import_dir: str | None, deals: int) -> str | None:
    """Copy the dataset into the server's import directory; the prefix LOAD CSV uses."""
    if not import_dir or not Path(import_dir).is_dir() or not os.access(import_dir, os.W_OK):
        return None
    target = Path(import_dir) / f"dealgraph-bench-{deals}"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(data, target, ignore=shutil.ignore_patterns(".*"))
    return f"{target.name}/"


# -- measuring one size ----------------------------------------------------------------

def measure_size(args, work: Path, deals: int, results: dict, use_neo4j: bool,
                 neo: dict) -> None:
    data = dataset(work, deals)
    prof = profile(data)
    res = results.setdefault("sizes", {}).setdefault(str(deals), {})
    res["profile"] = prof
    res["load_avg_start"] = os.getloadavg()[0]
    db = str(work / f"store-{deals}.db")
    timeout = args.timeout
    parts = args.only or ["load", "open", "queries", "graph", "neo4j"]

    if "load" in parts:
        runs = []
        for i in range(args.repeat):
            log(f"{deals:,}: embedded load {i + 1}/{args.repeat}")
            runs.append(task("load", {"backend": "embedded", "data": str(data), "db": db},
                             timeout))
        res["load_embedded"] = runs
        save(work, results)
    if not Path(db).exists():
        raise Failed(f"no embedded store for {deals:,} deals: run with the load part first")

    if "open" in parts:
        log(f"{deals:,}: open")
        res["open"] = [task("open", {"db": db}, timeout) for _ in range(max(3, args.repeat))]
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dealgraph", "stats", "--store", db],
                       check=True, capture_output=True, cwd=str(ROOT))
        res["cli_stats"] = time.perf_counter() - t0
        save(work, results)

    if "queries" in parts:
        res["queries_embedded"] = run_queries(args, "embedded", db, prof, deals, timeout)
        save(work, results)

    if "graph" in parts:
        log(f"{deals:,}: whole graph")
        res["graph"] = {"built": [task("graph", {"db": db}, timeout)
                                  for _ in range(args.repeat)]}
        save(work, results)

    if "neo4j" in parts and use_neo4j:
        prefix = stage_csv(data, neo.get("import_dir"), deals)
        ours, base, wipes = [], [], []
        for i in range(args.repeat):
            order = ["ours", "base"] if i % 2 == 0 else ["base", "ours"]
            if prefix is None:
                order = ["ours"]
            for who in order:
                wipes.append(task("wipe", {}, timeout)["wipe"])
                log(f"{deals:,}: Neo4j {'dealgraph loader' if who == 'ours' else 'LOAD CSV'} "
                    f"{i + 1}/{args.repeat}")
                if who == "ours":
                    try:
                        ours.append(task("load", {"backend": "neo4j", "data": str(data)}, timeout))
                    except Failed as exc:
                        ours.append({"error": str(exc)[-1500:]})
                else:
                    base.append(task("loadcsv", {"prefix": prefix}, timeout))
        res["load_neo4j"] = ours
        res["load_csv"] = base
        res["wipe"] = wipes
        if prefix:
            shutil.rmtree(Path(neo["import_dir"]) / prefix.rstrip("/"), ignore_errors=True)
        if base and ours and "error" not in ours[-1]:
            loaded = {"nodes": ours[-1]["nodes"], "parties": ours[-1]["parties"]}
            baseline = {"nodes": base[-1]["nodes"], "parties": base[-1]["parties"]}
            res["same_counts"] = loaded == baseline
        save(work, results)
        if ours and "error" not in ours[-1 if order[-1] == "ours" else 0]:
            if order[-1] != "ours":  # the queries run on what dealgraph's loader wrote
                task("wipe", {}, timeout)
                task("load", {"backend": "neo4j", "data": str(data)}, timeout)
            res["queries_neo4j"] = run_queries(args, "neo4j", None, prof, deals, timeout)
            save(work, results)
    res["load_avg_end"] = os.getloadavg()[0]
    save(work, results)


def run_queries(args, backend: str, db: str | None, prof: dict, deals: int,
                timeout: float) -> list[dict]:
    out = []
    for case in query_cases(prof):
        log(f"{deals:,}: {backend} {case['query']} ({case['who']})")
        runs, spent = [], 0.0
        for _ in range(args.repeat):
            if spent > args.query_budget:
                break  # a slow case (minutes per run) is measured fewer times
            t0 = time.perf_counter()
            try:
                r = task("queries", {"backend": backend, "db": db, "cases": [case],
                                     "warm": args.warm}, timeout)
            except Failed as exc:
                r = {"results": [{**case, "error": str(exc).splitlines()[-1][:200],
                                  "first": None, "warm": None, "rows": None}], "failed": True}
            runs.append({**r["results"][0], "maxrss_mb": r.get("maxrss_mb"),
                         "failed": r.get("failed", False)})
            spent += time.perf_counter() - t0
        out.append({**case, "first": median(r["first"] for r in runs),
                    "warm": median(r["warm"] for r in runs), "rows": runs[0]["rows"],
                    "error": runs[0]["error"], "failed": any(r["failed"] for r in runs),
                    "runs": len(runs),
                    "maxrss_mb": max((r["maxrss_mb"] or 0) for r in runs)})
    return out


def measure_maps(args, results: dict) -> None:
    import bench_maps
    from dealgraph.viz.render import write_map
    import tempfile
    browser = pw = None
    version = "not run"
    if not args.no_browser and Path(bench_maps.CHROMIUM).exists():
        from playwright.sync_api import sync_playwright
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=bench_maps.CHROMIUM, args=bench_maps.ARGS)
        version = browser.version
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for n in args.map_sizes:
                log(f"map of {n:,} nodes")
                sub = bench_maps.synthetic(n)
                out = tmp / f"map-{n}.html"
                builds, ttis = [], []
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    info = write_map(sub, out, title=f"benchmark {n}")
                    builds.append(time.perf_counter() - t)
                    if browser:
                        tti, _ = bench_maps.time_to_interactive(
                            browser, out, "body[data-ready='true']", "window.dealgraphReadyAt",
                            args.map_timeout)
                        ttis.append(tti)
                rows.append({"who": "dealgraph", "nodes": n, "edges": info.edges,
                             "build": median(builds), "bytes": info.bytes,
                             "tti": None if (not ttis or None in ttis) else median(ttis),
                             "tti_timeout": bool(ttis) and None in ttis,
                             "physics": "on, then frozen" if info.physics else "off (Python layout)"})
                if n <= args.pyvis_max:
                    log(f"plain pyvis map of {n:,} nodes")
                    base = tmp / f"pyvis-{n}.html"
                    bt, bsize = bench_maps.plain_pyvis(sub, base)
                    btti = None
                    if browser:
                        btti, _ = bench_maps.time_to_interactive(
                            browser, base, "window.__firstDraw > 0", "window.__firstDraw",
                            args.map_timeout, hook=True)
                    rows.append({"who": "plain pyvis", "nodes": n, "edges": info.edges,
                                 "build": bt, "bytes": bsize, "tti": btti,
                                 "tti_timeout": bool(browser) and btti is None,
                                 "physics": "on (barnesHut)"})
    finally:
        if browser:
            browser.close()
            pw.stop()
    results["maps"] = {"rows": rows, "chromium": version, "timeout": args.map_timeout,
                       "pyvis_max": args.pyvis_max}


# -- environment ---------------------------------------------------------------------

def machine() -> dict:
    import sqlite3
    import networkx
    import neo4j
    model = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s*(.+)", out)
        model = m.group(1).strip() if m else model
    except OSError:
        pass
    mem = 0
    try:
        mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "ram_gb": round(mem / 1024 / 1024, 1),
            "python": platform.python_version(), "networkx": networkx.__version__,
            "sqlite": sqlite3.sqlite_version, "neo4j_driver": neo4j.__version__,
            "os": platform.platform(terse=True)}


def save(work: Path, results: dict) -> None:
    path = work / "results.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1, default=str))
    tmp.replace(path)


# -- report --------------------------------------------------------------------------

def _s(x, digits=2) -> str:
    return "–" if x is None else f"{x:.{digits}f} s"


def _ms(x) -> str:
    if x is None:
        return "–"
    return f"{x * 1000:.0f} ms" if x >= 0.1 else f"{x * 1000:.1f} ms"


def _mb(x) -> str:
    return "–" if x is None else (f"{x / 1024:.2f} GB" if x >= 1024 else f"{x:.0f} MB")


def _rate(n, secs) -> str:
    return "–" if not secs else f"{n / secs:,.0f}"


def _loads(runs):
    ok = [r for r in runs or [] if "error" not in r]
    if not ok:
        return None
    return {k: median(r.get(k) for r in ok) for k in ("read_validate", "write", "total", "cpu")} | {
        "parties": ok[0]["parties"], "maxrss_mb": max(r["maxrss_mb"] for r in ok), "n": len(ok)}


def targets(results: dict) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows."""
    sizes = results.get("sizes", {})
    rows = []

    def verdict(ok):
        return "–" if ok is None else ("met" if ok else "**not met**")

    for deals, res in sorted(sizes.items(), key=lambda kv: int(kv[0])):
        emb = _loads(res.get("load_embedded"))
        if emb:
            rate = emb["parties"] / emb["total"]
            rows.append((f"embedded load ≥ 200,000 party rows/s ({int(deals):,} deals)",
                         f"{rate:,.0f} rows/s", verdict(rate >= TARGETS["embedded_rows_s"])))
    for deals, res in sorted(sizes.items(), key=lambda kv: int(kv[0])):
        ours, base = _loads(res.get("load_neo4j")), _loads(res.get("load_csv"))
        if ours and base:
            ratio = base["total"] / ours["total"]
            rows.append((f"Neo4j loader ≥ 0.8 × LOAD CSV ({int(deals):,} deals)",
                         f"{ratio:.2f} × ({_s(ours['total'], 1)} vs {_s(base['total'], 1)})",
                         verdict(ratio >= TARGETS["neo4j_vs_load_csv"])))
        elif res.get("load_neo4j") and not ours:
            rows.append((f"Neo4j loader ≥ 0.8 × LOAD CSV ({int(deals):,} deals)",
                         "load failed (see below)", "**not met**"))
    if "100000" in sizes and sizes["100000"].get("open"):
        t = median(r["open"] for r in sizes["100000"]["open"])
        rows.append(("open the embedded store < 1 s (100,000 deals)", _ms(t),
                     verdict(t < TARGETS["open_100k_s"])))
    big = sizes.get("1000000", {})
    for q, key, label in (("partners", "partners_1m_s", "`partners` < 50 ms"),
                          ("network", "network_1m_s", "`network` (2 hops) < 200 ms"),
                          ("paths", "paths_1m_s", "`paths` < 200 ms")):
        for case in big.get("queries_embedded", []):
            if case["query"] == q and case["who"] in ("mid", "mid, mid2"):
                t = case["warm"] if case["warm"] is not None else case["first"]
                rows.append((f"{label}, embedded, 1M deals (mid-degree firm; warm / first)",
                             f"{_ms(case['warm'])} / {_ms(case['first'])}",
                             verdict(None if t is None else t < TARGETS[key])))
    for row in results.get("maps", {}).get("rows", []):
        if row["who"] == "dealgraph" and row["nodes"] == 5000:
            rows.append(("map of 5,000 nodes interactive < 3 s", _s(row["tti"]),
                         verdict(None if row["tti"] is None else row["tti"] < 3)))
    if big:
        mem = memory_rows(big)
        for what, mb in mem:
            rows.append((f"peak memory < 2 GB, 1M deals: {what}", _mb(mb),
                         verdict(None if mb is None else mb < TARGETS["memory_1m_mb"])))
    return rows


def memory_rows(res: dict) -> list[tuple[str, float | None]]:
    emb = _loads(res.get("load_embedded"))
    opened = res.get("open")
    partners = next((c for c in res.get("queries_embedded", [])
                     if c["query"] == "partners" and c["who"] == "mid"), None)
    graph = res.get("graph", {})
    return [("load (read + validate + write, in chunks)", emb and emb["maxrss_mb"]),
            ("open + stats", opened and max(r["maxrss_mb"] for r in opened)),
            ("`partners` query (open + first and warm calls)", partners and partners["maxrss_mb"]),
            ("whole graph as NetworkX (built from the tables)",
             median(r["maxrss_mb"] for r in graph["built"]) if graph.get("built") else None)]


def report(results: dict) -> str:
    env = results["machine"]
    neo = results.get("neo4j") or {}
    lines = [BEGIN, "",
             "_Generated by "
             + ", then ".join(f"`{c}`" for c in results.get("commands") or [results["command"]])
             + f" on {results['date']}; medians of the runs each asks for (`--repeat`; the "
             "tables say where there were fewer)._", "",
             f"**Machine:** {env['cpu']}, {env['cores']} cores, {env['ram_gb']} GB RAM; "
             f"{env['os']}. **Versions:** Python {env['python']}, networkx {env['networkx']}, "
             f"SQLite {env['sqlite']}, neo4j driver {env['neo4j_driver']}, Neo4j server "
             f"{neo.get('version', results.get('neo4j_skipped', 'not run'))}"
             + (f" (heap {neo['memory'].get('heap')}, page cache "
                f"{neo['memory'].get('pagecache')})" if neo.get("memory") else "") + ".", "",
             "## Targets", "", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in targets(results)]
    sizes = sorted(results.get("sizes", {}).items(), key=lambda kv: int(kv[0]))

    lines += ["", "## Datasets", "",
              "`dealgraph.synth.generate(deals, seed=1)`. Degree = deals an entity is party to.",
              "", "| deals | firms | governments | people | sources | party rows | firm degree: "
              "median / p90 / p99 / max | firms without deals | top government's deals "
              "| load average (start → end) |", "|---:|---:|---:|---:|---:|---:|---|---:|---:|---|"]
    for deals, res in sizes:
        p = res["profile"]
        c, fd = p["counts"], p["firm_degrees"]
        lines.append(f"| {int(deals):,} | {c['firms']:,} | {c['governments']:,} | {c['people']:,} "
                     f"| {c['sources']:,} | {c['parties']:,} | {fd['median']} / {fd['p90']} / "
                     f"{fd['p99']} / {fd['max']:,} | {fd['none']:,} | {p['gov_max']:,} "
                     f"| {res.get('load_avg_start', 0):.1f} → {res.get('load_avg_end', 0):.1f} |")

    lines += ["", "## Load throughput", "",
              "Party rows (`parties.csv` rows) ÷ wall time of the whole load (`load_paths`: "
              "read, validate and write, records handed to the store in chunks of 100,000), "
              "into an empty store. *write* is the time inside the store's writer (embedded: "
              "each chunk written as it is validated; Neo4j: the batches sent at commit), "
              "*read + validate* the rest. Neo4j: dealgraph's loader beside `LOAD CSV` of the "
              "same files (`benchmarks/neo4j_csv.py`), run alternately in the same run.", "",
              "| deals | store | read + validate | write | total | CPU (client) | party rows/s "
              "| peak RSS (client) |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for deals, res in sizes:
        for key, name in (("load_embedded", "embedded"), ("load_neo4j", "Neo4j, dealgraph"),
                          ("load_csv", "Neo4j, LOAD CSV (baseline)")):
            runs = res.get(key)
            if runs is None:
                continue
            agg = _loads(runs)
            if agg is not None:
                name += f" ({agg['n']} run{'s' if agg['n'] > 1 else ''})"
            if agg is None:
                err = next((r["error"] for r in runs if "error" in r), "failed")
                lines.append(f"| {int(deals):,} | {name} | failed: "
                             f"{_oneline(err)} | | | | | |")
                continue
            if key == "load_csv":
                lines.append(f"| {int(deals):,} | {name} | – | – | {_s(agg['total'])} | – | "
                             f"{_rate(agg['parties'], agg['total'])} | – |")
            else:
                lines.append(f"| {int(deals):,} | {name} | {_s(agg['read_validate'])} | "
                             f"{_s(agg['write'])} | {_s(agg['total'])} | {_s(agg['cpu'])} "
                             f"| {_rate(agg['parties'], agg['total'])} | {_mb(agg['maxrss_mb'])} |")
        if "same_counts" in res:
            lines.append(f"| | | | | | | {'same' if res['same_counts'] else '**different**'} "
                         "node and party counts | |")

    lines += ["", "## Opening the embedded store", "",
              "| deals | store file | open | `stats` | open + `stats` | `python -m dealgraph "
              "stats` (whole process) |", "|---:|---:|---:|---:|---:|---:|"]
    for deals, res in sizes:
        if not res.get("open"):
            continue
        o = res["open"]
        lines.append(f"| {int(deals):,} | {o[0]['file_mb']:.0f} MB | "
                     f"{_ms(median(r['open'] for r in o))} | {_ms(median(r['stats'] for r in o))} "
                     f"| {_ms(median(r['open_stats'] for r in o))} | {_s(res.get('cli_stats'))} |")

    lines += ["", "## Saved queries", "",
              "Each query runs in a fresh process on a freshly opened store: the first call, "
              "then the median of warm calls. mid = the firm at the top 1 % of firms by "
              "deals (mid2: top 2 %), hub = the firm with most deals, government = the one "
              "with most deals (its licences and sanctions).", ""]
    for deals, res in sizes:
        if not res.get("queries_embedded"):
            continue
        p = res["profile"]
        deg = p["degree"]
        lines += [f"### {int(deals):,} deals", "",
                  f"mid = {p['mid']} ({deg[p['mid']]} deals), mid2 = {p['mid2']} "
                  f"({deg[p['mid2']]}), hub = {p['hub']} ({deg[p['hub']]:,}), government = "
                  f"{p['gov']} ({deg[p['gov']]:,}).", "",
                  "| query | parameters | rows | embedded: first | embedded: warm | Neo4j: first "
                  "| Neo4j: warm |", "|---|---|---:|---:|---:|---:|---:|"]
        neo_q = {(c["query"], c["who"]): c for c in res.get("queries_neo4j", [])}
        for c in res["queries_embedded"]:
            n = neo_q.get((c["query"], c["who"]))
            params = ", ".join(f"{k}={v}" for k, v in c["params"].items())
            rows = c["rows"] if c["rows"] is not None else "–"
            if c["error"]:
                emb = f"{_oneline(c['error'])} | –"
            else:
                emb = f"{_ms(c['first'])} | {_ms(c['warm'])}"
            if n is None:
                neo4j = "– | –"
            elif n["error"]:
                neo4j = f"{_oneline(n['error'])} | –"
            else:
                neo4j = f"{_ms(n['first'])} | {_ms(n['warm'])}"
            fewer = [f"{who} {x['runs']} run{'s' if x['runs'] != 1 else ''}"
                     for who, x in (("embedded", c), ("Neo4j", n)) if x is not None
                     and x.get("runs", results["repeat"]) < results["repeat"]]
            note = f" ({', '.join(fewer)})" if fewer else ""
            lines.append(f"| `{c['query']}` | {c['who']}: {params}{note} | {rows} | {emb} "
                         f"| {neo4j} |")
        lines.append("")

    lines += ["## The whole graph in NetworkX", "",
              "`store.graph` in a fresh process, built from the tables (the store file "
              "keeps no cache of it: nothing in a store file is unpickled).", "",
              "| deals | nodes | edges | build | peak RSS |", "|---:|---:|---:|---:|---:|"]
    for deals, res in sizes:
        runs = res.get("graph", {}).get("built")
        if not runs:
            continue
        f = runs[0]
        lines.append(f"| {int(deals):,} | {f['nodes']:,} | {f['edges']:,} | "
                     f"{_s(median(r['graph'] for r in runs))} | "
                     f"{_mb(median(r['maxrss_mb'] for r in runs))} |")

    lines += ["", "## Peak memory", "",
              "Maximum RSS of the process doing each operation (interpreter and imports "
              "included).", "", "| deals | operation | peak RSS |", "|---:|---|---:|"]
    for deals, res in sizes:
        for what, mb in memory_rows(res):
            lines.append(f"| {int(deals):,} | {what} | {_mb(mb)} |")

    maps = results.get("maps")
    if maps:
        lines += ["", "## Maps", "",
                  "`benchmarks/bench_maps.py`'s generated graphs (half entities, half deals, "
                  "4 edges per node): `write_map` beside plain pyvis (`Network.add_node` / "
                  "`add_edge`, physics on), time to interactive in headless Chromium "
                  f"{maps['chromium']} (dealgraph: until the page says it is ready; pyvis: "
                  "vis-network's first drawn frame after stabilisation). Plain pyvis is run "
                  f"up to {maps['pyvis_max']:,} nodes: its `add_edge` is quadratic.", "",
                  "| map | nodes | edges | build + write | HTML size | time to interactive "
                  "| physics |", "|---|---:|---:|---:|---:|---:|---|"]
        for r in maps["rows"]:
            tti = f"> {maps['timeout']:.0f} s" if r["tti_timeout"] else _s(r["tti"])
            lines.append(f"| {r['who']} | {r['nodes']:,} | {r['edges']:,} | {_s(r['build'])} | "
                         f"{r['bytes'] / 1e6:.1f} MB | {tti} | {r['physics']} |")
    lines += ["", END]
    return "\n".join(lines)


def _oneline(text: str) -> str:
    return str(text).splitlines()[-1].replace("|", "/")[:120] if text else ""


def write_report(results: dict, out: Path) -> None:
    block = report(results)
    text = out.read_text() if out.exists() else "# Benchmarks\n\n" + BEGIN + "\n" + END + "\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    out.write_text(text)


# -- main ----------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                    help="numbers of deals (default: 10000 100000 1000000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per figure (default 3)")
    ap.add_argument("--warm", type=int, default=5,
                    help="warm calls per query run (default 5; fewer when they take over 10 s)")
    ap.add_argument("--query-budget", type=float, default=120.0,
                    help="no further runs of a query case once its runs took this many "
                         "seconds (default 120)")
    ap.add_argument("--smoke", action="store_true",
                    help="CI smoke test: the smallest size, one run, 1,000-node map only")
    ap.add_argument("--out", type=Path, help="write the tables into this Markdown file")
    ap.add_argument("--work", type=Path, default=Path("/tmp/dealgraph-bench"),
                    help="where datasets, stores and results.json go (default /tmp/dealgraph-bench)")
    ap.add_argument("--only", nargs="+", choices=["load", "open", "queries", "graph", "neo4j",
                                                   "maps"],
                    help="measure only these parts (the store must exist for the others)")
    ap.add_argument("--merge", action="store_true",
                    help="add to <work>/results.json instead of starting afresh (implied by "
                         "--only): the sizes and parts measured replace theirs")
    ap.add_argument("--no-neo4j", action="store_true", help="skip Neo4j even if NEO4J_URI is set")
    ap.add_argument("--wipe-neo4j", action="store_true",
                    help="allow emptying the NEO4J_URI database even though it holds data")
    ap.add_argument("--no-maps", action="store_true")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--map-sizes", type=int, nargs="+", default=MAP_SIZES)
    ap.add_argument("--pyvis-max", type=int, default=5000,
                    help="largest map to build with plain pyvis (quadratic; default 5000)")
    ap.add_argument("--map-timeout", type=float, default=60.0)
    ap.add_argument("--timeout", type=float, default=3600.0,
                    help="seconds allowed to one measurement process (default 3600)")
    ap.add_argument("--report-only", action="store_true",
                    help="write --out from <work>/results.json without measuring")
    args = ap.parse_args(argv)
    if args.smoke:
        args.sizes, args.repeat, args.warm = [min(args.sizes)], 1, 2
        args.map_sizes, args.pyvis_max, args.map_timeout = [1000], 1000, 30.0
        args.timeout = min(args.timeout, 600.0)
    args.work.mkdir(parents=True, exist_ok=True)

    if args.report_only:
        if not args.out:
            ap.error("--report-only needs --out")
        write_report(json.loads((args.work / "results.json").read_text()), args.out)
        return 0

    command = "python benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results = {"machine": machine(), "date": dt.date.today().isoformat(), "repeat": args.repeat,
               "commands": [command]}
    if (args.only or args.merge) and (args.work / "results.json").exists():
        # add to the figures of earlier runs: sizes and parts measured now replace theirs
        old = json.loads((args.work / "results.json").read_text())
        earlier = old.pop("commands", None) or [old.pop("command")]
        results = {**old, "machine": results["machine"], "date": results["date"],
                   "repeat": max(old.get("repeat", 1), args.repeat),
                   "commands": earlier + [command]}
    use_neo4j, why = neo4j_ready(args)
    if use_neo4j:
        results["neo4j"] = neo4j_info()
        results.pop("neo4j_skipped", None)
    elif "neo4j" not in results:
        results["neo4j_skipped"] = why
    log(f"machine: {results['machine']}; Neo4j: {results.get('neo4j') or why}")

    failures = []
    for deals in args.sizes:
        try:
            measure_size(args, args.work, deals, results, use_neo4j, results.get("neo4j") or {})
        except Failed as exc:
            failures.append(str(exc))
            log(f"FAILED: {exc}")
    if not args.no_maps and (not args.only or "maps" in args.only):
        try:
            measure_maps(args, results)
        except Exception as exc:  # noqa: BLE001 -- reported, and the exit code says it
            failures.append(f"maps: {type(exc).__name__}: {exc}")
            log(f"FAILED: maps: {exc}")
    save(args.work, results)

    for res in results.get("sizes", {}).values():
        for key in ("queries_embedded", "queries_neo4j"):
            for c in res.get(key, []):
                if c.get("failed"):
                    failures.append(f"{key} {c['query']} {c['params']}: {c['error']}")
        for key in ("load_neo4j",):
            for r in res.get(key, []) or []:
                if "error" in r:
                    failures.append(f"{key}: {_oneline(r['error'])}")
        if res.get("same_counts") is False:
            failures.append("LOAD CSV and dealgraph's loader wrote different counts")
    text = report(results)
    if args.out:
        write_report(results, args.out)
        log(f"wrote {args.out}")
    else:
        print(text)
    for f in failures:
        print(f"benchmark failure: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
