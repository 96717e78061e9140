#!/usr/bin/env python
"""Benchmark of map building and loading: dealgraph's map vs plain pyvis.

For generated graphs of 1k, 5k and 20k drawn nodes (4 edges per node) it times
``write_map`` (build and write), reports the file size, and opens the file in
headless Chromium with every non-file request blocked, timing until the page
says it is interactive (``window.dealgraphReady``, set after the network is
drawn). The baseline is plain pyvis: ``Network.add_node``/``add_edge`` one at a
time, physics on, ``cdn_resources="in_line"``; its time-to-interactive is until
vis-network's first drawn frame after stabilisation.

    python benchmarks/bench_maps.py                     # 1000 5000 20000
    python benchmarks/bench_maps.py --sizes 1000 5000 --baseline-max 5000
    python benchmarks/bench_maps.py --no-browser
    python benchmarks/bench_maps.py --network            # the 26k/19k network only

``--network`` (also part of the default run) builds a generated network shaped like
a real acquisitions network -- about 26,000 entities and 19,000 deals, most deals
between an acquirer and a target, acquirers skewed so a few are hubs with ~200
deals, two deals typo'd to years 1201 and 1401, 5 % undated -- and reports build
time, file size, time to interactive, and filter latency in the page (each filter
click's ``window.dgFilterMs``; the target is under 300 ms), beside plain pyvis on
the same graph.

Prints a markdown table. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dealgraph.graph.model import MODEL  # noqa: E402
from dealgraph.graph.records import Node, Rel, Subgraph  # noqa: E402
from dealgraph.viz.elements import _style  # noqa: E402
from dealgraph.viz.render import PHYSICS_THRESHOLD, write_map  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
BROWSER_RAN = False
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
COUNTRIES = ["CN", "US", "DE", "FR", "JP", "KR", "TW", "GB", "IN", "BR", "IT", "NL"]


def synthetic(n_nodes: int, edges_per_node: int = 4, seed: int = 1) -> Subgraph:
    """A deterministic graph with ``n_nodes`` drawn nodes (half entities, half deals) and
    about ``edges_per_node * n_nodes`` drawn edges; parties are drawn with a Zipf-like
    skew, so a few entities are hubs. Every deal cites one of 50 sources (not drawn)."""
    rng = random.Random(seed)
    n_ent = n_nodes // 2
    n_deal = n_nodes - n_ent
    n_links = n_ent // 10
    n_party = edges_per_node * n_nodes - n_links
    kinds, statuses, roles = (MODEL.enums[e].values for e in ("kind", "status", "role"))
    nodes: dict[str, Node] = {}
    rels: list[Rel] = []
    labels = ["Firm"] * 7 + ["Government", "Government", "Person", "Person"]
    for i in range(50):
        nodes[f"s{i}"] = Node(f"s{i}", "Source", {"publisher": f"Wire {i}", "title": f"Report {i}",
                                                  "url": f"https://example.org/{i}"})
    ents = []
    for i in range(n_ent):
        label = labels[i % len(labels)]
        props = {"name": f"Entity {i}", "country": rng.choice(COUNTRIES)}
        if label == "Government":
            props["level"] = "national"
        nodes[f"n{i}"] = Node(f"n{i}", label, props)
        ents.append(f"n{i}")
    firms = [e for e in ents if nodes[e].label == "Firm"]
    for i in range(n_links):
        a, b = rng.sample(firms, 2)
        rels.append(Rel(a, "SUBSIDIARY_OF", b))
    weights = [1 / (i + 1) ** 0.7 for i in range(n_ent)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    sizes = [2] * n_deal
    for _ in range(max(0, n_party - 2 * n_deal)):
        sizes[rng.randrange(n_deal)] += 1
    for j in range(n_deal):
        did = f"d{j}"
        y = rng.randint(2010, 2024)
        nodes[did] = Node(did, "Deal", {
            "kind": rng.choice(kinds), "status": rng.choice(statuses),
            "title": f"Deal {j} between parties", "announced": f"{y}-{rng.randint(1, 12):02d}",
            "value": rng.randint(1, 5000) * 1_000_000, "currency": "USD"})
        members: set[str] = set()
        while len(members) < min(sizes[j], n_ent):
            members.add(ents[rng.choices(range(n_ent), cum_weights=cum)[0]])
        for m in sorted(members):
            rels.append(Rel(m, "PARTY_TO", did, {"role": rng.choice(roles)}))
        rels.append(Rel(did, "CITES", f"s{rng.randrange(50)}"))
    return Subgraph(nodes, rels)


def acquisitions(n_ent: int = 26_000, n_deal: int = 19_000, seed: int = 11) -> Subgraph:
    """A network shaped like a real acquisitions network (see the module docstring)."""
    rng = random.Random(seed)
    nodes: dict[str, Node] = {}
    rels: list[Rel] = []
    for i in range(n_ent):
        label = "Person" if i % 40 == 0 else "Government" if i % 97 == 0 else "Firm"
        nodes[f"o{i}"] = Node(f"o{i}", label, {"name": f"Org {i}",
                                                "country": rng.choice(COUNTRIES)})
    # acquirers: a Zipf-like skew over the first 6,000 entities; targets: mostly fresh
    weights = [1 / (i + 1) ** 1.05 for i in range(6000)]
    kinds = [k for k in MODEL.enums["kind"].values][:4]
    targets = list(range(6000, n_ent))
    rng.shuffle(targets)
    for j in range(n_deal):
        did = f"a{j}"
        buyer = rng.choices(range(6000), weights=weights)[0]
        target = targets[j % len(targets)] if j < len(targets) or rng.random() < 0.5 \
            else rng.randrange(n_ent)
        if target == buyer:
            target = (target + 1) % n_ent
        props = {"kind": rng.choice(kinds), "status": "completed",
                 "title": f"Org {buyer} acquires Org {target}",
                 "value": rng.randint(1, 3000) * 1_000_000, "currency": "USD"}
        if j == 7:
            props["announced"] = "1201-03-01"
        elif j == 11:
            props["announced"] = "1401-09-15"
        elif rng.random() > 0.05:
            props["announced"] = f"{rng.randint(1990, 2024)}-{rng.randint(1, 12):02d}"
        nodes[did] = Node(did, "Deal", props)
        rels.append(Rel(f"o{buyer}", "PARTY_TO", did, {"role": "acquirer"}))
        rels.append(Rel(f"o{target}", "PARTY_TO", did, {"role": "target"}))
    return Subgraph(nodes, rels)


def plain_pyvis_bulk(sub: Subgraph, path: Path) -> tuple[float, int]:
    """Plain pyvis on a graph too big for its quadratic ``add_edge``: nodes through
    ``add_node``, edges appended to ``Network.edges`` (what ``add_edge`` builds)."""
    from pyvis.network import Network
    t = time.perf_counter()
    net = Network(height="900px", width="100%", cdn_resources="in_line")
    drawn = {nid for nid, n in sub.nodes.items() if n.label != "Source"}
    for nid in sorted(drawn):
        n = sub.nodes[nid]
        s = _style(n.label)
        net.add_node(nid, label=n.name, color=s["color"], shape=s["shape"])
    for r in sub.rels:
        if r.src in drawn and r.dst in drawn:
            net.edges.append({"from": r.src, "to": r.dst, "title": r.props.get("role", r.type)})
    net.write_html(str(path))
    return time.perf_counter() - t, path.stat().st_size


def filter_latency(browser, path: Path, timeout_s: float) -> list[float]:
    """Milliseconds of each filter click on the open page (``window.dgFilterMs``):
    a type, a kind and a country box off and on again, the range, and Reset."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
               else r.abort())
    page.goto(path.resolve().as_uri(), timeout=timeout_s * 1000)
    page.wait_for_selector("body[data-ready='true']", state="attached", timeout=timeout_s * 1000)
    times = []
    for sel in ("input[data-filter='type'][value='Person']",
                "input[data-filter='kind']", "input[data-filter='country'][value='DE']"):
        for _ in range(2):
            page.click(sel)
            times.append(page.evaluate("window.dgFilterMs"))
    page.eval_on_selector("#dg-to", "el => { el.value = Math.floor(el.max / 2); "
                                     "el.dispatchEvent(new Event('input')); }")
    times.append(page.evaluate("window.dgFilterMs"))
    page.click("#dg-undated")
    times.append(page.evaluate("window.dgFilterMs"))
    page.click("#dg-reset")
    times.append(page.evaluate("window.dgFilterMs"))
    ctx.close()
    return times


