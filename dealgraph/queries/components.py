"""``components``: the connected groups of the counterparty network, largest first.

Read as ``summary`` reads it: the entity-deal party pairs (and, with ``min_size=1``,
every entity id), never the whole graph; grouped by union-find (``whole.groups``).
"""

from __future__ import annotations

from .base import Param
from .whole import CYPHER_STATEMENTS, groups, network_of_graph, read_network

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "run", "networkx"]

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
           "entity ids (tables cut long lists; JSON and CSV keep them whole). Read from the "
           "entity-deal party pairs alone (the Cypher below on Neo4j, the same in SQL on the "
           "embedded store) and joined in Python, on both stores; with `min_size=1` every "
           "entity id is read too.")
NOTES = {}

CYPHER = "\n\n".join(f"// {what}\n{CYPHER_STATEMENTS[what]}"
                      for what in ("parties", "entity ids"))


def run(store, params):
    """The groups from the party pairs the store reads (``read_network``), on every
    backend."""
    return rows_of(_read(store, params), params)


def _read(store, params):
    # the party pairs only (no counts); every entity id too when singles are listed
    return read_network(store, params["as_of"], entity_ids=params["min_size"] == 1,
                        counts=False)


def networkx(g, params):
    network = network_of_graph(g, params["as_of"], entity_ids=True)
    return rows_of(network, params)


def rows_of(network, params) -> list[dict]:
    found, _ = groups(network)
    ordered = sorted(found, key=lambda md: (-len(md[0]), md[0][0]))
    ordered = [md for md in ordered if len(md[0]) >= params["min_size"]][:params["limit"]]
    return [{"component": i, "size": len(members), "deals": deals,
             "members": members} for i, (members, deals) in enumerate(ordered, start=1)]
