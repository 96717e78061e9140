"""``partner-list``: each direct counterparty once, with its number of deals and dates."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, entity_deals, parties

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "partner-list"
QUESTION = ("Who are the entity's distinct counterparties, with how many deals each and "
            "the first and last of them?")
PARAMS = [Param("entity", "entity", help="Firm, government or person (id, name or alias).")]
COLUMNS = ("partner", "name", "label", "country", "deals", "first", "last", "deal_ids")
SORT = ("-deals", "partner")
DETAIL = ("deal_ids",)
SCOPE = {"entity": 1}
EXAMPLE = {"entity": "Huawei"}

DETAILS = ("One row per counterparty (the `partners` query gives one row per deal): `deals` "
           "counts the deals shared, `first` and `last` are the earliest and latest "
           "announcement among them, and with `--detail` (`detail=True` in Python) "
           "`deal_ids` lists them (tables cut long lists; JSON and CSV keep them whole). "
           "Busiest partners first.")

CYPHER = f"""
MATCH (e:Entity {{id: $entity}})-[:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(p:Entity)
WHERE p <> e AND {as_of_cypher('d')}
WITH p, collect(DISTINCT d) AS ds
RETURN p.id AS partner, p.name AS name, {KIND_LABEL.format(v='p')} AS label,
       p.country AS country, size(ds) AS deals,
       reduce(m = null, x IN ds | CASE WHEN x.announced IS NOT NULL AND
              (m IS NULL OR x.announced < m) THEN x.announced ELSE m END) AS first,
       reduce(m = null, x IN ds | CASE WHEN x.announced IS NOT NULL AND
              (m IS NULL OR x.announced > m) THEN x.announced ELSE m END) AS last,
       [x IN ds | x.id] AS deal_ids
ORDER BY deals DESC, partner
"""


def networkx(g, params):
    entity, as_of = params["entity"], params["as_of"]
    found: dict[str, list[str]] = {}
    for deal in entity_deals(g, entity, as_of):
        for partner in parties(g, deal):
            if partner != entity:
                found.setdefault(partner, []).append(deal)
    rows = []
    for partner, deals in found.items():
        p = g.nodes[partner]
        dates = [g.nodes[d]["announced"] for d in deals if g.nodes[d].get("announced")]
        rows.append({"partner": partner, "name": p.get("name"), "label": p.get("label"),
                     "country": p.get("country"), "deals": len(deals),
                     "first": min(dates) if dates else None,
                     "last": max(dates) if dates else None, "deal_ids": sorted(deals)})
    return rows