def network_figures(browser, tmp: Path, timeout_s: float, repeat: int) -> None:
    """The 26k/19k network: dealgraph beside plain pyvis, printed as a table."""
    import statistics
    sub = acquisitions()
    n_ent = sum(1 for n in sub.nodes.values() if n.label != "Deal")
    n_deal = len(sub.nodes) - n_ent
    out = tmp / "network.html"
    builds = []
    for _ in range(repeat):
        t = time.perf_counter()
        info = write_map(sub, out, title="acquisitions network")
        builds.append(time.perf_counter() - t)
    tti = lat = None
    if browser:
        ttis = [time_to_interactive(browser, out, "body[data-ready='true']",
                                    "window.dealgraphReadyAt", timeout_s)[0]
                for _ in range(repeat)]
        tti = None if None in ttis else min(ttis)
        lat = filter_latency(browser, out, timeout_s)
    base = tmp / "network-pyvis.html"
    bt, bsize = plain_pyvis_bulk(sub, base)
    btti = None
    if browser:
        btti = time_to_interactive(browser, base, "window.__firstDraw > 0", "window.__firstDraw",
                                   timeout_s, hook=True)[0]
    print(f"\nGenerated acquisitions network: {n_ent:,} entities, {n_deal:,} deals "
          f"({info.nodes:,} nodes drawn in the {info.view} view, overview of clusters)\n")
    print("| map | build + write | HTML size | time to interactive | filter latency "
          "(median / max of 9 clicks) |")
    print("|---|---:|---:|---:|---:|")
    lat_text = (f"{statistics.median(lat):.0f} / {max(lat):.0f} ms" if lat else "–")
    print(f"| dealgraph (overview) | {min(builds):.2f} s | {info.bytes / 1e6:.1f} MB "
          f"| {fmt(tti, timeout=timeout_s)} | {lat_text} |")
    print(f"| plain pyvis (physics on, no filters) | {bt:.2f} s | {bsize / 1e6:.1f} MB "
          f"| {fmt(btti, timeout=timeout_s)} | – |")


