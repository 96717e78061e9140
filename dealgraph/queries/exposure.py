"""``exposure``: the firms a government acts on, and the firms dealing with those."""

from __future__ import annotations

from . import access
from .base import Param, as_of_cypher
from .counterparty import _store_members, counterparties, entity_deals, parties, \
    structural_members

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "run", "networkx"]

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
           "with an order-1 firm (via = those firms). Both stores compute the rows in Python "
           "from a few reads (the bodies' party rows, then the parties of their deals and of "
           "the order-1 firms' deals), never the two-hop graph; the Cypher below gives the "
           "same rows when run on Neo4j.")


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
    return _rows(first, second, g.nodes)


def run(store, params):
    """What ``networkx`` answers, from the store's reads (``dealgraph.queries.access``)
    on every backend: the bodies' own party rows, then the parties of their deals and of
    the order-1 firms' deals, in force as of the date. Never a graph: the two-hop
    neighbourhood of a government that is party to thousands of deals is most of a big
    network (3.6 GB as a NetworkX graph at a million deals)."""
    as_of = params["as_of"]
    bodies = _store_members(store, params["government"], "PART_OF")
    acting: dict[str, set[str]] = {}
    for body, deal, role in access.party_roles(store, bodies, as_of):
        if role in ACTING_ROLES:
            acting.setdefault(deal, set()).add(body)
    pairs = [(p, d) for p, d in access.party_pairs(store, bodies, as_of) if d in acting]
    fields = access.node_fields(store, {p for p, _ in pairs}, ("name", "country"))
    first: dict[str, dict[str, set]] = {}
    for party, deal in pairs:
        if fields.get(party, {}).get("label") == "Firm":
            entry = first.setdefault(party, {"via": set(), "deals": set()})
            entry["via"] |= acting[deal]
            entry["deals"].add(deal)
    members: dict[str, list[str]] = {}
    for party, deal in access.party_pairs(store, first, as_of):
        members.setdefault(deal, []).append(party)
    others = {p for ps in members.values() for p in ps if p not in first}
    fields.update(access.node_fields(store, others - fields.keys(), ("name", "country")))
    second: dict[str, dict[str, set]] = {}
    for deal, parties_ in members.items():
        inside = [p for p in parties_ if p in first]
        for other in parties_:
            if other in first or fields.get(other, {}).get("label") != "Firm":
                continue
            entry = second.setdefault(other, {"via": set(), "deals": set()})
            entry["via"].update(inside)
            entry["deals"].add(deal)
    return _rows(first, second, fields)


def _rows(first: dict, second: dict, nodes) -> list[dict]:
    rows = []
    for order, found in ((1, first), (2, second)):
        for firm, entry in found.items():
            node = nodes[firm]
            rows.append({"order": order, "firm": firm, "name": node.get("name"),
                         "country": node.get("country"), "via": sorted(entry["via"]),
                         "deals": sorted(entry["deals"])})
    return rows
