"""``network``: every entity within a number of counterparty steps, with its distance."""

from __future__ import annotations

from . import access
from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, counterparties, node_fields, reach

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "run", "networkx"]

MAX_HOPS = 10

NAME = "network"
QUESTION = "Which entities are within `hops` counterparty steps of the entity, and how far?"
PARAMS = [Param("entity", "entity", help="Firm, government or person (id, name or alias)."),
          Param("hops", "int", default=2, min=1, max=MAX_HOPS,
                help="Counterparty steps to follow.")]
COLUMNS = ("entity", "name", "label", "distance")
SORT = ("distance", "entity")
SCOPE = {"entity": lambda params: params["hops"]}
EXAMPLE = {"entity": "Huawei", "hops": "2"}

DETAILS = ("The entity itself is not listed; its counterparties are at distance 1. Neo4j "
           "runs the Cypher below; the embedded store searches in SQL one counterparty "
           "step at a time, reading only the entities reached.")

# A breadth-first search unrolled to MAX_HOPS levels (Cypher cannot take a variable
# as a path quantifier): each level expands only the entities found at the level
# before and skips the ones already seen; levels beyond $hops match nothing.
_LEVEL = """
CALL (frontier, seen) {{
  UNWIND frontier AS f
  MATCH (f)-[:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(x:Entity)
  WHERE $hops >= {k} AND NOT x IN seen AND {as_of}
  RETURN collect(DISTINCT x) AS next
}}
WITH seen + next AS seen, next AS frontier,
     found + [x IN next | {{node: x, distance: {k}}}] AS found"""

CYPHER = (
    "MATCH (s:Entity {id: $entity})\n"
    "WITH [s] AS seen, [s] AS frontier, [] AS found"
    + "".join(_LEVEL.format(k=k, as_of=as_of_cypher("d")) for k in range(1, MAX_HOPS + 1))
    + f"""
UNWIND found AS hit
WITH hit.node AS x, hit.distance AS distance
RETURN x.id AS entity, x.name AS name, {KIND_LABEL.format(v='x')} AS label, distance
ORDER BY distance, entity
""")


# ``run`` on the embedded store; Neo4j runs the Cypher, which answers in one statement
# about twice as fast as one read per step over Bolt (100,000 deals, a hub two steps
# out: 8.5 s against 16.6 s; docs/benchmarks.md)
RUN_ON = ("embedded",)


def run(store, params):
    """The search read through the store one counterparty step at a time (``reach``):
    only the entities reached and their names are read, never their deals."""
    found = reach(store, params["entity"], params["hops"], params["as_of"])
    return [{"entity": n, **found.fields[n], "distance": d}
            for n, d in found.distance.items() if n != found.start]


def networkx(g, params):
    """The same search walked on a store-shaped NetworkX graph."""
    start, hops, as_of = params["entity"], params["hops"], params["as_of"]
    distance = {start: 0}
    frontier = [start]
    for level in range(1, hops + 1):
        nxt = []
        for node in frontier:
            for other in counterparties(g, node, as_of):
                if other not in distance:
                    distance[other] = level
                    nxt.append(other)
        frontier = nxt
    return [{"entity": n, **node_fields(g, n), "distance": d}
            for n, d in distance.items() if n != start]


def explain_empty(store, params) -> str:
    """Why nobody is within reach: the entity has no counterparty at all."""
    entity, as_of = params["entity"], params["as_of"]
    name = access.node_fields(store, {entity}, ("name",)).get(entity, {}).get("name") or entity
    when = f" in force on {as_of}" if as_of else ""
    deals = {deal for _, deal in access.party_pairs(store, {entity}, as_of)}
    if not deals:
        return f"{name} has no counterparties: it is party to no deal{when}"
    return (f"{name} has no counterparties: none of its {len(deals)} deal"
            f"{'s' * (len(deals) != 1)}{when} has another party")