def plain_pyvis(sub: Subgraph, path: Path) -> tuple[float, int]:
    """The baseline: pyvis' own API, one node and one edge at a time, physics on."""
    from pyvis.network import Network
    t = time.perf_counter()
    net = Network(height="900px", width="100%", cdn_resources="in_line")  # pyvis defaults
    drawn = {nid for nid, n in sub.nodes.items() if n.label != "Source"}
    for nid in sorted(drawn):
        n = sub.nodes[nid]
        s = _style(n.label)
        net.add_node(nid, label=n.name, color=s["color"], shape=s["shape"])
    for r in sub.rels:
        if r.src in drawn and r.dst in drawn:
            net.add_edge(r.src, r.dst, title=r.props.get("role", r.type))
    net.write_html(str(path))
    return time.perf_counter() - t, path.stat().st_size


_HOOK_VIS = """
(() => {
  // vis-network's UMD build assigns window.vis = {} and then fills in vis.Network:
  // wrap the constructor as it is assigned, to record the first drawn frame.
  let v;
  Object.defineProperty(window, "vis", { configurable: true,
    get() { return v; },
    set(x) {
      v = x;
      let wrapped;
      Object.defineProperty(x, "Network", { configurable: true, enumerable: true,
        get() { return wrapped; },
        set(N) {
          wrapped = function (c, d, o) {
            const n = new N(c, d, o);
            n.once("afterDrawing", () => { window.__firstDraw = performance.now(); });
            return n;
          };
          wrapped.prototype = N.prototype;
        } });
    } });
})();
"""


