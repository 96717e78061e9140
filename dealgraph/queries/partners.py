"""``partners``: the direct counterparties of an entity, deal by deal."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, entity_deals, node_fields, parties, source_titles

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "partners"
QUESTION = ("Who are the entity's direct counterparties, and through which deals "
            "(kind, status, date, sources)?")
PARAMS = [Param("entity", "entity", help="Firm, government or person (id, name or alias).")]
COLUMNS = ("partner", "name", "label", "roles", "deal", "title", "kind", "status", "date",
           "sources")
SORT = ("partner", "deal")
SCOPE = {"entity": 1}
EXAMPLE = {"entity": "Xiaomi"}

DETAILS = ("One row per counterparty and deal; `roles` are the counterparty's roles in the deal "
           "and `date` is when the deal was announced.")

CYPHER = f"""
MATCH (e:Entity {{id: $entity}})-[:PARTY_TO]->(d:Deal)<-[r:PARTY_TO]-(p:Entity)
WHERE p <> e AND {as_of_cypher('d')}
WITH p, d, collect(DISTINCT r.role) AS roles
OPTIONAL MATCH (d)-[:CITES]->(s:Source)
RETURN p.id AS partner, p.name AS name, {KIND_LABEL.format(v='p')} AS label, roles,
       d.id AS deal, d.title AS title, d.kind AS kind, d.status AS status,
       d.announced AS date, collect(DISTINCT s.title) AS sources
ORDER BY partner, deal
"""


def networkx(g, params):
    entity, as_of = params["entity"], params["as_of"]
    rows = []
    for deal in entity_deals(g, entity, as_of):
        d = g.nodes[deal]
        sources = source_titles(g, deal)
        for partner, roles in parties(g, deal).items():
            if partner == entity:
                continue
            rows.append({"partner": partner, **node_fields(g, partner), "roles": sorted(roles),
                         "deal": deal, "title": d.get("title"), "kind": d.get("kind"),
                         "status": d.get("status"), "date": d.get("announced"),
                         "sources": sources})
    return rows

