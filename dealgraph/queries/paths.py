"""``paths``: the shortest counterparty connections between two entities, step by step."""

from __future__ import annotations

import networkx as nx

from ..errors import ParameterError
from . import access
from .base import Param, as_of_cypher
from .counterparty import Search, in_force, is_deal, parties, source_titles

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

# Both stores search from the two ends at once (the embedded store in ``local_graph``,
# Neo4j's ALL SHORTEST planner likewise), so long connections stay cheap: 12 steps
# across a million deals take well under a second (docs/benchmarks.md).
MAX_HOPS = 24
MAX_PATHS = 100
# How far ``explain_empty`` looks to say how far apart two entities are.
MEASURE_HOPS = 64

NAME = "paths"
QUESTION = ("What are the shortest chains of deals connecting two entities, within "
            "`max_hops` counterparty steps?")
PARAMS = [Param("a", "entity", help="Where the paths start (id, name or alias)."),
          Param("b", "entity", help="Where the paths end (id, name or alias)."),
          Param("max_hops", "int", default=4, min=1, max=MAX_HOPS,
                help="Longest connection to look for, in counterparty steps.")]
COLUMNS = ("path", "step", "from_entity", "from_name", "deal", "title", "kind", "status",
           "to_entity", "to_name", "sources")
SORT = ("path", "step")
# Every node of a shortest path of length <= max_hops lies within ceil(max_hops/2)
# steps of a or floor(max_hops/2) steps of b, and so does every deal on it.
SCOPE = {"a": lambda params: (params["max_hops"] + 1) // 2,
         "b": lambda params: params["max_hops"] // 2}
EXAMPLE = {"a": "Xiaomi", "b": "Huawei"}
DETAILS = (f"At most {MAX_PATHS} paths are listed: the first by the ids along them. An "
           "empty answer says why: how many steps apart the two entities are (and the "
           "`max_hops` to rerun with), or that they are not connected.")


def local_graph(store, params):
    """The entities and deals on every shortest connection of at most ``max_hops`` steps,
    found by searching from both ends, one step at a time from the end with the smaller
    frontier. That subgraph holds exactly the shortest paths of the whole graph (``SCOPE``
    gives the same answer from two bigger neighbourhoods)."""
    a, b, as_of = params["a"], params["b"], params["as_of"]
    ends = [Search(a), Search(b)]
    meet: set[str] = set()
    while not meet and ends[0].level + ends[1].level < params["max_hops"] \
            and ends[0].frontier and ends[1].frontier:
        near, far = sorted(ends, key=lambda e: len(e.frontier))
        near.step(store, as_of)
        meet = {x for x in near.frontier if x in far.dist}
    if not meet:
        return store.subgraph([a, b]).to_networkx()
    da, db = ends[0].dist, ends[1].dist
    length = min(da[x] + db[x] for x in meet)
    middle = {x for x in da if x in db and da[x] + db[x] == length}
    ea, deals_a = ends[0].back(middle)
    eb, deals_b = ends[1].back(middle)
    return store.subgraph(ea | eb | deals_a | deals_b).to_networkx()


def distance(store, a: str, b: str, as_of=None, limit: int = MEASURE_HOPS):
    """(steps, reason): the counterparty steps between ``a`` and ``b`` by a search from
    both ends, or ``(None, "unconnected")`` when one side runs out of entities, or
    ``(None, "farther")`` when they are more than ``limit`` steps apart."""
    ends = [Search(a), Search(b)]
    while ends[0].level + ends[1].level < limit:
        if not (ends[0].frontier and ends[1].frontier):
            return None, "unconnected"
        near, far = sorted(ends, key=lambda e: len(e.frontier))
        near.step(store, as_of)
        meet = [x for x in near.frontier if x in far.dist]
        if meet:
            return min(ends[0].dist[x] + ends[1].dist[x] for x in meet), ""
    return None, "farther"


def explain_empty(store, params) -> str:
    """Why no path was listed, and what to rerun with."""
    a, b, hops, as_of = params["a"], params["b"], params["max_hops"], params["as_of"]
    names = access.node_fields(store, {a, b}, ("name",))
    shown = {x: names.get(x, {}).get("name") or x for x in (a, b)}
    when = f" as of {as_of}" if as_of else ""
    steps, reason = distance(store, a, b, as_of)
    head = f"no path between {shown[a]} and {shown[b]} within {hops} hop{'s' * (hops != 1)}"
    if steps is None and reason == "unconnected":
        return (f"no path between {shown[a]} and {shown[b]}: no chain of deals{when} "
                "connects them at any length")
    if steps is None:
        return f"{head}; they are more than {MEASURE_HOPS} apart{when}"
    if steps <= MAX_HOPS:
        return f"{head}; they are {steps} apart{when} — rerun with -p max_hops={steps}"
    return (f"{head}; they are {steps} apart{when}, beyond the {MAX_HOPS} steps paths lists; "
            "look at the network query around each of them instead")


def check(params):
    if params["a"] == params["b"]:
        raise ParameterError(f"b: is the same entity as a ({params['a']}); "
                             "paths need two different entities")


CYPHER = f"""
MATCH (a:Entity {{id: $a}}), (b:Entity {{id: $b}})
MATCH p = ALL SHORTEST (a)((:Entity)-[:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(:Entity)
          WHERE {as_of_cypher('d')}){{1,{MAX_HOPS}}}(b)
WHERE length(p) <= 2 * $max_hops
WITH DISTINCT [n IN nodes(p) | n.id] AS ids, nodes(p) AS ns
ORDER BY ids
WITH collect(ns)[..{MAX_PATHS}] AS paths
UNWIND range(0, size(paths) - 1) AS i
UNWIND range(0, size(paths[i]) / 2 - 1) AS s
WITH i + 1 AS path, s + 1 AS step,
     paths[i][2 * s] AS x, paths[i][2 * s + 1] AS d, paths[i][2 * s + 2] AS y
OPTIONAL MATCH (d)-[:CITES]->(src:Source)
RETURN path, step, x.id AS from_entity, x.name AS from_name, d.id AS deal,
       d.title AS title, d.kind AS kind, d.status AS status,
       y.id AS to_entity, y.name AS to_name, collect(DISTINCT src.title) AS sources
ORDER BY path, step
"""


def networkx(g, params):
    a, b, as_of = params["a"], params["b"], params["as_of"]
    h = nx.Graph()
    for deal in g.nodes:
        if is_deal(g, deal) and in_force(g, deal, as_of):
            h.add_edges_from((entity, deal) for entity in parties(g, deal))
    if a not in h or b not in h:
        return []
    found = _first_shortest_paths(h, a, b, MAX_PATHS)
    if not found or len(found[0]) - 1 > 2 * params["max_hops"]:
        return []
    rows = []
    for number, path in enumerate(found, start=1):
        for step in range(len(path) // 2):
            x, deal, y = path[2 * step], path[2 * step + 1], path[2 * step + 2]
            d = g.nodes[deal]
            rows.append({"path": number, "step": step + 1,
                         "from_entity": x, "from_name": g.nodes[x].get("name"),
                         "deal": deal, "title": d.get("title"), "kind": d.get("kind"),
                         "status": d.get("status"), "to_entity": y,
                         "to_name": g.nodes[y].get("name"), "sources": source_titles(g, deal)})
    return rows


def _first_shortest_paths(h, a, b, limit: int) -> list[tuple]:
    """The first ``limit`` shortest paths from ``a`` to ``b`` in the order of the ids
    along them, found by a depth-first walk that tries the next nodes in id order
    (without listing every shortest path, which can be millions at 12 steps)."""
    to_b = nx.single_source_shortest_path_length(h, b)
    if a not in to_b:
        return []
    found: list[tuple] = []
    path = [a]

    def walk(x):
        if len(found) >= limit:
            return
        if x == b:
            found.append(tuple(path))
            return
        for y in sorted(y for y in h.adj[x] if to_b.get(y) == to_b[x] - 1):
            path.append(y)
            walk(y)
            path.pop()
    walk(a)
    return found

