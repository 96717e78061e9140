"""``timeline``: an entity's deals in date order."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import entity_deals, parties

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "timeline"
QUESTION = ("What deals has the entity been party to, in order of announcement, and where do "
            "they stand?")
PARAMS = [Param("entity", "entity", help="Firm, government or person (id, name or alias).")]
COLUMNS = ("date", "deal", "title", "kind", "status", "roles", "counterparties")
SORT = ("date", "deal")
SCOPE = {"entity": 1}
EXAMPLE = {"entity": "Huawei"}
DETAILS = "The date is the announcement date; deals without one come last."

CYPHER = f"""
MATCH (e:Entity {{id: $entity}})-[r:PARTY_TO]->(d:Deal)
WHERE {as_of_cypher('d')}
WITH e, d, collect(DISTINCT r.role) AS roles
OPTIONAL MATCH (d)<-[:PARTY_TO]-(x:Entity) WHERE x <> e
RETURN d.announced AS date, d.id AS deal, d.title AS title, d.kind AS kind,
       d.status AS status, roles, collect(DISTINCT x.id) AS counterparties
ORDER BY date, deal
"""


def networkx(g, params):
    entity, as_of = params["entity"], params["as_of"]
    rows = []
    for deal, roles in entity_deals(g, entity, as_of).items():
        d = g.nodes[deal]
        rows.append({"date": d.get("announced"), "deal": deal, "title": d.get("title"),
                     "kind": d.get("kind"), "status": d.get("status"), "roles": sorted(roles),
                     "counterparties": sorted(x for x in parties(g, deal) if x != entity)})
    return rows
