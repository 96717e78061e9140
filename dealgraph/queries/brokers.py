"""``brokers``: the entities with the highest betweenness in the counterparty network.

Betweenness is computed exactly (Brandes' algorithm, unweighted and undirected,
normalised like ``networkx.betweenness_centrality``) over the entities that have
at least one counterparty. On Neo4j the counterparty links are read with the
Cypher below and the same computation runs in Python, so both stores give the
same scores.

Above ``MAX_WORK`` (about a minute of computing) it is *estimated* instead: Brandes'
searches from ``k`` sources drawn uniformly without replacement (``random.Random(seed)``
over the entities sorted by id), each source's dependencies scaled by ``n / k``, the
estimator of Brandes and Pich (2007) that ``networkx.betweenness_centrality(k=...)``
also uses. ``k`` is the most sources the budget allows (or the ``sources`` parameter).
A note says which was done, with the sample size, the seed and the largest standard
error of the listed scores (from the spread of the sampled sources' dependencies, with
the finite-population correction). The same links, ``k`` and seed give the same rows on
both stores.

On a Neo4j server with Graph Data Science (``access.server_betweenness``) the server
computes it instead (``gds.betweenness.stream`` on a projection of the same links): exact
up to ``GDS_MAX_WORK``, the same scores as the Python computation; sampled above it or
with ``sources`` (GDS draws the sources with ``seed``, favouring high-degree nodes, so
this is not the Brandes-Pich uniform sample: scores scaled by ``n / k``, an approximation
without an error estimate). ``method=python`` keeps the computation in Python.
"""

from __future__ import annotations

import math
import random

from . import access
from .access.neo4j import COUNTERPARTY_LINKS
from ..errors import ParameterError
from .base import Param, add_note
from .counterparty import in_force, is_deal, parties

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "run", "networkx",
           "betweenness"]

MAX_WORK = 200_000_000  # breadth-first-search steps (sources x (nodes + 2 links))
# the budget for Neo4j GDS: measured 8.6 times faster per source than the Python code
# (100,000 deals, 2 shared cores; docs/neo4j.md); 5 times the budget keeps it about as long
GDS_MAX_WORK = 5 * MAX_WORK
METHODS = ("auto", "gds", "python")

NAME = "brokers"
QUESTION = ("Which entities sit on the most shortest paths between others in the "
            "counterparty network (betweenness)?")
PARAMS = [Param("limit", "int", default=10, min=1, max=1000, help="How many entities to list."),
          Param("sources", "int", default=0, min=0, max=10_000_000,
                help="Estimate from this many sampled sources (0: exact when within the "
                     "budget, else as many as it allows)."),
          Param("seed", "int", default=0, min=0, max=2**31 - 1,
                help="Seed of the source sample when estimating."),
          Param("method", "str", default="auto",
                help="auto: the server's Graph Data Science when it has it (Neo4j), else "
                     "Python; gds: only GDS; python: always Python.")]
COLUMNS = ("entity", "name", "label", "betweenness", "partners")
SORT = ("-betweenness", "entity")
EXAMPLE = {"limit": "5"}

DETAILS = ("Exact betweenness (Brandes' algorithm), unweighted and undirected, normalised as "
           "networkx does, over the entities with at least one counterparty; scores are rounded "
           "to 6 decimal places. The Cypher reads the counterparty links and the scores are "
           "computed in Python, on both stores; on a Neo4j server with Graph Data Science, "
           "GDS computes them instead (gds.betweenness.stream on a projection of the same "
           "links, dropped afterwards; -p method=python keeps Python), and a note says which "
           "ran. A network too big to compute exactly within about a minute (some 10,000 linked "
           "entities) is estimated from a seeded sample of sources (Brandes and Pich), and a "
           "note gives the sample size, the seed and the largest standard error of the "
           "listed scores; -p sources=K asks for a K-source estimate, -p seed=S another "
           "sample.")

# what is read on Neo4j (the embedded store reads the same links in SQL)
CYPHER = COUNTERPARTY_LINKS

