"""The overview of a big map: clusters of nodes drawn as single nodes, opened in the page.

A cluster is a connected component (networkx), or a part of a component bigger than
``MAX_CLUSTER`` nodes: the component's breadth-first tree from its best-connected
node is cut bottom-up into subtrees of ``MAX_CLUSTER / 2`` to ``MAX_CLUSTER`` nodes,
so a hub stays with its neighbours and each part is a region of the layout. (networkx's
Louvain communities took 146 s on a 42,000-node component of the 26k/19k benchmark
graph, label propagation 18-26 s; the cut takes well under a second.) Components
smaller than ``MIN_OWN`` nodes are gathered, by size, into buckets of at most
``MAX_CLUSTER`` nodes ("212 pairs", "40 groups of 3–4 nodes"), so the overview is not
rows of thousands of specks. Each cluster is laid out on its own (``radial_layout``)
and the clusters are packed as discs; a cluster node sits at its disc's centre, so
opening it in the page puts its members exactly where the disc was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from .layout import SPACING, pack_discs, radial_layout

__all__ = ["Cluster", "build_clusters", "MAX_CLUSTER", "MIN_OWN"]

MAX_CLUSTER = 600
MIN_OWN = 12
TOP_NAMES = 2


@dataclass
class Cluster:
    """One overview node: its members (entity and deal ids), where it sits, how big it is
    drawn, and the label naming its most important entities."""
    id: str
    members: list[str]
    label: str
    x: int = 0
    y: int = 0
    size: float = 10.0
    entities: int = 0


def _groups(node_ids: list[str], edges: list[tuple[str, str]]) -> tuple[list[list[str]], list[int]]:
    """The clusters' members, and for each the number of small components it gathers
    (0 for a component or a part of one)."""
    graph = nx.Graph()
    graph.add_nodes_from(node_ids)
    graph.add_edges_from((a, b) for a, b in edges if a != b)
    groups: list[list[str]] = []
    small: list[set[str]] = []
    for comp in nx.connected_components(graph):
        if len(comp) < MIN_OWN:
            small.append(comp)
        elif len(comp) <= MAX_CLUSTER:
            groups.append(sorted(comp))
        else:
            groups.extend(sorted(p) for p in _tree_cut(graph, comp, MAX_CLUSTER // 2))
    # buckets of small components, similar sizes together
    small.sort(key=lambda c: (len(c), min(c)))
    gathered = [0] * len(groups)
    bucket: list[str] = []
    count = 0
    for comp in small:
        if bucket and len(bucket) + len(comp) > MAX_CLUSTER:
            groups.append(bucket)
            gathered.append(count)
            bucket, count = [], 0
        bucket.extend(sorted(comp))
        count += 1
    if bucket:
        groups.append(bucket)
        gathered.append(count)
    return groups, gathered


def _tree_cut(graph: nx.Graph, comp: set[str], target: int) -> list[list[str]]:
    """Parts of ``comp`` of ``target`` to ``2 * target`` nodes (the last may be smaller):
    subtrees of the breadth-first tree, children's leftovers packed together."""
    root = max(comp, key=lambda u: (graph.degree(u), u))
    order, parent = [root], {root: None}
    for u in order:  # grows while iterating: breadth-first
        for v in sorted(graph.adj[u], key=lambda v: (-graph.degree(v), v)):
            if v not in parent:
                parent[v] = u
                order.append(v)
    children: dict[str, list[str]] = {}
    for u in order[1:]:
        children.setdefault(parent[u], []).append(u)
    rest: dict[str, list[str]] = {}
    parts: list[list[str]] = []
    for u in reversed(order):
        bag = [u]
        for child in children.get(u, ()):
            bag.extend(rest.pop(child))
            if len(bag) >= target:
                parts.append(bag)
                bag = []
        rest[u] = bag
    if rest.get(root):
        parts.append(rest[root])
    return parts


def _short_name(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def build_clusters(node_ids: list[str], edges: list[tuple[str, str]],
                   importance: dict[str, float], names: dict[str, str],
                   is_entity: set[str]) -> tuple[list[Cluster], dict[str, tuple[int, int]]]:
    """Clusters of the nodes and every node's position (members placed inside their
    cluster's disc). ``importance`` ranks entities for the labels."""
    groups, gathered = _groups(node_ids, edges)
    member_of = {m: i for i, g in enumerate(groups) for m in g}
    inner: list[list[tuple[str, str]]] = [[] for _ in groups]
    for a, b in edges:
        ia, ib = member_of.get(a), member_of.get(b)
        if ia is not None and ia == ib:
            inner[ia].append((a, b))
    local = [radial_layout(g, inner[i]) for i, g in enumerate(groups)]
    radii = [max((math.hypot(x, y) for x, y in pos.values()), default=0.0) + SPACING
             for pos in local]
    # the clusters with the biggest dealers first; gathered small components last
    weight = [(-1 if gathered[i] else 0, max((importance.get(m, 0) for m in g), default=0))
              for i, g in enumerate(groups)]
    centres = pack_discs(radii, gap=SPACING * 2, below=0.8, order_key=weight)
    clusters: list[Cluster] = []
    positions: dict[str, tuple[int, int]] = {}
    for i, g in enumerate(groups):
        cx, cy = centres[i]
        for m, (x, y) in local[i].items():
            positions[m] = (round(cx + x), round(cy + y))
        ents = [m for m in g if m in is_entity]
        top = sorted(ents, key=lambda m: (-importance.get(m, 0), names.get(m, m)))[:TOP_NAMES]
        label = "\n".join(_short_name(names.get(m, m)) for m in top)
        if gathered[i]:
            label = f"{gathered[i]:,} small groups\n" + label
        if len(ents) > len(top):
            label += f"\n+ {len(ents) - len(top):,} more"
        clusters.append(Cluster(f"cluster:{i}", g, label, round(cx), round(cy),
                                round(max(14.0, radii[i] * 0.55), 1), len(ents)))
    return clusters, positions
