"""The query data access of ``dealgraph.queries.access``: every backend module defines
every function, and the embedded (SQL) and Neo4j (Cypher) forms give the same answers
on the seed dataset, with and without an as-of date."""

from __future__ import annotations

from importlib import import_module

import pytest

from dealgraph.queries import access

ENTITIES = ["huawei", "xiaomi", "us-commerce", "richard-yu", "us-government"]


@pytest.mark.parametrize("backend", sorted(access.BACKENDS))
def test_every_backend_defines_every_function(backend):
    module = import_module(access.BACKENDS[backend])
    missing = [f for f in access.FUNCTIONS if not callable(getattr(module, f, None))]
    assert not missing, f"{backend} lacks {missing}"


def test_a_store_of_an_unknown_backend_is_refused():
    class Other:
        backend = "flatfile"
    with pytest.raises(Exception, match="no query data access for a 'flatfile' store"):
        access.party_pairs(Other(), ["x"])


def _answers(store, as_of):
    index = {e.id: e for e in store.entity_index()}
    deals = sorted(n.id for n in store.subgraph(None).nodes.values() if n.label == "Deal")
    return {
        "party_pairs": sorted(access.party_pairs(store, ENTITIES, as_of)),
        "party_pairs skipping": sorted(access.party_pairs(store, ENTITIES, as_of, deals[::2])),
        "party_roles": access.party_roles(store, ENTITIES, as_of),
        "node_fields": access.node_fields(store, [*ENTITIES, *deals[:5], "nobody"],
                                          ("name", "country", "announced", "kind")),
        "counterparty_pairs": access.counterparty_pairs(store, ENTITIES, as_of),
        "counterparties_of": access.counterparties_of(store, ENTITIES, as_of, ("name",)),
        "counterparty_links": access.counterparty_links(store, as_of),
        "linked_from PART_OF": access.linked_from(store, ["us-government"], "PART_OF"),
        "linked_from SUBSIDIARY_OF": access.linked_from(store, sorted(index), "SUBSIDIARY_OF"),
        "entities_where country": {c: access.entities_where(store, "country", c)
                                   for c in ("CN", "US", "ZZ")},
        "whole_graph": sorted(access.whole_graph(store).nodes(data="label")),
        "network_parts": _network(store, as_of),
    }


def _network(store, as_of):
    """What the whole-network queries make of ``network_parts`` (the raw parts may be
    shaped differently per backend), with its lists sorted."""
    from dealgraph.queries.whole import read_network
    net = read_network(store, as_of, entity_ids=True)
    return {k: sorted(v) if isinstance(v, list) else v for k, v in vars(net).items()
            if k != "names"}



@pytest.mark.neo4j
@pytest.mark.parametrize("as_of", [None, "2019-12-31", "2023-06-30"])
def test_both_backends_give_the_same_answers(seed_embedded, seed_neo4j, as_of):
    left, right = _answers(seed_embedded, as_of), _answers(seed_neo4j, as_of)
    for key in left:
        assert left[key] == right[key], key
    assert left["party_pairs"] and left["counterparty_links"] and left["linked_from PART_OF"]


def test_the_answers_agree_with_the_whole_graph(seed_store):
    """What the reads answer is what the whole graph holds (the as-of rule included)."""
    from dealgraph.queries.counterparty import counterparties, entity_deals
    g = access.whole_graph(seed_store)
    for as_of in (None, "2021-01-01"):
        assert access.party_roles(seed_store, ENTITIES, as_of) == {
            (e, d, role or "") for e in ENTITIES
            for d, roles in entity_deals(g, e, as_of).items() for role in roles}
        pairs = access.counterparty_pairs(seed_store, ENTITIES, as_of)
        assert pairs == {(e, o) for e in ENTITIES if e in g
                         for o in counterparties(g, e, as_of)}
        links = access.counterparty_links(seed_store, as_of)
        assert links == {(a, b) if a < b else (b, a) for a, b in pairs} | {
            link for link in links if not set(link) & set(ENTITIES)}


def test_entities_where_is_the_same_on_both_stores(any_store, seed_dir):
    """``entities_where`` (SQL json_each / Cypher ``e[$field]``) agrees with the
    entities' own properties, and takes only scalar fields of the entity kinds."""
    from dealgraph.loaders import load_paths
    load_paths(any_store, [seed_dir])
    index = any_store.entity_index()
    countries = {c for e in index for c in e.props.get("country", [])}
    assert len(countries) >= 3
    for country in countries:
        assert access.entities_where(any_store, "country", country) == {
            e.id for e in index if country in e.props.get("country", [])}
    assert access.entities_where(any_store, "country", "ZZ") == set()
    assert access.entities_where(any_store, "name", "Huawei Technologies") == {"huawei"}
    for bad in ("aliases", "parent", "props') = 1 OR (1", "id}) DETACH DELETE e //"):
        with pytest.raises(ValueError):
            access.entities_where(any_store, bad, "x")


def test_property_names_are_checked(seed_embedded):
    with pytest.raises(ValueError):
        access.node_fields(seed_embedded, ["huawei"], ("name') OR 1 --",))