class _Search:
    """Brandes' single-source step over adjacency lists of ``n`` nodes, reusing its
    arrays from one source to the next (only the nodes a search reached are reset)."""

    def __init__(self, n: int):
        self.dist = [-1] * n
        self.sigma = [0] * n
        self.delta = [0.0] * n
        self.order: list[int] = []

    def dependencies(self, adj: list[list[int]], s: int) -> list[float]:
        """The dependency of ``s`` on every node, as a list indexed by node (zero for
        the nodes not reached); ``order`` holds the nodes reached, ``s`` first."""
        dist, sigma, delta = self.dist, self.sigma, self.delta
        for v in self.order:
            dist[v] = -1
            sigma[v] = 0
            delta[v] = 0.0
        order = self.order = [s]
        dist[s] = 0
        sigma[s] = 1
        i = 0
        while i < len(order):
            v = order[i]
            i += 1
            dv = dist[v] + 1
            sv = sigma[v]
            for w in adj[v]:
                dw = dist[w]
                if dw < 0:
                    dist[w] = dv
                    sigma[w] = sv
                    order.append(w)
                elif dw == dv:
                    sigma[w] += sv
        for v in reversed(order):
            dv = dist[v] + 1
            acc = 0.0
            for w in adj[v]:
                if dist[w] == dv:
                    acc += (1.0 + delta[w]) / sigma[w]
            delta[v] = acc * sigma[v]
        return delta


def betweenness(adj: list[list[int]]) -> list[float]:
    """Raw betweenness of every node of an undirected simple graph given as adjacency
    lists (each unordered pair of endpoints counted once, as networkx does).

    A leaf whose neighbour has other neighbours is not used as a source: its
    dependencies equal its neighbour's, so the neighbour's search counts for both
    (and the neighbour gains the leaf's paths to the rest of its component).
    """
    n = len(adj)
    bc = [0.0] * n
    weight = [1] * n
    skip = [False] * n
    for u in range(n):
        if len(adj[u]) == 1 and len(adj[adj[u][0]]) > 1:
            skip[u] = True
            weight[adj[u][0]] += 1
    comp = [-1] * n
    sizes: list[int] = []
    for s in range(n):
        if comp[s] >= 0:
            continue
        c = len(sizes)
        comp[s] = c
        stack, count = [s], 0
        while stack:
            v = stack.pop()
            count += 1
            for w in adj[v]:
                if comp[w] < 0:
                    comp[w] = c
                    stack.append(w)
        sizes.append(count)
    for u in range(n):
        if skip[u]:
            bc[adj[u][0]] += sizes[comp[u]] - 2
    search = _Search(n)
    for s in range(n):
        if skip[s]:
            continue
        ws = weight[s]
        delta = search.dependencies(adj, s)
        for v in search.order[1:]:
            bc[v] += ws * delta[v]
    # every unordered pair was counted from both ends
    return [b / 2.0 for b in bc]


def sampled_betweenness(adj: list[list[int]], sources: list[int]
                        ) -> tuple[list[float], list[float]]:
    """Estimated raw betweenness of every node from Brandes' searches from ``sources``
    only, and the standard error of each estimate (see the module docstring)."""
    n, k = len(adj), len(sources)
    s1 = [0.0] * n
    s2 = [0.0] * n
    search = _Search(n)
    for s in sources:
        delta = search.dependencies(adj, s)
        for v in search.order[1:]:
            acc = delta[v]
            s1[v] += acc
            s2[v] += acc * acc
    # each pair is reached from both ends over all n sources: halve, and scale k up to n
    scale = n / k / 2.0
    fpc = math.sqrt((n - k) / (n - 1)) if n > 1 else 0.0
    est = [x * scale for x in s1]
    err = [math.sqrt(max(0.0, s2[v] / k - (s1[v] / k) ** 2)) * n / 2.0 / math.sqrt(k) * fpc
           for v in range(n)]
    return est, err


