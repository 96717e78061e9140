"""``brokers``: the entities with the highest betweenness in the counterparty network.

Betweenness is computed exactly (Brandes' algorithm, unweighted and undirected,
normalised like ``networkx.betweenness_centrality``) over the entities that have
at least one counterparty. On Neo4j the counterparty links are read with the
Cypher below and the same computation runs in Python, so both stores give the
same scores; above ``MAX_WORK`` (about a minute of computing) the query refuses
with a message instead of running for hours.
"""

from __future__ import annotations

import networkx as nx

from ..errors import DealgraphError
from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, in_force, is_deal, parties

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "local_graph", "networkx",
           "betweenness"]

MAX_WORK = 200_000_000  # breadth-first-search steps (sources x (nodes + 2 links))

NAME = "brokers"
QUESTION = ("Which entities sit on the most shortest paths between others in the "
            "counterparty network (betweenness)?")
PARAMS = [Param("limit", "int", default=10, min=1, max=1000, help="How many entities to list.")]
COLUMNS = ("entity", "name", "label", "betweenness", "partners")
SORT = ("-betweenness", "entity")
EXAMPLE = {"limit": "5"}

DETAILS = ("Exact betweenness (Brandes' algorithm), unweighted and undirected, normalised as "
           "networkx does, over the entities with at least one counterparty; scores are rounded "
           "to 6 decimal places. The Cypher reads the counterparty links; on Neo4j the scores "
           "are then computed in Python, as on the embedded store (Neo4j GDS is not used). "
           "A network too big to compute within about a minute (some 10,000 linked entities) "
           "is refused with a message: narrow it with --as-of.")
NOTES = {"neo4j": "brokers: counterparty links read from Neo4j with Cypher; betweenness "
                  "computed exactly in Python (Brandes), as on the embedded store "
                  "(Neo4j GDS is not used)."}

CYPHER = f"""
MATCH (a:Entity)-[:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(b:Entity)
WHERE a.id < b.id AND {as_of_cypher('d')}
RETURN DISTINCT a.id AS a, b.id AS b
"""

_NAMES = f"""
MATCH (e:Entity) WHERE e.id IN $ids
RETURN e.id AS id, e.name AS name, {KIND_LABEL.format(v='e')} AS label
"""


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
    dist = [-1] * n
    sigma = [0] * n
    delta = [0.0] * n
    for s in range(n):
        if skip[s]:
            continue
        order = [s]
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
        ws = weight[s]
        for v in reversed(order):
            dv = dist[v] + 1
            acc = 0.0
            for w in adj[v]:
                if dist[w] == dv:
                    acc += (1.0 + delta[w]) / sigma[w]
            acc *= sigma[v]
            delta[v] = acc
            if v != s:
                bc[v] += ws * acc
        for v in order:
            dist[v] = -1
            sigma[v] = 0
            delta[v] = 0.0
    # every unordered pair was counted from both ends
    return [b / 2.0 for b in bc]


def ranked(edges, limit: int, as_of) -> list[tuple[str, float, int]]:
    """The ``limit`` entities with the highest normalised betweenness over ``edges``
    (pairs of ids), as (id, score rounded to 6 places, number of counterparties)."""
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
    sources = sum(1 for a in adj if not (len(a) == 1 and len(adj[a[0]]) > 1))
    if sources * (n + 2 * links) > MAX_WORK:
        when = f" as of {as_of}" if as_of else ""
        raise DealgraphError(
            f"brokers: the counterparty network{when} has {n} entities and {links} links; "
            f"exact betweenness over it is beyond this query's limit "
            f"({sources * (n + 2 * links):.2g} search steps, limit {MAX_WORK:.2g}). "
            "Narrow it with --as-of, or compute it in Neo4j with the Graph Data Science plugin")
    raw = betweenness(adj)
    scale = 2.0 / ((n - 1) * (n - 2)) if n > 2 else 0.0
    scored = [(nodes[i], round(raw[i] * scale, 6), len(adj[i])) for i in range(n)]
    scored.sort(key=lambda t: (-t[1], t[0]))
    return scored[:limit]


def local_graph(store, params):
    """The counterparty links, read by the store in one statement, and the names of the
    linked entities: all that ``networkx`` reads, without the whole graph (which at a
    million deals takes minutes and gigabytes before a refusal)."""
    links = store.counterparty_links(params["as_of"])
    g = nx.MultiDiGraph()
    g.graph[_LINKS] = (params["as_of"], links)
    g.add_nodes_from(store.node_fields({x for link in links for x in link}, ("name",)).items())
    return g


_LINKS = "brokers: counterparty links"


def networkx(g, params):
    held = g.graph.get(_LINKS)
    if held is not None and held[0] == params["as_of"]:
        edges = held[1]
    else:
        edges = set()
        for deal in g.nodes:
            if is_deal(g, deal) and in_force(g, deal, params["as_of"]):
                ps = sorted(parties(g, deal))
                edges.update((ps[i], ps[j]) for i in range(len(ps))
                             for j in range(i + 1, len(ps)))
    top = ranked(edges, params["limit"], params["as_of"])
    return [{"entity": e, "name": g.nodes[e].get("name"), "label": g.nodes[e].get("label"),
             "betweenness": score, "partners": degree} for e, score, degree in top]


def run_cypher(store, params):
    edges = {(r["a"], r["b"]) for r in store.read(CYPHER, params)}
    top = ranked(edges, params["limit"], params["as_of"])
    info = {r["id"]: r for r in store.read(_NAMES, {"ids": [e for e, _, _ in top]})}
    return [{"entity": e, "name": info[e]["name"], "label": info[e]["label"],
             "betweenness": score, "partners": degree} for e, score, degree in top]
