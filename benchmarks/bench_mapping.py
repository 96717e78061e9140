#!/usr/bin/env python
"""Benchmark of the mapping loader: a generated acquisitions CSV into the embedded store.

Writes an acquisitions CSV (acquirer, target, their countries, "Mar 25, 2015"
dates, amounts such as 5.689852347E7 or "1,250,000", a source URL per row) to
a temporary directory, with a mapping like tests/data/mapping/acquisitions.yaml,
then loads it into a new embedded store with ``load_paths`` (what ``dealgraph load
--mapping`` does): column-wise (``loaders/columnar_mapping.py``) when that path can
vouch for the file, else row by row. ``--row-by-row`` times the row-by-row load
alone, in two phases: reading through the mapping (streamed), and validating and
writing in chunks inside one transaction (``load_reading``). Peak memory is the
process's maximum RSS after each phase (``resource.getrusage``). A second load of
the same file is timed too (it must change nothing).

    python benchmarks/bench_mapping.py                 # 1,000,000 rows
    python benchmarks/bench_mapping.py --rows 100000 --firms 20000
    python benchmarks/bench_mapping.py --row-by-row    # without the columnar path
    python benchmarks/bench_mapping.py --keep          # keep the CSV and the store

Prints a markdown table. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dealgraph.graph.embedded import EmbeddedStore  # noqa: E402
import dealgraph.loaders as loaders  # noqa: E402
from dealgraph.loaders import load_paths, load_reading  # noqa: E402
from dealgraph.loaders.mapping import read_mapped  # noqa: E402

MAPPING = """\
entities:
  acquirer:
    type: Firm
    name: {column: Acquirer}
    country: {column: Acquirer Country}
  target:
    type: Firm
    name: {column: Target}
    country: {column: Target Country}
    sector: {column: Target Sector}
deal:
  kind: acquisition
  status: {column: Status, map: {Pending: announced}}
  title: {template: "{Acquirer} acquires {Target}"}
  announced: {column: Announced, format: "%b %d, %Y"}
  value: {column: Price}
  currency: {column: Currency}
parties:
  - {entity: acquirer, role: acquirer}
  - {entity: target, role: target}
source:
  url: {column: Source}
  publisher: Example Deal Tracker
