"""Query data access on Neo4j: Cypher run through ``Neo4jStore.read`` (read routing,
inside the caller's read transaction when there is one). Labels and relationship
types in the text come from the model; values go in as parameters.

Each function is the Neo4j form of the function of the same name in
``dealgraph.queries.access``; read that module for what it answers.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterable

from ...errors import DealgraphError
from ...graph.dates import as_of_cypher
from ...graph.model import ENTITY_LABEL, MODEL
from ...graph.neo4j_schema import KEY_LABELS
from ...graph.store import entity_field

__all__ = ["COUNTERPARTY_LINKS", "NETWORK_STATEMENTS", "network_parts", "whole_graph", "party_pairs", "party_roles", "node_fields",
           "entities_where", "linked_from", "counterparty_pairs", "counterparties_of",
           "counterparty_links", "server_betweenness", "GDS_PROJECTION", "cypher_rows",
           "query_errors"]

_PARTY = MODEL.rel_type("PARTY_TO")


def _labels() -> str:
    return "|".join(MODEL.label(k) for k in KEY_LABELS)


def whole_graph(store):
    return store.subgraph(None).to_networkx()


def party_pairs(store, entity_ids: Iterable[str], as_of: str | None = None,
                skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    recs = store.read(
        f"MATCH (e:{ENTITY_LABEL})-[:{_PARTY}]->(d:Deal) WHERE e.id IN $ids "
        f"AND NOT d.id IN $skip AND {as_of_cypher('d')} "
        f"WITH DISTINCT d MATCH (p:{ENTITY_LABEL})-[:{_PARTY}]->(d) "
        "RETURN p.id AS src, d.id AS dst ORDER BY dst, src",
        {"ids": sorted(set(entity_ids)), "skip": sorted(set(skip)), "as_of": as_of})
    return [(r["src"], r["dst"]) for r in recs]


def party_roles(store, entity_ids: Iterable[str],
                as_of: str | None = None) -> set[tuple[str, str, str]]:
    return {(r["e"], r["d"], r["role"]) for r in store.read(
        f"MATCH (e:{ENTITY_LABEL})-[r:{_PARTY}]->(d:Deal) WHERE e.id IN $ids "
        f"AND {as_of_cypher('d')} RETURN e.id AS e, d.id AS d, coalesce(r.role, '') AS role",
        {"ids": sorted(set(entity_ids)), "as_of": as_of})}


def node_fields(store, ids: Iterable[str], keys: tuple[str, ...]) -> dict[str, dict]:
    recs = store.read_records(f"MATCH (n:{_labels()}) WHERE n.id IN $ids "
                              "RETURN n.id AS id, labels(n) AS labels, [k IN $keys | n[k]] AS v",
                              {"ids": sorted(set(ids)), "keys": list(keys)})
    return {r["id"]: {"label": _kind_label(r["labels"]),
                      **{k: v for k, v in zip(keys, r["v"]) if v is not None}} for r in recs}


def _kind_label(labels) -> str:
    """The model label among a node's labels (entities also carry ``Entity``)."""
    return next(label for label in labels if label != ENTITY_LABEL and label in MODEL.labels)


def entities_where(store, field: str, value) -> set[str]:
    entity_field(field)
    return {r["id"] for r in store.read(
        f"MATCH (e:{ENTITY_LABEL}) WHERE CASE WHEN e[$field] IS :: LIST<ANY> "
        "THEN $value IN e[$field] ELSE e[$field] = $value END RETURN e.id AS id",
        {"field": field, "value": value})}


def linked_from(store, ids: Iterable[str], rel_type: str) -> set[str]:
    labels = _labels()
    return {r["id"] for r in store.read(
        f"MATCH (a:{labels})-[:{MODEL.rel_type(rel_type)}]->(b:{labels}) "
        "WHERE b.id IN $ids RETURN DISTINCT a.id AS id", {"ids": sorted(set(ids))})}


def counterparty_pairs(store, entity_ids: Iterable[str],
                       as_of: str | None = None) -> set[tuple[str, str]]:
    return {(r["a"], r["b"]) for r in store.read(
        f"MATCH (a:{ENTITY_LABEL})-[:{_PARTY}]->(d:Deal)<-[:{_PARTY}]-(b:{ENTITY_LABEL}) "
        f"WHERE a.id IN $ids AND a <> b AND {as_of_cypher('d')} "
        "RETURN DISTINCT a.id AS a, b.id AS b",
        {"ids": sorted(set(entity_ids)), "as_of": as_of})}


def counterparties_of(store, entity_ids: Iterable[str], as_of: str | None = None,
                      keys: tuple[str, ...] = ()) -> dict[str, dict]:
    others = {b for _, b in counterparty_pairs(store, entity_ids, as_of)}
    return node_fields(store, others, keys)


# the whole counterparty network (shown as the Cypher of the ``brokers`` query)
COUNTERPARTY_LINKS = f"""
MATCH (a:{ENTITY_LABEL})-[:{_PARTY}]->(d:Deal)<-[:{_PARTY}]-(b:{ENTITY_LABEL})
WHERE a.id < b.id AND {as_of_cypher('d')}
RETURN DISTINCT a.id AS a, b.id AS b
"""


def counterparty_links(store, as_of: str | None = None) -> set[tuple[str, str]]:
    return {(r["a"], r["b"]) for r in store.read(COUNTERPARTY_LINKS, {"as_of": as_of})}


# Graph Data Science: the counterparty network projected into GDS's in-memory catalog
# (one undirected relationship per pair of entities party to one deal in force), the
# betweenness streamed from it, and the projection dropped.
GDS_VERSION = ("SHOW FUNCTIONS YIELD name WHERE name = 'gds.version' "
               "RETURN count(*) > 0 AS present")
