"""``components``: the connected groups of the counterparty network, largest first."""

from __future__ import annotations

from .base import Param
from .counterparty import ENTITY_LABELS, in_force, is_deal
from .summary import CYPHER as _READ, components

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "components"
QUESTION = ("Which groups of entities are connected by chains of deals, and how big is "
            "each (largest first)?")
PARAMS = [Param("min_size", "int", default=2, min=1,
                help="Leave out groups with fewer entities (1 lists entities without "
                     "counterparties too)."),
          Param("limit", "int", default=100, min=1, max=100_000,
                help="How many groups to list.")]
COLUMNS = ("component", "size", "deals", "members")
SORT = ("component",)
EXAMPLE = {"min_size": "2"}

DETAILS = ("Two entities are in one component when a chain of deals (in force as of --as-of) "
           "connects them. Components are numbered by size, largest first, then by their "
           "smallest entity id; `deals` counts the deals inside each and `members` lists its "
           "entity ids (tables cut long lists; JSON and CSV keep them whole). Computed in "
           "Python from the nodes and links on both stores, as `summary` does.")
NOTES = {"neo4j": "components: nodes and links read from Neo4j with Cypher; groups computed "
                  "in Python, as on the embedded store."}

CYPHER = _READ


def run_cypher(store, params):
    """Read the nodes and party links through the store and group them."""
    return networkx(store.subgraph(None).to_networkx(), params)


def networkx(g, params):
    as_of = params["as_of"]
    entities = [n for n, a in g.nodes(data=True) if a.get("label") in ENTITY_LABELS]
    deals = [n for n in g.nodes if is_deal(g, n) and in_force(g, n, as_of)]
    groups, _ = components(g, entities, deals)
    ordered = sorted(groups.values(), key=lambda md: (-len(md[0]), md[0][0]))
    ordered = [md for md in ordered if len(md[0]) >= params["min_size"]][:params["limit"]]
    return [{"component": i, "size": len(members), "deals": len(deals_in),
             "members": members} for i, (members, deals_in) in enumerate(ordered, start=1)]
