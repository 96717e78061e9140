"""``summary``: the whole network in figures, without an export and a script.

Entities by kind and country, deals by kind and status, the range of announcement
dates, disclosed value per currency, the connected components of the counterparty
network and the busiest entities. One row per figure: ``section`` names the group,
``rank`` orders the rows inside it (largest first), ``item`` says what is counted.

On Neo4j the nodes and links are read with the Cypher below and the figures are
computed in Python by the same code as on the embedded store, as ``brokers`` does.
"""

from __future__ import annotations

from ..graph.countries import country_label
from ..graph.model import MODEL
from ..report import task
from .base import Param, as_of_cypher
from .counterparty import ENTITY_LABELS, PARTY, in_force, is_deal

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx", "figures",
           "components"]

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
           "With --as-of only the deals in force then count. Computed in Python from the "
           "nodes and links on both stores (the Cypher shows what is read from Neo4j).")
NOTES = {"neo4j": "summary: nodes and links read from Neo4j with Cypher; figures computed in "
                  "Python, as on the embedded store."}

CYPHER = f"""
MATCH (n) WHERE n:Entity OR n:Deal
OPTIONAL MATCH (n)-[r:PARTY_TO]->(d:Deal) WHERE {as_of_cypher('d')}
RETURN n, collect(d.id) AS deals
"""


def run_cypher(store, params):
    """Read the nodes and party links through the store and compute the figures."""
    return networkx(store.subgraph(None).to_networkx(), params)


def networkx(g, params):
    return figures(g, params["as_of"], params["top"])


def _ranked(section: str, counts: dict, top: int | None = None) -> list[dict]:
    order = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    if top is not None:
        order = order[:top]
    return [{"section": section, "rank": i, "item": item, "value": n}
            for i, (item, n) in enumerate(order, start=1)]


def components(g, entities, deals):
    """The connected groups of counterparties among ``entities``, linked by ``deals``
    (union-find over each deal's parties): {smallest member id: (members, deals)}, and
    each entity's number of deals."""
    parent = {e: e for e in entities}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    deal_count: dict[str, int] = {}
    party_lists = []
    with task("components: deals", total=len(deals)) as progress:
        for d in deals:
            members = sorted({src for src, _, a in g.in_edges(d, data=True)
                              if a.get("type") == PARTY and src in parent})
            for m in members:
                deal_count[m] = deal_count.get(m, 0) + 1
            for m in members[1:]:
                ra, rb = root(members[0]), root(m)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
            if members:
                party_lists.append((d, members[0]))
            progress.advance()
    groups: dict[str, tuple[list, list]] = {}
    for e in sorted(entities):
        groups.setdefault(root(e), ([], []))[0].append(e)
    for d, member in party_lists:
        groups[root(member)][1].append(d)
    return groups, deal_count


def figures(g, as_of=None, top: int = 10) -> list[dict]:
    """The summary rows of a store-shaped MultiDiGraph (see ``counterparty``)."""
    entities = [n for n, a in g.nodes(data=True) if a.get("label") in ENTITY_LABELS]
    deals = [n for n in g.nodes if is_deal(g, n) and in_force(g, n, as_of)]
    by_label = {MODEL.kinds[k].label: 0 for k in MODEL.entity_kinds}
    countries: dict[str, int] = {}
    for e in entities:
        attrs = g.nodes[e]
        by_label[attrs["label"]] += 1
        value = attrs.get("country")
        for code in (value if isinstance(value, list) else [value] if value else []):
            countries[country_label(code)] = countries.get(country_label(code), 0) + 1
    kinds: dict[str, int] = {}
    statuses: dict[str, int] = {}
    money: dict[str, float] = {}
    dates = []
    for d in deals:
        attrs = g.nodes[d]
        kinds[attrs.get("kind")] = kinds.get(attrs.get("kind"), 0) + 1
        statuses[attrs.get("status")] = statuses.get(attrs.get("status"), 0) + 1
        if attrs.get("announced"):
            dates.append(str(attrs["announced"]))
        if attrs.get("value") is not None and attrs.get("currency"):
            money[attrs["currency"]] = money.get(attrs["currency"], 0) + attrs["value"]
    groups, deal_count = components(g, entities, deals)
    sizes = {first: len(members) for first, (members, _) in groups.items()}
    alone = sum(1 for n in sizes.values() if n == 1)
    hubs = {f"{e} ({g.nodes[e].get('name') or e})": n for e, n in deal_count.items()}

    rows = _ranked("entities", by_label)
    rows.append({"section": "entities", "rank": len(by_label) + 1, "item": TOTAL,
                 "value": len(entities)})
    rows += _ranked("entities by country", countries, top)
    rows.append({"section": "deals", "rank": 1, "item": TOTAL, "value": len(deals)})
    rows += _ranked("deals by kind", kinds)
    rows += _ranked("deals by status", statuses)
    if dates:
        rows.append({"section": "dates", "rank": 1, "item": "first announced", "value": min(dates)})
        rows.append({"section": "dates", "rank": 2, "item": "last announced", "value": max(dates)})
    rows += _ranked("value", money)
    rows += [{"section": "components", "rank": 1, "item": TOTAL, "value": len(sizes)},
             {"section": "components", "rank": 2, "item": "entities without counterparties",
              "value": alone}]
    largest = sorted(sizes.values(), reverse=True)[:top]
    rows += [{"section": "largest components", "rank": i, "item": f"component {i}",
              "value": n} for i, n in enumerate(largest, start=1)]
    rows += _ranked("hubs", hubs, top)
    return rows
