"""``investors``: who holds, bought or was offered stakes in an entity or its subsidiaries."""

from __future__ import annotations

from .base import Param, as_of_cypher
from .counterparty import entity_deals, members_graph, parties, structural_members

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

STAKE_KINDS = ("investment", "stake_offer", "acquisition", "joint_venture")
HELD_ROLES = ("target", "venture")
HOLDER_ROLES = ("investor", "acquirer")

NAME = "investors"
QUESTION = ("Who holds, bought or was offered stakes in the entity or its subsidiaries, "
            "at what stake, valuation, status and date?")
PARAMS = [Param("target", "entity",
                help="Entity whose investors to list (id, name or alias); "
                     "its subsidiaries (SUBSIDIARY_OF) count too.")]
COLUMNS = ("investor", "name", "roles", "stake_in", "deal", "kind", "status", "date",
           "stake_low", "stake_high", "valuation_low", "valuation_high", "currency")
SORT = ("investor", "deal", "stake_in")
EXAMPLE = {"target": "Huawei"}
DETAILS = ("Deals of kind investment, stake_offer, acquisition or joint_venture. The stake "
           "is in the party with role target (or venture); in a stake offer without a "
           "target it is in the offeror. Holders have role investor or acquirer (or "
           "partner in a joint venture).")


def local_graph(store, params):
    return members_graph(store, params["target"], "SUBSIDIARY_OF", 1)


CYPHER = f"""
MATCH (t:Entity {{id: $target}})
MATCH (u:Entity)-[:SUBSIDIARY_OF*0..]->(t)
MATCH (u)-[ur:PARTY_TO]->(d:Deal)<-[ir:PARTY_TO]-(i:Entity)
WHERE d.kind IN {list(STAKE_KINDS)!r} AND i <> u AND {as_of_cypher('d')}
  AND (ur.role IN {list(HELD_ROLES)!r}
       OR (ur.role = 'offeror' AND d.kind = 'stake_offer'
           AND NOT EXISTS {{ (d)<-[:PARTY_TO {{role: 'target'}}]-(:Entity) }}))
  AND (ir.role IN {list(HOLDER_ROLES)!r} OR (ir.role = 'partner' AND d.kind = 'joint_venture'))
WITH i, u, d, collect(DISTINCT ir.role) AS roles
RETURN i.id AS investor, i.name AS name, roles, u.id AS stake_in, d.id AS deal,
       d.kind AS kind, d.status AS status, d.announced AS date,
       d.stake_low AS stake_low, d.stake_high AS stake_high,
       d.valuation_low AS valuation_low, d.valuation_high AS valuation_high,
       d.currency AS currency
ORDER BY investor, deal, stake_in
"""


def _holds(kind: str, role: str) -> bool:
    return role in HOLDER_ROLES or (role == "partner" and kind == "joint_venture")


def networkx(g, params):
    as_of = params["as_of"]
    held = structural_members(g, params["target"], "SUBSIDIARY_OF")
    rows = []
    for unit in held:
        for deal, unit_roles in entity_deals(g, unit, as_of).items():
            d = g.nodes[deal]
            kind = d.get("kind")
            if kind not in STAKE_KINDS:
                continue
            everyone = parties(g, deal)
            has_target = any("target" in roles for roles in everyone.values())
            if not (unit_roles & set(HELD_ROLES)
                    or ("offeror" in unit_roles and kind == "stake_offer" and not has_target)):
                continue
            for investor, roles in everyone.items():
                holding = {r for r in roles if _holds(kind, r)}
                if investor == unit or not holding:
                    continue
                rows.append({"investor": investor, "name": g.nodes[investor].get("name"),
                             "roles": sorted(holding), "stake_in": unit, "deal": deal,
                             "kind": kind, "status": d.get("status"),
                             "date": d.get("announced"),
                             **{k: d.get(k) for k in ("stake_low", "stake_high", "valuation_low",
                                                      "valuation_high", "currency")}})
    return rows