GDS_PROJECTION = f"""
MATCH (a:{ENTITY_LABEL})-[:{_PARTY}]->(d:Deal)<-[:{_PARTY}]-(b:{ENTITY_LABEL})
WHERE a.id < b.id AND {as_of_cypher('d')}
WITH DISTINCT a, b
WITH gds.graph.project($graph, a, b, {{}}, {{undirectedRelationshipTypes: ['*']}}) AS g
RETURN g.nodeCount AS nodes, g.relationshipCount AS rels
"""
GDS_BETWEENNESS = ("CALL gds.betweenness.stream($graph, $config) YIELD nodeId, score "
                   "RETURN gds.util.asNode(nodeId).id AS id, score")
GDS_DROP = "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName"


def gds_version(store) -> str | None:
    """The version of the server's Graph Data Science library, or None without it
    (asked without calling an unknown function, which would end the transaction)."""
    if not store.read(GDS_VERSION)[0]["present"]:
        return None
    return store.read("RETURN gds.version() AS v")[0]["v"]


def server_betweenness(store, as_of, pick_sources, seed=0):
    from . import ServerBetweenness
    version = gds_version(store)
    if version is None:
        return None
    graph = f"dealgraph-counterparty-{uuid.uuid4().hex}"
    try:
        rec = store.read(GDS_PROJECTION, {"graph": graph, "as_of": as_of})[0]
        nodes, links = rec["nodes"] or 0, (rec["rels"] or 0) // 2
        sources = pick_sources(nodes, links) if nodes else 0
        if sources >= nodes:
            sources = 0
        scores = {}
        if nodes:
            config = {"samplingSize": sources, "samplingSeed": seed} if sources else {}
            scale = nodes / sources if sources else 1.0
            scores = {r["id"]: r["score"] * scale for r in store.read_records(
                GDS_BETWEENNESS, {"graph": graph, "config": config})}
    finally:
        # in a transaction of its own: the caller's may have ended with an error
        store.driver.execute_query(GDS_DROP, {"graph": graph}, database_=store.database)
    return ServerBetweenness(scores, nodes, links, sources, seed, f"Neo4j GDS {version}")


def cypher_rows(store, cypher: str, params: dict) -> list[dict]:
    return store.read(cypher, params)


@contextmanager
def query_errors(query):
    """What Neo4j refuses in a query's own Cypher (a syntax error, a write in the read
    transaction) or fails with, as one line naming the query."""
    from neo4j.exceptions import ClientError, Neo4jError
    try:
        yield
    except ClientError as exc:
        message = (exc.message or str(exc)).strip().splitlines()[0]
        if exc.code == "Neo.ClientError.Statement.AccessMode":
            message = "saved queries run in a read transaction and this one writes"
        raise DealgraphError(f"query {query.name} ({query.origin}): Neo4j refused it: "
                             f"{message}") from None
    except Neo4jError as exc:
        message = (exc.message or str(exc)).strip().splitlines()[0]
        raise DealgraphError(f"query {query.name}: Neo4j error: {message}") from None


# the whole network in figures (``dealgraph.queries.whole``): aggregations, and the party
# pairs as one record per entity party to a deal in force
NETWORK_STATEMENTS = {
    "entities": (f"MATCH (n:{ENTITY_LABEL}) RETURN [l IN labels(n) WHERE l <> "
                 f"'{ENTITY_LABEL}'][0] AS label, count(*) AS n"),
    "countries": (f"MATCH (n:{ENTITY_LABEL}) WHERE n.country IS NOT NULL UNWIND n.country AS c "
                  "WITH c WHERE c IS NOT NULL AND c <> '' RETURN c AS country, count(*) AS n"),
    # one scan of the deals for every deal figure: grouped by kind, status and currency
    "deals": (f"MATCH (d:Deal) WHERE {as_of_cypher('d')} "
              "RETURN d.kind AS kind, d.status AS status, d.currency AS currency, "
              "count(*) AS n, "
              "min(CASE WHEN d.announced <> '' THEN d.announced END) AS first, "
              "max(CASE WHEN d.announced <> '' THEN d.announced END) AS last, "
              "count(CASE WHEN d.currency <> '' THEN d.value END) AS valued, "
              "sum(CASE WHEN d.currency <> '' THEN d.value END) AS total"),
    # one record per entity that is party to a deal in force: its deals' ids
    "parties": (f"MATCH (e:{ENTITY_LABEL})-[:{_PARTY}]->(d:Deal) WHERE {as_of_cypher('d')} "
                "RETURN e.id AS entity, collect(DISTINCT d.id) AS deals"),
    "entity ids": f"MATCH (n:{ENTITY_LABEL}) RETURN n.id AS id",
}


def network_parts(store, as_of: str | None, entity_ids: bool, counts: bool) -> dict:
    params = {"as_of": as_of}
    st = NETWORK_STATEMENTS
    entities, countries, deal_rows, money = {}, {}, [], {}
    if counts:
        entities = {r["label"]: r["n"] for r in store.read(st["entities"])}
        countries = {r["country"]: r["n"] for r in store.read(st["countries"])}
        deal_rows = store.read(st["deals"], params)
        for r in deal_rows:
            if r["valued"]:
                money[r["currency"]] = money.get(r["currency"], 0) + r["total"]
    pairs = [(r[0], d) for r in store.read_records(st["parties"], params) for d in r[1]]
    ids = [r[0] for r in store.read_records(st["entity ids"])] if entity_ids else None
    return {"entities": entities, "countries": countries, "deal_rows": deal_rows,
            "money": money, "pairs": pairs, "ids": ids}
