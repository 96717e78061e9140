"""``partners-of-partners``: entities two counterparty steps away, with the intermediaries."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, counterparties, node_fields, reach

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "run", "networkx"]

NAME = "partners-of-partners"
QUESTION = ("Which entities are counterparties of the entity's counterparties but not its "
            "own, and through whom?")
PARAMS = [Param("entity", "entity", help="Firm, government or person (id, name or alias).")]
COLUMNS = ("entity", "name", "label", "intermediaries", "count")
SORT = ("-count", "entity")
SCOPE = {"entity": 2}
EXAMPLE = {"entity": "Xiaomi"}

DETAILS = ("`count` is the number of intermediaries; most intermediaries first. Neo4j runs "
           "the Cypher below; the embedded store reads the partners, then their "
           "counterparties, in SQL, without the partners' deals.")

CYPHER = f"""
MATCH (e:Entity {{id: $entity}})-[:PARTY_TO]->(d1:Deal)<-[:PARTY_TO]-(m:Entity)
WHERE m <> e AND {as_of_cypher('d1')}
WITH e, collect(DISTINCT m) AS partners
UNWIND partners AS m
MATCH (m)-[:PARTY_TO]->(d2:Deal)<-[:PARTY_TO]-(x:Entity)
WHERE x <> e AND NOT x IN partners AND {as_of_cypher('d2')}
WITH x, collect(DISTINCT m.id) AS intermediaries
RETURN x.id AS entity, x.name AS name, {KIND_LABEL.format(v='x')} AS label,
       intermediaries, size(intermediaries) AS count
ORDER BY count DESC, entity
"""


# ``run`` on the embedded store; Neo4j runs the Cypher, which answers in one statement
# faster than one read per step over Bolt (100,000 deals, the biggest hub: 7.3 s
# against 8.5 s; docs/benchmarks.md)
RUN_ON = ("embedded",)


def run(store, params):
    """The partners, then the entities reached through them, read through the store one
    step at a time (``reach``): the partners' names and deals are not read."""
    found = reach(store, params["entity"], 2, params["as_of"], via=True)
    return [{"entity": x, **found.fields[x], "intermediaries": sorted(ms), "count": len(ms)}
            for x, ms in found.via.items()]


def networkx(g, params):
    """The same answer walked on a store-shaped NetworkX graph."""
    entity, as_of = params["entity"], params["as_of"]
    first = counterparties(g, entity, as_of)
    via: dict[str, set[str]] = {}
    for middle in first:
        for other in counterparties(g, middle, as_of):
            if other != entity and other not in first:
                via.setdefault(other, set()).add(middle)
    return [{"entity": x, **node_fields(g, x), "intermediaries": sorted(ms), "count": len(ms)}
            for x, ms in via.items()]