def ranked(edges, limit: int, as_of, sources: int = 0, seed: int = 0,
           notes: list | None = None) -> list[tuple[str, float, int]]:
    """The ``limit`` entities with the highest normalised betweenness over ``edges``
    (pairs of ids), as (id, score rounded to 6 places, number of counterparties): exact,
    or estimated from ``sources`` sampled sources (0: exact when the budget allows, else
    as many as it allows). What was done is appended to ``notes``."""
    nodes = sorted({x for e in edges for x in e})
    index = {v: i for i, v in enumerate(nodes)}
    adj_sets: list[set[int]] = [set() for _ in nodes]
    for a, b in edges:
        if a != b:
            adj_sets[index[a]].add(index[b])
            adj_sets[index[b]].add(index[a])
    adj = [sorted(s) for s in adj_sets]
    n = len(nodes)
    links = sum(len(a) for a in adj) // 2
    exact_sources = sum(1 for a in adj if not (len(a) == 1 and len(adj[a[0]]) > 1))
    per_source = n + 2 * links
    if not sources and exact_sources * per_source > MAX_WORK:
        sources = max(1, MAX_WORK // max(per_source, 1))
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    if sources and sources < n:
        picked = sorted(random.Random(seed).sample(range(n), sources))
        raw, err = sampled_betweenness(adj, picked)
    else:
        raw, err = betweenness(adj), None
    scored = [(nodes[i], round(raw[i] * scale, 6), len(adj[i])) for i in range(n)]
    order = sorted(range(n), key=lambda i: (-scored[i][1], scored[i][0]))[:limit]
    if notes is not None:
        when = f" as of {as_of}" if as_of else ""
        if err is None:
            notes.append(f"brokers: exact betweenness over {n} entities and {links} links{when}, "
                         "computed in Python (Brandes).")
        else:
            worst = max((err[i] * scale for i in order), default=0.0)
            notes.append(
                f"brokers: ESTIMATED betweenness{when}: Brandes' searches from {sources} of "
                f"{n} entities ({links} links), sampled with seed {seed} (exact would take "
                f"{exact_sources * per_source:.2g} search steps, budget {MAX_WORK:.2g}); the "
                f"listed scores have a standard error of at most {worst:.2g} "
                "(-p sources=K for another sample size, -p seed=S for another sample).")
    return [scored[i] for i in order]


def gds_sources(requested: int, n: int, links: int) -> int:
    """How many sources GDS samples for a network of ``n`` entities and ``links`` links:
    ``requested`` when given, else 0 (exact) within ``GDS_MAX_WORK``, else as many as it
    allows."""
    if requested:
        return requested
    per_source = n + 2 * links
    if n * per_source <= GDS_MAX_WORK:
        return 0
    return max(1, GDS_MAX_WORK // max(per_source, 1))


def ranked_server(store, result, limit: int, as_of, notes: list
                  ) -> list[tuple[str, float, int]]:
    """``ranked`` for the scores a server computed (``access.ServerBetweenness``): the
    same normalisation, rounding and order; the counterparties of the listed entities
    counted with ``access.counterparty_pairs``."""
    n = result.nodes
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    scored = sorted(((e, round(raw * scale, 6)) for e, raw in result.scores.items()),
                    key=lambda x: (-x[1], x[0]))[:limit]
    partners: dict[str, set] = {}
    for a, b in access.counterparty_pairs(store, [e for e, _ in scored], as_of):
        partners.setdefault(a, set()).add(b)
    when = f" as of {as_of}" if as_of else ""
    if result.sources:
        notes.append(
            f"brokers: ESTIMATED betweenness{when} by {result.engine} "
            f"(gds.betweenness.stream): searches from {result.sources} of {n} entities "
            f"({result.links} links), drawn by GDS with seed {result.seed} (favouring "
            "high-degree entities) and scaled by n/k: an approximation for which GDS gives "
            "no error estimate (-p sources=K for another sample size, "
            "-p seed=S for another sample, -p method=python for the Python estimate with "
            "its standard error).")
    else:
        notes.append(f"brokers: exact betweenness over {n} entities and {result.links} "
                     f"links{when}, computed by {result.engine} (gds.betweenness.stream).")
    return [(e, score, len(partners.get(e, ()))) for e, score in scored]


def networkx(g, params):
    edges = set()
    for deal in g.nodes:
        if is_deal(g, deal) and in_force(g, deal, params["as_of"]):
            ps = sorted(parties(g, deal))
            edges.update((ps[i], ps[j]) for i in range(len(ps)) for j in range(i + 1, len(ps)))
    top = ranked(edges, params["limit"], params["as_of"], params["sources"], params["seed"],
                 add_note(params))
    return [{"entity": e, "name": g.nodes[e].get("name"), "label": g.nodes[e].get("label"),
             "betweenness": score, "partners": degree} for e, score, degree in top]


def run(store, params):
    """The betweenness computed by the server when it can (``access.server_betweenness``:
    Neo4j with Graph Data Science), else from the counterparty links read by the store in
    one statement (``access.counterparty_links``) in Python; then the names of the
    listed entities. Never the whole graph (which at a million deals takes minutes and
    gigabytes)."""
    method = params["method"]
    if method not in METHODS:
        raise ParameterError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    top = None
    if method != "python":
        result = access.server_betweenness(
            store, params["as_of"], lambda n, links: gds_sources(params["sources"], n, links),
            params["seed"])
        if result is not None:
            top = ranked_server(store, result, params["limit"], params["as_of"],
                                add_note(params))
        elif method == "gds":
            raise ParameterError("method: gds needs a Neo4j server with Graph Data Science "
                                 f"(this {store.backend} store has none); use auto or python")
    if top is None:
        edges = access.counterparty_links(store, params["as_of"])
        top = ranked(edges, params["limit"], params["as_of"], params["sources"],
                     params["seed"], add_note(params))
    info = access.node_fields(store, [e for e, _, _ in top], ("name",))
    return [{"entity": e, "name": info[e].get("name"), "label": info[e]["label"],
             "betweenness": score, "partners": degree} for e, score, degree in top]
