"""Queries with a ``local_graph`` read only part of the embedded store (and may carry the
store's own search result in it), and queries with ``run`` compute in Python from the
reads of ``dealgraph.queries.access``; their rows must be those of the query's NetworkX
implementation run on the whole graph, for every entity, number of hops and as-of date.
"""

from __future__ import annotations

import pytest

from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.errors import ParameterError
from dealgraph.queries import all_queries, get_query
from dealgraph.synth import generate, write_csv_dataset

LOCAL = sorted(q.name for q in all_queries().values()
               if q.local_graph is not None or q.runner is not None)
AS_OF = [None, "2019", "2023-06"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    data = tmp_path_factory.mktemp("gen") / "data"
    write_csv_dataset(generate(1500, seed=7), data)
    store = EmbeddedStore(tmp_path_factory.mktemp("gen") / "store.db")
    load_paths(store, [data])
    yield store
    store.close()


def _cases(store, query, entities):
    """Raw parameters for ``query`` about each of ``entities`` (paired with the next one
    for queries about two entities; with 1, 2 and 3 hops for queries that take hops), or
    about pairs of their countries."""
    names = [p.name for p in query.params if p.type == "entity"]
    hops = any(p.name == "hops" for p in query.params)
    countries = [p.name for p in query.params if p.type == "country"]
    if countries:  # pairs of the countries of the entities, both ways round
        wanted = set(entities)
        seen = sorted({c for e in store.entity_index() if e.id in wanted
                       for c in e.props.get("country") or []})[:6]
        return [dict(zip(countries, (x, y))) for x in seen for y in seen if x != y]
    if not names:  # about the whole network: the defaults, and a smaller listing
        ints = [p.name for p in query.params if p.type == "int"]
        return [{}, {"limit" if "limit" in ints else ints[0]: "3"}]
    out = []
    for i, e in enumerate(entities):
        raw = {names[0]: e}
        if len(names) > 1:
            raw[names[1]] = entities[(i + 1) % len(entities)]
        out += [{**raw, "hops": str(h)} for h in (1, 2, 3)] if hops else [raw]
    return out


def _compare(store, name, entities):
    query = get_query(name)
    graph = store.graph
    checked = 0
    for raw in _cases(store, query, entities):
        for as_of in AS_OF:
            try:
                params = query.bind(store, dict(raw), as_of)
            except ParameterError:  # e.g. a firm given where a government is asked for
                continue
            local = query.run(store, params)
            whole = query.finish(query.networkx(graph, params))
            assert local == whole, (name, raw, as_of)
            checked += 1
    return checked


def test_some_queries_have_local_graphs():
    assert {"network", "partners-of-partners", "cross-border", "brokers"} <= set(LOCAL)


@pytest.mark.parametrize("name", LOCAL)
def test_local_graph_rows_equal_whole_graph_rows_on_the_seed(seed_embedded, name):
    entities = [n.id for n in seed_embedded.entity_index()]
    assert _compare(seed_embedded, name, entities) >= 2 * len(AS_OF)


@pytest.mark.parametrize("name", LOCAL)
def test_local_graph_rows_equal_whole_graph_rows_on_generated_data(generated, name):
    index = generated.entity_index()
    degree = {}
    for rel in generated.deal_parties([n.id for n in index]):
        degree[rel.src] = degree.get(rel.src, 0) + 1
    ranked = sorted(degree, key=lambda e: (-degree[e], e))
    # the hub, mid-degree entities, a peripheral one, and an entity without deals
    entities = ranked[:2] + ranked[len(ranked) // 50:len(ranked) // 50 + 3] + ranked[-1:]
    entities += [n.id for n in index if n.id not in degree][:1]
    entities += [n.id for n in index if n.label == "Government" and n.id not in entities][:2]
    assert _compare(generated, name, entities) >= 2 * len(AS_OF)
