"""Node positions for static pictures and for the coordinates written into GraphML/GEXF.

Plain Python, so that no NumPy is needed (networkx's layouts all require it).
Each connected part of the graph is placed by a force model in the manner of
ForceAtlas2 (linear attraction along edges; repulsion and gravity that grow
with a node's degree, which spreads the deals around a hub), then nodes that
still overlap are pushed apart, and the parts are packed in rows, largest
first. Positions are deterministic for a given graph and seed. Parts of up to
``ALL_PAIRS_MAX`` nodes compare every pair; larger ones only nearby pairs (a
grid of cells). Graphs of more than ``FORCE_MAX`` nodes get the maps' radial
layout instead (dealgraph.viz.layout), which is linear in the graph's size.

>>> pos = positions(["a", "b", "c"], [("a", "b"), ("b", "c")])
>>> sorted(pos) == ["a", "b", "c"] and all(0 <= x <= 1 and 0 <= y <= 1 for x, y in pos.values())
True
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from ..viz.layout import radial_layout

__all__ = ["positions", "ALL_PAIRS_MAX", "FORCE_MAX"]

ALL_PAIRS_MAX = 300       # above this, repulsion only between nodes in neighbouring cells
FORCE_MAX = 2_000         # above this, the radial layout of the maps instead of forces
_WORK_BUDGET = 2_500_000  # rough number of pair computations for one part's layout


def positions(nodes, edges, seed: int = 7, aspect: float = 1.5) -> dict[str, tuple[float, float]]:
    """Positions in the unit square for ``nodes`` (ids), pulled together along ``edges``
    (pairs of ids; direction and repeats are ignored). ``aspect`` is the width/height of
    the picture the parts are packed for."""
    ids = sorted(set(nodes))
    if not ids:
        return {}
    adj: dict[str, set[str]] = {v: set() for v in ids}
    for a, b in edges:
        if a in adj and b in adj and a != b:
            adj[a].add(b)
            adj[b].add(a)
    if len(ids) > FORCE_MAX:
        return _radial(ids, adj)
    parts = _components(ids, adj)
    placed = [_force(part, [(a, b) for a in part for b in adj[a] if a < b], seed)
              for part in parts]
    return _pack(placed, aspect)


def _components(ids, adj) -> list[list[str]]:
    seen: set[str] = set()
    out = []
    for start in ids:
        if start in seen:
            continue
        seen.add(start)
        part, stack = [], [start]
        while stack:
            v = stack.pop()
            part.append(v)
            for w in adj[v]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        out.append(sorted(part))
    out.sort(key=lambda p: (-len(p), p[0]))
    return out


def _pack(placed: list[dict], aspect: float) -> dict[str, tuple[float, float]]:
    """Shelf-pack laid-out parts (each in its unit square) into one picture."""
    sides = [math.sqrt(len(p)) for p in placed]
    width = max(sides[0], math.sqrt(sum(s * s for s in sides) * aspect))
    x = y = row = 0.0
    out: dict[str, tuple[float, float]] = {}
    for part, side in zip(placed, sides):
        if x > 0 and x + side > width + 1e-9:
            x, y, row = 0.0, y + row, 0.0
        pad = side * 0.08 if len(part) > 1 else 0.0
        for v, (px, py) in part.items():
            out[v] = (x + pad + px * (side - 2 * pad), y + pad + py * (side - 2 * pad))
        x += side
        row = max(row, side)
    ids = list(out)
    return _normalise(ids, [out[v][0] for v in ids], [out[v][1] for v in ids])


def _near_pairs(xs, ys, radius: float):
    """Index pairs (i < j) of points that may be within ``radius``: every pair for small
    sets, else the pairs in neighbouring grid cells."""
    n = len(xs)
    if n <= ALL_PAIRS_MAX:
        for i in range(n):
            for j in range(i + 1, n):
                yield i, j
        return
    grid: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in range(n):
        grid[(int(xs[i] // radius), int(ys[i] // radius))].append(i)
    for (cx, cy), members in grid.items():
        for ox, oy in ((0, 0), (1, -1), (1, 0), (1, 1), (0, 1)):
            other = grid.get((cx + ox, cy + oy))
            if not other:
                continue
            for i in members:
                for j in other:
                    if (ox, oy) != (0, 0) or i < j:
                        yield (i, j) if i < j else (j, i)


def _force(ids: list[str], edges, seed: int) -> dict[str, tuple[float, float]]:
    """Place one connected part in the unit square."""
    n = len(ids)
    if n == 1:
        return {ids[0]: (0.5, 0.5)}
    rng = random.Random(seed)
    index = {v: i for i, v in enumerate(ids)}
    xs = [rng.random() for _ in ids]
    ys = [rng.random() for _ in ids]
    pairs = [(index[a], index[b]) for a, b in edges]
    mass = [1.0] * n
    for i, j in pairs:
        mass[i] += 1
        mass[j] += 1
    kr = kg = 1.0 / n
    cutoff = 3.0 / math.sqrt(n)
    per_round = n * n / 2 if n <= ALL_PAIRS_MAX else n * 30
    rounds = int(max(25, min(200, _WORK_BUDGET / per_round)))
    temp = 0.1
    cool = temp / (rounds + 1)
    for _ in range(rounds):
        dx = [0.0] * n
        dy = [0.0] * n
        for i, j in _near_pairs(xs, ys, cutoff):
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            d2 = ddx * ddx + ddy * ddy
            if d2 < 1e-12:
                ddx, ddy, d2 = 1e-3 * (1 + i % 3), 1e-3 * (1 + j % 5), 1e-5
            f = kr * mass[i] * mass[j] / d2
            dx[i] += ddx * f
            dy[i] += ddy * f
            dx[j] -= ddx * f
            dy[j] -= ddy * f
        for i, j in pairs:
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            dx[i] -= ddx
            dy[i] -= ddy
            dx[j] += ddx
            dy[j] += ddy
        for i in range(n):
            cx, cy = 0.5 - xs[i], 0.5 - ys[i]
            d = math.hypot(cx, cy) or 1e-9
            dx[i] += kg * mass[i] * cx / d
            dy[i] += kg * mass[i] * cy / d
            length = math.hypot(dx[i], dy[i])
            if length > 0:
                step = min(length, temp) / length
                xs[i] += dx[i] * step
                ys[i] += dy[i] * step
        temp -= cool
    pos = _normalise(ids, xs, ys)
    xs = [pos[v][0] for v in ids]
    ys = [pos[v][1] for v in ids]
    _separate(xs, ys, 0.6 / math.sqrt(n))
    return _normalise(ids, xs, ys)


def _separate(xs, ys, gap: float, rounds: int = 60) -> None:
    """Push apart nodes closer than ``gap`` (in place)."""
    for _ in range(rounds):
        moved = False
        for i, j in _near_pairs(xs, ys, gap):
            ddx, ddy = xs[i] - xs[j], ys[i] - ys[j]
            d = math.hypot(ddx, ddy)
            if d >= gap:
                continue
            if d < 1e-9:
                ddx, ddy, d = 1e-3 * (1 + (i + j) % 3), 1e-3 * (1 + i % 2), 1.5e-3
            push = (gap - d) / 2 / d
            xs[i] += ddx * push
            ys[i] += ddy * push
            xs[j] -= ddx * push
            ys[j] -= ddy * push
            moved = True
        if not moved:
            break


def _radial(ids, adj) -> dict[str, tuple[float, float]]:
    """The maps' linear-time radial layout, scaled into the unit square."""
    pos = radial_layout(ids, [(a, b) for a in ids for b in adj[a] if a < b])
    return _normalise(ids, [pos[v][0] for v in ids], [pos[v][1] for v in ids])


def _normalise(ids, xs, ys) -> dict[str, tuple[float, float]]:
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    sx, sy = x1 - x0, y1 - y0
    return {v: ((x - x0) / sx if sx else 0.5, (y - y0) / sy if sy else 0.5)
            for v, x, y in zip(ids, xs, ys)}
