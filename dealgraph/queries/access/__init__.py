"""The data access saved queries need, written once per backend.

A store offers generic reads and writes (nodes, relationships, neighbourhoods, a read
transaction, a writer) and knows nothing about queries. What a query reads beyond
that — one counterparty step, a few fields of some nodes, the entities of a country,
the whole counterparty network — is one function here, implemented in
``embedded.py`` (SQL on the SQLite tables) and in ``neo4j.py`` (Cypher), with the
same name and signature; the functions below dispatch on ``store.backend``, in the
spirit of networkx's backend dispatch. A new backend adds one module that defines
every name in ``FUNCTIONS`` and registers it in ``BACKENDS``.

>>> from dealgraph.graph.embedded import EmbeddedStore
>>> entities_where(EmbeddedStore(":memory:"), "country", "CN")
set()
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Callable, Iterable

from ...errors import DealgraphError

__all__ = ["ServerBetweenness", "BACKENDS", "FUNCTIONS", "backend_of", "whole_graph", "party_pairs", "party_roles",
           "node_fields", "entities_where", "linked_from", "counterparty_pairs",
           "counterparties_of", "counterparty_links", "server_betweenness", "network_parts",
           "cypher_rows", "query_errors"]

# backend name (``Store.backend``) -> the module implementing FUNCTIONS for it
BACKENDS = {"embedded": "dealgraph.queries.access.embedded",
            "neo4j": "dealgraph.queries.access.neo4j"}

# what every backend module defines (tests/queries/test_access.py holds them to it)
FUNCTIONS = ("whole_graph", "party_pairs", "party_roles", "node_fields", "entities_where",
             "linked_from", "counterparty_pairs", "counterparties_of", "counterparty_links",
             "server_betweenness", "network_parts", "cypher_rows", "query_errors")


def backend_of(store) -> ModuleType:
    """The access module for ``store``'s backend."""
    name = BACKENDS.get(getattr(store, "backend", None))
    if name is None:
        raise DealgraphError(f"no query data access for a {store.backend!r} store "
                             f"(backends: {', '.join(BACKENDS)})")
    return import_module(name)


def whole_graph(store):
    """The whole store as a store-shaped NetworkX MultiDiGraph (see
    ``dealgraph.queries.counterparty``): what a query's NetworkX twin walks."""
    return backend_of(store).whole_graph(store)


def party_pairs(store, entity_ids: Iterable[str], as_of: str | None = None,
                skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(party, deal) for every party of every deal that one of ``entity_ids`` is party
    to, leaving out the deals in ``skip`` and, with ``as_of``, the deals not in force
    then: one counterparty step of a search (``counterparty.Search``)."""
    return backend_of(store).party_pairs(store, entity_ids, as_of, skip)


def party_roles(store, entity_ids: Iterable[str],
                as_of: str | None = None) -> set[tuple[str, str, str]]:
    """(entity, deal, role) for each party row of one of ``entity_ids`` (role ``""`` when
    it has none), with ``as_of`` only of the deals in force then."""
    return backend_of(store).party_roles(store, entity_ids, as_of)


def node_fields(store, ids: Iterable[str], keys: tuple[str, ...]) -> dict[str, dict]:
    """For each of ``ids`` in the store: its ``label`` and those of the scalar properties
    ``keys`` it has, as a NetworkX node attribute dict."""
    for key in keys:
        if not key.isidentifier():
            raise ValueError(f"bad property name {key!r}")
    return backend_of(store).node_fields(store, ids, tuple(keys))


def entities_where(store, field: str, value) -> set[str]:
    """The ids of the entities whose property ``field`` (a scalar field of the model's
    entity kinds, or ``country``; ``entity_field`` checks it) equals, or for a list
    holds, ``value``."""
    return backend_of(store).entities_where(store, field, value)


def linked_from(store, ids: Iterable[str], rel_type: str) -> set[str]:
    """Ids of the nodes with a ``rel_type`` relationship to one of ``ids`` (e.g. the
    subsidiaries of firms with SUBSIDIARY_OF)."""
    return backend_of(store).linked_from(store, ids, rel_type)


def counterparty_pairs(store, entity_ids: Iterable[str],
                       as_of: str | None = None) -> set[tuple[str, str]]:
    """(entity, other) for each of ``entity_ids`` and each other entity party to a deal
    it is party to (in force as of ``as_of``): one counterparty step."""
    return backend_of(store).counterparty_pairs(store, entity_ids, as_of)


def counterparties_of(store, entity_ids: Iterable[str], as_of: str | None = None,
                      keys: tuple[str, ...] = ()) -> dict[str, dict]:
    """The counterparties of any of ``entity_ids`` (as in ``counterparty_pairs``), each
    with its ``node_fields`` ``keys``."""
    for key in keys:
        if not key.isidentifier():
            raise ValueError(f"bad property name {key!r}")
    return backend_of(store).counterparties_of(store, entity_ids, as_of, tuple(keys))


def counterparty_links(store, as_of: str | None = None) -> set[tuple[str, str]]:
    """Every pair ``(a, b)``, ``a < b``, of entities party to one deal (in force as of
    ``as_of``): the whole counterparty network, without building the whole graph."""
    return backend_of(store).counterparty_links(store, as_of)


def server_betweenness(store, as_of: str | None,
                       pick_sources: Callable[[int, int], int], seed: int = 0):
    """Betweenness of every entity of the counterparty network (as of ``as_of``) computed
    by the database server itself, or None when it cannot (the embedded store; a Neo4j
    server without Graph Data Science).

    The scores are raw, undirected and count each unordered pair once, as
    ``networkx.betweenness_centrality(normalized=False)``. ``pick_sources(n, links)``,
    called once the network's size is known, gives the number of sources to sample (0:
    every source, exact); a sample is drawn by the server with ``seed`` and its scores
    are scaled by ``n / k``. Returns ``ServerBetweenness``.
    """
    return backend_of(store).server_betweenness(store, as_of, pick_sources, seed)


@dataclass(frozen=True)
class ServerBetweenness:
    """What ``server_betweenness`` computed: ``scores`` (entity id -> raw score),
    ``nodes`` and ``links`` of the network, ``sources`` sampled (0: exact) with ``seed``,
    and ``engine`` (e.g. ``Neo4j GDS 2.26.0``)."""
    scores: dict
    nodes: int
    links: int
    sources: int
    seed: int
    engine: str


def network_parts(store, as_of: str | None, entity_ids: bool = False,
                  counts: bool = True) -> dict:
    """The whole network in figures, as of ``as_of`` (``dealgraph.queries.whole``):
    ``entities`` by kind label, ``countries`` (entities per stored code), ``deal_rows``
    (per kind, status and currency: ``n``, ``first`` and ``last`` announced), ``money``
    (disclosed value per currency) — all empty without ``counts`` — ``pairs`` (the
    distinct (entity, deal) party pairs of the deals in force) and ``ids`` (every
    entity's id with ``entity_ids``, else None). Aggregations done by the store."""
    return backend_of(store).network_parts(store, as_of, entity_ids, counts)


def cypher_rows(store, cypher: str, params: dict) -> list[dict]:
    """The rows of a saved query's Cypher text: Neo4j runs it; the embedded store's
    Cypher engine runs the subset it knows (``graph_cypher``)."""
    return backend_of(store).cypher_rows(store, cypher, params)


def query_errors(store, query):
    """A context manager turning what the backend raises for a query's own text into a
    one-line DealgraphError naming the query."""
    return backend_of(store).query_errors(query)
