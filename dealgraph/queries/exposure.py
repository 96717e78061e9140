"""``exposure``: the firms a government acts on, and the firms dealing with those."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import counterparties, entity_deals, members_graph, parties, \
    structural_members

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

ACTING_ROLES = ("regulator", "licensor")

NAME = "exposure"
QUESTION = ("Which firms does the government (or a body of it) sanction, license or regulate "
            "(order 1), and which firms deal with those (order 2)?")
PARAMS = [Param("government", "entity", labels=("Government",),
                help="Government or government body (id, name or alias); "
                     "its bodies (PART_OF) count too.")]
COLUMNS = ("order", "firm", "name", "country", "via", "deals")
SORT = ("order", "firm")
EXAMPLE = {"government": "us-government"}
DETAILS = ("Order 1: firms party to a deal where the government or one of its bodies is "
           "regulator or licensor (via = those bodies). Order 2: other firms in a deal "
           "with an order-1 firm (via = those firms).")


def local_graph(store, params):
    return members_graph(store, params["government"], "PART_OF", 2)


CYPHER = f"""
MATCH (g:Entity {{id: $government}}) WHERE g:Government
MATCH (body:Government)-[:PART_OF*0..]->(g)
MATCH (body)-[br:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(f:Firm)
WHERE br.role IN {list(ACTING_ROLES)!r} AND {as_of_cypher('d')}
WITH f, collect(DISTINCT body.id) AS via, collect(DISTINCT d.id) AS deals
WITH collect({{firm: f, via: via, deals: deals}}) AS first
CALL (first) {{
  UNWIND first AS row
  RETURN 1 AS order, row.firm AS firm, row.via AS via, row.deals AS deals
  UNION ALL
  WITH first, [row IN first | row.firm] AS firms
  UNWIND firms AS f
  MATCH (f)-[:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(x:Firm)
  WHERE NOT x IN firms AND {as_of_cypher('d')}
  RETURN 2 AS order, x AS firm, collect(DISTINCT f.id) AS via, collect(DISTINCT d.id) AS deals
}}
RETURN order, firm.id AS firm, firm.name AS name, firm.country AS country, via, deals
ORDER BY order, firm
"""


def networkx(g, params):
    as_of = params["as_of"]
    bodies = structural_members(g, params["government"], "PART_OF")
    first: dict[str, dict[str, set]] = {}
    for body in bodies:
        for deal, roles in entity_deals(g, body, as_of).items():
            if not roles & set(ACTING_ROLES):
                continue
            for firm in parties(g, deal):
                if g.nodes[firm].get("label") == "Firm":
                    entry = first.setdefault(firm, {"via": set(), "deals": set()})
                    entry["via"].add(body)
                    entry["deals"].add(deal)
    second: dict[str, dict[str, set]] = {}
    for firm in first:
        for other, deals in counterparties(g, firm, as_of).items():
            if other in first or g.nodes[other].get("label") != "Firm":
                continue
            entry = second.setdefault(other, {"via": set(), "deals": set()})
            entry["via"].add(firm)
            entry["deals"] |= deals
    rows = []
    for order, found in ((1, first), (2, second)):
        for firm, entry in found.items():
            node = g.nodes[firm]
            rows.append({"order": order, "firm": firm, "name": node.get("name"),
                         "country": node.get("country"), "via": sorted(entry["via"]),
                         "deals": sorted(entry["deals"])})
    return rows
