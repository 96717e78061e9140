"""``cross-border``: deals with parties from two given countries, grouped by kind."""

from __future__ import annotations

import networkx as nx

from ..errors import ParameterError
from ..graph.model import countries_of
from . import access
from .base import Param, as_of_cypher
from .counterparty import in_force, is_deal, parties

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "local_graph", "networkx"]

NAME = "cross-border"
QUESTION = "Which deals have parties from both countries, by kind of deal?"
PARAMS = [Param("country_a", "country", help="Country code or name, e.g. CN, CHN or China."),
          Param("country_b", "country", help="Country code or name, e.g. DE, DEU or Germany.")]
COLUMNS = ("kind", "count", "deals")
SORT = ("-count", "kind")
EXAMPLE = {"country_a": "CN", "country_b": "DE"}

DETAILS = ("A party's countries are the entity's `country` (an entity may have several and "
           "counts as in each); the deal needs one party in each country (two parties, or one "
           "party in both with two roles); each deal counts once, however many of its "
           "parties come from either country.")


def check(params):
    if params["country_a"] == params["country_b"]:
        raise ParameterError(f"country_b: is the same country as country_a "
                             f"({params['country_a']}); give two different countries")


CYPHER = f"""
MATCH (x:Entity)-[:PARTY_TO]->(d:Deal)<-[:PARTY_TO]-(y:Entity)
WHERE $country_a IN x.country AND $country_b IN y.country AND {as_of_cypher('d')}
WITH DISTINCT d
RETURN d.kind AS kind, count(d) AS count, collect(d.id) AS deals
ORDER BY count DESC, kind
"""


def local_graph(store, params):
    """The deals with a party from the rarer of the two countries, with all their parties:
    every deal the answer can hold, and only what ``networkx`` reads of them (deals'
    kind and dates, parties' countries)."""
    a, b = (access.entities_where(store, "country", c) for c in (params["country_a"],
                                                         params["country_b"]))
    rels = store.deal_parties(a if len(a) <= len(b) else b)
    g = nx.MultiDiGraph()
    g.add_nodes_from(access.node_fields(store, {r.dst for r in rels}, ("kind", "announced", "end"))
                     .items())
    g.add_nodes_from(access.node_fields(store, {r.src for r in rels}, ("country",)).items())
    g.add_edges_from((r.src, r.dst, {"type": r.type, **r.props}) for r in rels)
    return g


def networkx(g, params):
    a, b, as_of = params["country_a"], params["country_b"], params["as_of"]
    by_kind: dict[str, list[str]] = {}
    for deal in g.nodes:
        if not is_deal(g, deal) or not in_force(g, deal, as_of):
            continue
        # two party rows, one of an entity in a, the other of one in b (as the Cypher
        # pattern's two relationships); an entity in both countries counts as in each
        rows = [countries_of(g.nodes[e]) for e, roles in parties(g, deal).items()
                for _ in roles]
        if any(a in ca and b in cb for i, ca in enumerate(rows)
               for j, cb in enumerate(rows) if i != j):
            by_kind.setdefault(g.nodes[deal].get("kind"), []).append(deal)
    return [{"kind": kind, "count": len(deals), "deals": sorted(deals)}
            for kind, deals in by_kind.items()]


def explain_empty(store, params) -> str:
    """Why no deal was found: how many entities each country has."""
    from ..graph.countries import country_label
    counts = {c: len(access.entities_where(store, "country", params[c]))
              for c in ("country_a", "country_b")}
    when = f" in force on {params['as_of']}" if params["as_of"] else ""
    a, b = (country_label(params[c]) for c in ("country_a", "country_b"))
    if not all(counts.values()):
        empty = a if not counts["country_a"] else b
        return f"no entity in the store is in {empty}"
    n_a, n_b = (f"{n} entit{'y' if n == 1 else 'ies'}" for n in counts.values())
    return f"no deal{when} has parties from both {a} ({n_a}) and {b} ({n_b})"