"""

COUNTRIES = ["CN", "China", "DE", "Germany", "US", "United States", "GB", "FR", "JP", "HK",
             "SE", "FI", "NO", "NL", "KR", "IN", "BR", "SG", "CH", "IT"]
SECTORS = ["robots", "chips", "pumps", "optics", "shipping", "software", "banking", ""]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
STATUS = ["completed", "Completed", "Pending", "cancelled"]


def generate(path: Path, rows: int, firms: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = [f"Firm {i:07d} Holdings" for i in range(firms)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Acquirer", "Acquirer Country", "Target", "Target Country", "Target Sector",
                    "Announced", "Price", "Currency", "Status", "Source"])
        for i in range(rows):
            a, t = rng.randrange(firms), rng.randrange(firms)
            if a == t:
                t = (t + 1) % firms
            r = rng.random()
            price = "" if r < 0.1 else (f"{rng.uniform(1e6, 1e10):.9E}" if r < 0.55
                                        else f"{rng.randrange(10**6, 10**10):,}")
            w.writerow([names[a], COUNTRIES[a % len(COUNTRIES)], names[t],
                        COUNTRIES[t % len(COUNTRIES)], SECTORS[t % len(SECTORS)],
                        f"{MONTHS[rng.randrange(12)]} {rng.randrange(1, 29)}, "
                        f"{rng.randrange(1990, 2025)}", price,
                        "USD" if price else "", STATUS[i % len(STATUS)],
                        f"https://news.example.org/deal/{i}"])


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--firms", type=int, default=200_000, help="distinct firm names")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the CSV and the store")
    ap.add_argument("--read-only", action="store_true",
                    help="only read through the mapping (no validation, no write)")
    ap.add_argument("--row-by-row", action="store_true",
                    help="the row-by-row load only (no columnar path)")
    args = ap.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="dealgraph-bench-mapping-"))
    work.mkdir(parents=True, exist_ok=True)
    data, mapping, db = work / "acquisitions.csv", work / "acquisitions.yaml", work / "bench.db"
    mapping.write_text(MAPPING)
    for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    generate(data, args.rows, args.firms)
    gen_s = time.perf_counter() - t
    rss0 = peak_mb()

    store = EmbeddedStore(db)
    phases = []
    clock = [time.perf_counter(), time.process_time()]

    def phase(name):
        wall, cpu = time.perf_counter(), time.process_time()
        phases.append((name, wall - clock[0], cpu - clock[1], peak_mb()))
        clock[:] = [time.perf_counter(), time.process_time()]

    t0, c0 = time.perf_counter(), time.process_time()
    if not (args.read_only or args.row_by_row):
        taken = []
        columnar = loaders._load_columnar
        loaders._load_columnar = lambda *a, **k: taken.append(columnar(*a, **k)) or taken[-1]
        summary = load_paths(store, [data], mapping=mapping)
        path = "column-wise" if taken and taken[0] is not None else "row by row (columnar refused)"
        phase(f"load_paths: {path}")
        n_records = summary.created
        total, total_cpu = time.perf_counter() - t0, time.process_time() - c0
        t = time.perf_counter()
        again = load_paths(store, [data], mapping=mapping)
        reload_s = time.perf_counter() - t
        _report(args, data, db, store, gen_s, rss0, phases, total, total_cpu, summary, again,
                reload_s, f"{n_records:,} nodes")
        return
    reading = read_mapped([data], mapping)
    phase("read through the mapping")
    if args.read_only:
        name, wall, cpu, rss = phases[0]
        print(f"{args.rows:,} rows, {len(reading.records):,} records: read in {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU ({args.rows / cpu:,.0f} rows per CPU-second); peak RSS {rss:,.0f} MB")
        if args.dir is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        return
    n_records = len(reading.records)
    summary = load_reading(store, reading)  # consumes reading.records
    del reading
    phase("validate and write, in chunks (load_reading)")
    total, total_cpu = time.perf_counter() - t0, time.process_time() - c0

    t = time.perf_counter()
    loaders._load_columnar = lambda *a, **k: None
    again = load_paths(store, [data], mapping=mapping)
    reload_s = time.perf_counter() - t
    _report(args, data, db, store, gen_s, rss0, phases, total, total_cpu, summary, again,
            reload_s, f"{n_records:,} records")


def _report(args, data, db, store, gen_s, rss0, phases, total, total_cpu, summary, again,
            reload_s, made: str) -> None:
    work = data.parent
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[:3]
    store.close()

    print(f"# Mapping loader: {args.rows:,} CSV rows into the embedded store\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; CSV {data.stat().st_size / 1e6:.0f} MB "
          f"(generated in {gen_s:.0f} s), {args.firms:,} distinct firm names; "
          f"{made}; RSS before loading {rss0:.0f} MB.\n")
    print("| phase | wall s | CPU s | rows/s (wall) | rows/s (CPU) | peak RSS (MB) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for name, secs, cpu, rss in phases:
        print(f"| {name} | {secs:.1f} | {cpu:.1f} | {args.rows / secs:,.0f} | "
              f"{args.rows / cpu:,.0f} | {rss:,.0f} |")
    print(f"| **total** | **{total:.1f}** | **{total_cpu:.1f}** | **{args.rows / total:,.0f}** | "
          f"**{args.rows / total_cpu:,.0f}** | **{peak_mb():,.0f}** |")
    print(f"\nFirst load: {summary.as_dict()}.\nSecond load of the same file: {reload_s:.1f} s, "
          f"{again.as_dict()}.")
    print(f"Store file: {db.stat().st_size / 1e6:.0f} MB. Load average at the end: "
          f"{' '.join(load)} (wall times grow when other processes share the cores; CPU "
          "times do not).")
    if not args.keep and args.dir is None:
        shutil.rmtree(work, ignore_errors=True)
    elif not args.keep:
        for p in (data, db):
            p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
