"""``partners-of-partners``: entities two counterparty steps away, with the intermediaries."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, counterparties, node_fields, reach_graph, searched

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "partners-of-partners"
QUESTION = ("Which entities are counterparties of the entity's counterparties but not its "
            "own, and through whom?")
PARAMS = [Param("entity", "entity", help="Firm, government or person (id, name or alias).")]
COLUMNS = ("entity", "name", "label", "intermediaries", "count")
SORT = ("-count", "entity")
SCOPE = {"entity": 2}
EXAMPLE = {"entity": "Xiaomi"}

DETAILS = "`count` is the number of intermediaries; most intermediaries first."

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


def local_graph(store, params):
    """The entities two steps away with their names, and the partners each is reached
    through as the store's step-by-step search found them (see ``reach_graph``): the
    same partners and intermediaries as ``SCOPE``'s whole neighbourhood."""
    return reach_graph(store, params["entity"], 2, params["as_of"], via=True)


def networkx(g, params):
    entity, as_of = params["entity"], params["as_of"]
    found = searched(g, entity, 2, as_of, via=True)
    if found is not None:
        via = found.via
    else:
        first = counterparties(g, entity, as_of)
        via = {}
        for middle in first:
            for other in counterparties(g, middle, as_of):
                if other != entity and other not in first:
                    via.setdefault(other, set()).add(middle)
    return [{"entity": x, **node_fields(g, x), "intermediaries": sorted(ms), "count": len(ms)}
            for x, ms in via.items()]
