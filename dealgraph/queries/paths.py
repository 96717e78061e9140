"""``paths``: the shortest counterparty connections between two entities, step by step."""

from __future__ import annotations

import networkx as nx

from ..errors import ParameterError
from .base import Param, as_of_cypher
from .counterparty import Search, in_force, is_deal, parties, source_titles

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

MAX_HOPS = 8
MAX_PATHS = 100

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
DETAILS = f"At most {MAX_PATHS} paths are listed: the first by the ids along them."


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
    if a not in h or b not in h or not nx.has_path(h, a, b):
        return []
    found = sorted({tuple(p) for p in nx.all_shortest_paths(h, a, b)})
    if not found or len(found[0]) - 1 > 2 * params["max_hops"]:
        return []
    rows = []
    for number, path in enumerate(found[:MAX_PATHS], start=1):
        for step in range(len(path) // 2):
            x, deal, y = path[2 * step], path[2 * step + 1], path[2 * step + 2]
            d = g.nodes[deal]
            rows.append({"path": number, "step": step + 1,
                         "from_entity": x, "from_name": g.nodes[x].get("name"),
                         "deal": deal, "title": d.get("title"), "kind": d.get("kind"),
                         "status": d.get("status"), "to_entity": y,
                         "to_name": g.nodes[y].get("name"), "sources": source_titles(g, deal)})
    return rows


