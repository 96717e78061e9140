"""Positions for maps too big for the browser's physics: a radial BFS layout, linear time.

Each connected component is laid out around its best-connected node: breadth-first
layers become concentric bands, nodes in a band keep the angular order of the
subtrees they hang from (so neighbours stay near each other), and band radii
grow with the square root of the nodes placed so far (so density is even).
Components are then packed in rows, largest first. Pure Python, deterministic,
about 0.2 s for 20,000 nodes and 80,000 edges; force-directed layouts in
networkx are O(n²) per iteration and take minutes at that size.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque

__all__ = ["radial_layout", "pack_discs", "SPACING"]

SPACING = 42.0
_GOLDEN = (math.sqrt(5) - 1) / 2


def radial_layout(node_ids: list[str], edges: list[tuple[str, str]],
                  spacing: float = SPACING) -> dict[str, tuple[int, int]]:
    """Map each id in ``node_ids`` to integer ``(x, y)`` canvas coordinates."""
    index = {nid: i for i, nid in enumerate(node_ids)}
    n = len(node_ids)
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        ia, ib = index.get(a), index.get(b)
        if ia is None or ib is None or ia == ib:
            continue
        adj[ia].append(ib)
        adj[ib].append(ia)
    degree = [len(x) for x in adj]
    for x in adj:
        x.sort(key=lambda j: (-degree[j], j))

    seen = [False] * n
    components: list[list[tuple[int, float, float]]] = []
    for root in sorted(range(n), key=lambda i: (-degree[i], node_ids[i])):
        if seen[root]:
            continue
        components.append(_place_component(root, adj, seen, spacing))
    return _pack(components, node_ids, spacing)


def _place_component(root: int, adj: list[list[int]], seen: list[bool],
                     spacing: float) -> list[tuple[int, float, float]]:
    order, parent, depth = [root], {root: -1}, {root: 0}
    seen[root] = True
    queue = deque([root])
    while queue:
        u = queue.popleft()
        for v in adj[u]:
            if not seen[v]:
                seen[v] = True
                parent[v] = u
                depth[v] = depth[u] + 1
                order.append(v)
                queue.append(v)
    # subtree sizes, then wedges proportional to them (children inside their parent's wedge)
    size = {u: 1 for u in order}
    children: dict[int, list[int]] = {}
    for u in reversed(order):
        p = parent[u]
        if p >= 0:
            size[p] += size[u]
    for u in order:
        p = parent[u]
        if p >= 0:
            children.setdefault(p, []).append(u)
    wedge = {root: (0.0, 2 * math.pi)}
    for u in order:
        start, width = wedge[u]
        kids = children.get(u, ())
        total = sum(size[k] for k in kids) or 1
        for k in kids:
            w = width * size[k] / total
            wedge[k] = (start, w)
            start += w
    layers: dict[int, list[int]] = {}
    for u in order:
        layers.setdefault(depth[u], []).append(u)

    placed = [(root, 0.0, 0.0)]
    inner, count = spacing / 2, 1
    for k in range(1, len(layers)):
        band = sorted(layers[k], key=lambda u: wedge[u][0] + wedge[u][1] / 2)
        count += len(band)
        outer = max(inner + spacing, spacing * math.sqrt(count / math.pi) * 1.15)
        rings = max(1, int((outer - inner) // spacing))
        step = (outer - inner) / rings
        radii = [inner + step * (i + 0.5) for i in range(rings)]
        # share the band among its rings in proportion to their circumference; a
        # golden-ratio sequence interleaves them, so each ring keeps the band's order
        cumulative, total = [], sum(radii)
        acc = 0.0
        for r in radii:
            acc += r / total
            cumulative.append(acc)
        members: list[list[int]] = [[] for _ in radii]
        for j, u in enumerate(band):
            t = (j * _GOLDEN) % 1.0
            members[min(bisect_right(cumulative, t), rings - 1)].append(u)
        for i, ring in enumerate(members):
            m = len(ring)
            phase = (i * _GOLDEN) % 1.0
            for j, u in enumerate(ring):
                angle = 2 * math.pi * (j + phase) / m
                placed.append((u, radii[i] * math.cos(angle), radii[i] * math.sin(angle)))
        inner = outer
    return placed


def _pack(components: list[list[tuple[int, float, float]]], node_ids: list[str],
          spacing: float) -> dict[str, tuple[int, int]]:
    """Shelf-pack components (given largest first) into rows around the origin."""
    radii = [max((math.hypot(x, y) for _, x, y in comp), default=0.0) + spacing
             for comp in components]
    area = sum((2 * r) ** 2 for r in radii)
    row_width = max(max(radii, default=0.0) * 2, math.sqrt(area))
    out: dict[str, tuple[float, float]] = {}
    x0 = y0 = 0.0
    row_height = 0.0
    for comp, r in zip(components, radii):
        d = 2 * r
        if x0 > 0 and x0 + d > row_width:
            x0, y0 = 0.0, y0 + row_height
            row_height = 0.0
        cx, cy = x0 + r, y0 + r
        for u, x, y in comp:
            out[node_ids[u]] = (cx + x, cy + y)
        x0 += d
        row_height = max(row_height, d)
    if not out:
        return {}
    xs = [p[0] for p in out.values()]
    ys = [p[1] for p in out.values()]
    mx, my = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return {k: (round(x - mx), round(y - my)) for k, (x, y) in out.items()}


def pack_discs(radii: list[float], gap: float = 0.0, below: float = 0.0,
               order_key: list | None = None) -> list[tuple[float, float]]:
    """Centres for discs of ``radii`` shelf-packed in rows around the origin (returned
    in the order of ``radii``): largest first, or by ``order_key`` descending; ``gap``
    is added around each disc and ``below`` times its radius under it (room for a label)."""
    key = order_key or [(r,) for r in radii]
    order = sorted(range(len(radii)), key=lambda i: (key[i], radii[i]), reverse=True)
    padded = [radii[i] + gap / 2 for i in order]
    area = sum((2 * r) * (2 * r + below * r) for r in padded)
    row_width = max(max(padded, default=0.0) * 2, math.sqrt(area))
    centres: list[tuple[float, float]] = [(0.0, 0.0)] * len(radii)
    x0 = y0 = row_height = 0.0
    for i, r in zip(order, padded):
        d = 2 * r
        if x0 > 0 and x0 + d > row_width:
            x0, y0, row_height = 0.0, y0 + row_height, 0.0
        centres[i] = (x0 + r, y0 + r)
        x0 += d
        row_height = max(row_height, d + below * r)
    if not centres:
        return []
    xs = [c[0] for c in centres]
    ys = [c[1] for c in centres]
    mx, my = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    return [(x - mx, y - my) for x, y in centres]