def time_to_interactive(browser, path: Path, expr: str, at: str, timeout_s: float,
                        hook: bool = False) -> tuple[float | None, int]:
    """Seconds from navigation start until ``expr`` holds (read from ``at``), and the
    number of blocked (non-file) requests. None when it timed out.

    ``expr`` is a CSS selector when it starts with ``body``: the dealgraph page's CSP
    forbids eval, which Playwright's wait_for_function needs; selectors do not."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    if hook:
        page.add_init_script(_HOOK_VIS)
    try:
        page.goto(path.resolve().as_uri(), timeout=timeout_s * 1000)
        if expr.startswith("body"):
            page.wait_for_selector(expr, state="attached", timeout=timeout_s * 1000)
        else:
            page.wait_for_function(expr, timeout=timeout_s * 1000, polling=100)
        result = page.evaluate(at) / 1000
    except Exception:  # noqa: BLE001 -- a timeout is a result here
        result = None
    ctx.close()
    return result, len(blocked)


def fmt(x: float | None, unit: str = "s", timeout: float | None = None) -> str:
    if x is None:
        return f"> {timeout:.0f} {unit}" if timeout and BROWSER_RAN else "–"
    return f"{x:.2f} {unit}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    ap.add_argument("--baseline-max", type=int, default=5000,
                    help="largest size to run the (quadratic) plain-pyvis baseline at")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--network", action="store_true",
                    help="only the generated 26k-entity / 19k-deal network")
    ap.add_argument("--timeout", type=float, default=60.0, help="browser timeout (s)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per dealgraph figure; the best is reported (the machine may "
                         "be busy)")
    args = ap.parse_args(argv)

    global BROWSER_RAN
    browser = pw = None
    BROWSER_RAN = not args.no_browser
    if not args.no_browser:
        from playwright.sync_api import sync_playwright
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        version = browser.version
    else:
        version = "not run"
    import networkx
    import pyvis
    print(f"Machine: {platform.processor() or platform.machine()}, "
          f"{__import__('os').cpu_count()} cores; Python {platform.python_version()}, "
          f"pyvis {pyvis.__version__}, networkx {networkx.__version__}, Chromium {version}; "
          f"physics threshold {PHYSICS_THRESHOLD} nodes; load average at start "
          f"{__import__('os').getloadavg()[0]:.1f}; dealgraph figures are the best of "
          f"{args.repeat} runs\n")
    rows = []
    if args.network:
        with tempfile.TemporaryDirectory() as tmp:
            network_figures(browser, Path(tmp), args.timeout, args.repeat)
        if browser:
            browser.close()
            pw.stop()
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        network_figures(browser, tmp, args.timeout, args.repeat)
        for n in args.sizes:
            sub = synthetic(n)
            out = tmp / f"map-{n}.html"
            builds, cpus, ttis = [], [], []
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                info = write_map(sub, out, title=f"benchmark {n}")
                builds.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
            build, cpu = min(builds), min(cpus)
            tti = blocked = None
            if browser:
                for _ in range(args.repeat):
                    one, blocked = time_to_interactive(browser, out, "body[data-ready='true']",
                                                       "window.dealgraphReadyAt", args.timeout)
                    ttis.append(one)
                tti = None if None in ttis else min(ttis)
            rows.append(("dealgraph", n, info.edges, build, cpu, info.bytes, tti, blocked,
                         "off (Python layout)" if not info.physics else "on, then frozen"))
            print(f"  dealgraph {n}: build {build:.2f}s, {info.bytes / 1e6:.1f} MB, "
                  f"tti {fmt(tti, timeout=args.timeout)}", file=sys.stderr)
            if n <= args.baseline_max:
                base = tmp / f"pyvis-{n}.html"
                bc = time.process_time()
                bt, bsize = plain_pyvis(sub, base)
                bc = time.process_time() - bc
                btti = bblocked = None
                if browser:
                    btti, bblocked = time_to_interactive(browser, base, "window.__firstDraw > 0",
                                                         "window.__firstDraw", args.timeout,
                                                         hook=True)
                rows.append(("plain pyvis", n, info.edges, bt, bc, bsize, btti, bblocked,
                             "on (barnesHut, 1000 stabilisation iterations)"))
                print(f"  pyvis {n}: build {bt:.2f}s, tti {fmt(btti, timeout=args.timeout)}",
                      file=sys.stderr)
    if browser:
        browser.close()
        pw.stop()
    print("| map | nodes | edges | build + write (wall) | build CPU | HTML size "
          "| time to interactive | blocked requests | physics |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for who, n, e, build, cpu, size, tti, blocked, physics in rows:
        print(f"| {who} | {n:,} | {e:,} | {build:.2f} s | {cpu:.2f} s | {size / 1e6:.1f} MB "
              f"| {fmt(tti, timeout=args.timeout)} | {'–' if blocked is None else blocked} "
              f"| {physics} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
