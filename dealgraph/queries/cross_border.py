"""``cross-border``: deals with parties from two given countries, grouped by kind."""

from __future__ import annotations

from ..errors import ParameterError
from .base import Param, as_of_cypher
from .counterparty import in_force, is_deal, parties

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "cross-border"
QUESTION = "Which deals have parties from both countries, by kind of deal?"
PARAMS = [Param("country_a", "country", help="ISO 3166-1 alpha-2 code, e.g. CN."),
          Param("country_b", "country", help="ISO 3166-1 alpha-2 code, e.g. DE.")]
COLUMNS = ("kind", "count", "deals")
SORT = ("-count", "kind")
EXAMPLE = {"country_a": "CN", "country_b": "DE"}

DETAILS = ("A party's country is the entity's `country`; each deal counts once, however many "
           "of its parties come from either country.")


def check(params):
    if params["country_a"] == params["country_b"]:
        raise ParameterError(f"country_b: is the same country as country_a "
                             f"({params['country_a']}); give two different countries")


CYPHER = f"""
MATCH (x:Entity {{country: $country_a}})-[:PARTY_TO]->(d:Deal)
      <-[:PARTY_TO]-(y:Entity {{country: $country_b}})
WHERE {as_of_cypher('d')}
WITH DISTINCT d
RETURN d.kind AS kind, count(d) AS count, collect(d.id) AS deals
ORDER BY count DESC, kind
"""


def networkx(g, params):
    a, b, as_of = params["country_a"], params["country_b"], params["as_of"]
    by_kind: dict[str, list[str]] = {}
    for deal in g.nodes:
        if not is_deal(g, deal) or not in_force(g, deal, as_of):
            continue
        countries = {g.nodes[e].get("country") for e in parties(g, deal)}
        if a in countries and b in countries:
            by_kind.setdefault(g.nodes[deal].get("kind"), []).append(deal)
    return [{"kind": kind, "count": len(deals), "deals": sorted(deals)}
            for kind, deals in by_kind.items()]
