"""``summary``: the whole network in figures, without an export and a script.

Entities by kind and country, deals by kind and status, the range of announcement
dates, disclosed value per currency, the connected components of the counterparty
network and the busiest entities. One row per figure: ``section`` names the group,
``rank`` orders the rows inside it (largest first), ``item`` says what is counted.

Neither store reads the whole graph for it: the counts are aggregations done by the
store and the components come from the (entity, deal) party pairs alone (see
``dealgraph.queries.whole``); the figures are computed from those by the same code on
both stores.
"""

from __future__ import annotations

from ..graph.countries import country_label
from .base import Param
from .whole import CYPHER_STATEMENTS, Network, groups, network_of_graph, read_network

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "run", "networkx",
           "figures"]

NAME = "summary"
QUESTION = ("What does the whole network hold: entities and deals by type, kind, status and "
            "country, dates, value per currency, connected components and top hubs?")
PARAMS = [Param("top", "int", default=10, min=1, max=100,
                help="How many hubs, countries and components to list.")]
COLUMNS = ("section", "rank", "item", "value")
SORT = ("section", "rank")
EXAMPLE = {"top": "5"}
TOTAL = "total"

DETAILS = ("Sections: `entities` (by kind, and the total), `entities by country` (the `top` "
           "countries), `deals` (the total), `deals by kind`, `deals by status`, `dates` "
           "(first and last announcement), `value` (the sum of disclosed deal values per "
           "currency; deals without a currency are left out), `components` (how many "
           "connected groups of counterparties there are, entities without any counterparty "
           "each counted as one, and how many of those), `largest components` (the `top` "
           "sizes, in entities) and `hubs` (the `top` entities by number of deals). "
           "With --as-of only the deals in force then count. The counts are aggregations "
           "run by the store (the Cypher below on Neo4j, the same in SQL on the embedded "
           "store); the components are joined in Python from the entity-deal party pairs "
           "alone, never the whole graph.")
NOTES = {}

CYPHER = "\n\n".join(f"// {what}\n{stmt}" for what, stmt in CYPHER_STATEMENTS.items()
                      if what != "entity ids")


def run(store, params):
    """The figures from the store's aggregations and party pairs (``read_network``), on
    every backend."""
    return figures(read_network(store, params["as_of"]), params["top"])


def networkx(g, params):
    network = network_of_graph(g, params["as_of"])
    return figures(network, params["top"])


def _ranked(section: str, counts: dict, top: int | None = None) -> list[dict]:
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    if top is not None:
        order = order[:top]
    return [{"section": section, "rank": i, "item": item, "value": n}
            for i, (item, n) in enumerate(order, start=1)]


def figures(network: Network, top: int = 10) -> list[dict]:
    """The summary rows of a ``Network``."""
    countries: dict[str, int] = {}
    for code, n in network.countries.items():
        countries[country_label(code)] = countries.get(country_label(code), 0) + n
    found, deal_count = groups(network)
    total = sum(network.entities.values())
    sizes = sorted([len(members) for members, _ in found] + [1] * (total - len(deal_count)),
                   reverse=True)
    alone = sum(1 for n in sizes if n == 1)
    hub_ids = [e for e, _ in sorted(deal_count.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    names = network.names(hub_ids)
    hubs = {f"{e} ({names.get(e) or e})": deal_count[e] for e in hub_ids}

    by_label = network.entities
    rows = _ranked("entities", by_label)
    rows.append({"section": "entities", "rank": len(by_label) + 1, "item": TOTAL,
                 "value": total})
    rows += _ranked("entities by country", countries, top)
    rows.append({"section": "deals", "rank": 1, "item": TOTAL, "value": network.deals})
    rows += _ranked("deals by kind", network.kinds)
    rows += _ranked("deals by status", network.statuses)
    if network.first is not None:
        rows.append({"section": "dates", "rank": 1, "item": "first announced",
                     "value": network.first})
        rows.append({"section": "dates", "rank": 2, "item": "last announced",
                     "value": network.last})
    rows += _ranked("value", network.money)
    rows += [{"section": "components", "rank": 1, "item": TOTAL, "value": len(sizes)},
             {"section": "components", "rank": 2, "item": "entities without counterparties",
              "value": alone}]
    rows += [{"section": "largest components", "rank": i, "item": f"component {i}",
              "value": n} for i, n in enumerate(sizes[:top], start=1)]
    rows += _ranked("hubs", hubs)
    return rows
