"""Query data access on the embedded store: SQL on its SQLite tables (``nodes``,
``rels``; properties as JSON read with ``json_extract``), and its NetworkX graph.

Each function is the embedded form of the function of the same name in
``dealgraph.queries.access``; read that module for what it answers. The SQL goes
through ``EmbeddedStore.select`` / ``select_in``, inside the caller's read transaction
when there is one.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Iterable

from ...errors import DealgraphError
from ...graph.dates import AS_OF_SQL, deal_in_force
from ...graph.model import MODEL, active_model
from ...graph.store import entity_field

__all__ = ["AS_OF_SQL", "network_parts", "whole_graph", "party_pairs", "party_roles", "node_fields", "entities_where",
           "linked_from", "counterparty_pairs", "counterparties_of", "counterparty_links",
           "server_betweenness", "cypher_rows", "query_errors"]

_PARTY = MODEL.rel_type("PARTY_TO")
_ENTITY_LABELS = tuple(MODEL.kinds[k].label for k in MODEL.entity_kinds)


def whole_graph(store):
    return store.graph


def party_pairs(store, entity_ids: Iterable[str], as_of: str | None = None,
                skip: Iterable[str] = ()) -> list[tuple[str, str]]:
    deals: dict[str, None] = {}
    skip = skip if isinstance(skip, (set, frozenset, dict)) else set(skip)
    for (deal,) in store.select_in(
            f"SELECT dst FROM rels WHERE type='{_PARTY}' AND src IN ({{marks}})", entity_ids):
        if deal not in skip:
            deals[deal] = None
    if as_of is not None:
        deals = {d: None for d, announced, end in store.select_in(
            "SELECT id, json_extract(props, '$.announced'), json_extract(props, '$.end') "
            "FROM nodes WHERE id IN ({marks})", deals)
            if deal_in_force({"announced": announced, "end": end}, as_of)}
    return [(src, dst) for src, dst in store.select_in(
        f"SELECT src, dst FROM rels WHERE type='{_PARTY}' AND dst IN ({{marks}})", deals)]


def party_roles(store, entity_ids: Iterable[str],
                as_of: str | None = None) -> set[tuple[str, str, str]]:
    sql = (f"SELECT r.src, r.dst, r.role FROM rels r"
           + (" JOIN nodes d ON d.id = r.dst" if as_of is not None else "")
           + f" WHERE r.type = '{_PARTY}' AND r.src IN (SELECT value FROM json_each(:ids))"
           + (f" AND {AS_OF_SQL}" if as_of is not None else ""))
    return set(store.select(sql, {"ids": json.dumps(list(dict.fromkeys(entity_ids))),
                                  "as_of": as_of}))


def node_fields(store, ids: Iterable[str], keys: tuple[str, ...]) -> dict[str, dict]:
    cols = "".join(_column("props", key) for key in keys)
    return {row[0]: {"label": row[1], **{k: _value(k, v) for k, v in zip(keys, row[2:])
                                         if v is not None}}
            for row in store.select_in(f"SELECT id, label{cols} FROM nodes "
                                       "WHERE id IN ({marks})", ids)}


def entities_where(store, field: str, value) -> set[str]:
    path = "$." + entity_field(field)
    marks = ",".join("?" * len(_ENTITY_LABELS))
    # json_each takes a list (country) or a single value alike
    return {r[0] for r in store.select(
        f"SELECT id FROM nodes WHERE label IN ({marks}) AND EXISTS "
        "(SELECT 1 FROM json_each(nodes.props, ?) WHERE json_each.value = ?)",
        (*_ENTITY_LABELS, path, value))}


def linked_from(store, ids: Iterable[str], rel_type: str) -> set[str]:
    return {r[0] for r in store.select_in(
        f"SELECT src FROM rels WHERE type='{MODEL.rel_type(rel_type)}' AND dst IN ({{marks}})",
        ids)}


def _counterparty_step(entity_ids: Iterable[str], as_of: str | None) -> tuple[str, dict]:
    """SQL text (from ``FROM``) binding r1.src to one of ``entity_ids`` and r2.src to
    another party of a deal r1.src is party to (in force as of ``as_of``), and its
    parameters: the ids go in as one JSON array."""
    sql = (f"FROM rels r1 JOIN rels r2 ON r2.dst = r1.dst AND r2.type = '{_PARTY}'"
           + (" JOIN nodes d ON d.id = r1.dst" if as_of is not None else "")
           + f" WHERE r1.type = '{_PARTY}' AND r1.src IN (SELECT value FROM json_each(:ids))"
           " AND r2.src <> r1.src"
           + (f" AND {AS_OF_SQL}" if as_of is not None else ""))
    return sql, {"ids": json.dumps(list(dict.fromkeys(entity_ids))), "as_of": as_of}


def counterparty_pairs(store, entity_ids: Iterable[str],
                       as_of: str | None = None) -> set[tuple[str, str]]:
    sql, params = _counterparty_step(entity_ids, as_of)
    return set(store.select(f"SELECT r1.src, r2.src {sql}", params))


def counterparties_of(store, entity_ids: Iterable[str], as_of: str | None = None,
                      keys: tuple[str, ...] = ()) -> dict[str, dict]:
    cols = "".join(_column("n.props", key) for key in keys)
    sql, params = _counterparty_step(entity_ids, as_of)
    rows = store.select(f"SELECT n.id, n.label{cols} FROM nodes n "
                        f"WHERE n.id IN (SELECT r2.src {sql})", params)
    if len(keys) == 1 and keys[0] not in _multi_keys():  # the usual name: at once
        key = keys[0]
        return {nid: {"label": label} if value is None else {"label": label, key: value}
                for nid, label, value in rows}
    return {row[0]: {"label": row[1], **{k: _value(k, v) for k, v in zip(keys, row[2:])
                                         if v is not None}} for row in rows}


def counterparty_links(store, as_of: str | None = None) -> set[tuple[str, str]]:
    sql = (f"SELECT DISTINCT r1.src, r2.src FROM rels r1 JOIN rels r2 ON r2.dst = r1.dst "
           f"AND r2.type = '{_PARTY}'"
           + (" JOIN nodes d ON d.id = r1.dst" if as_of is not None else "")
           + f" WHERE r1.type = '{_PARTY}' AND r1.src < r2.src"
           + (f" AND {AS_OF_SQL}" if as_of is not None else ""))
    return set(store.select(sql, {"as_of": as_of}))


def server_betweenness(store, as_of, pick_sources, seed=0):
    """None: SQLite has no graph algorithms; ``brokers`` computes them in Python."""
    return None


def cypher_rows(store, cypher: str, params: dict) -> list[dict]:
    from ..graph_cypher import run_embedded_cypher
    return run_embedded_cypher(store, cypher, params).rows


@contextmanager
def query_errors(query):
    """A query whose Cypher the embedded engine cannot run, named with the construct."""
    from ..graph_cypher import Unsupported
    try:
        yield
    except Unsupported as exc:
        raise DealgraphError(
            f"query {query.name} ({query.origin}) has only Cypher, and {exc}; or add a "
            "Python file with the same name that defines networkx(g, params)") from None


_MULTI_KEYS: dict[int, frozenset] = {}


def _multi_keys() -> frozenset:
    """Property names that hold lists (country, aliases, ...) in some kind of the model
    in use."""
    model = active_model()
    keys = _MULTI_KEYS.get(id(model))
    if keys is None:
        keys = _MULTI_KEYS[id(model)] = frozenset(
            f.name for k in model.kinds.values() for f in k.fields.values()
            if f.multi and not f.rel)
    return keys


def _column(props: str, key: str) -> str:
    """The SQL that reads property ``key``: a list comes back as JSON text (``->``), to be
    parsed by ``_value``; anything else as the value."""
    if key in _multi_keys():
        return f", {props} -> '$.{key}'"
    return f", json_extract({props}, '$.{key}')"


def _value(key: str, value):
    return json.loads(value) if key in _multi_keys() and isinstance(value, str) else value


_ENTITY_SQL = ",".join(f"'{label}'" for label in sorted(_ENTITY_LABELS))


def network_parts(store, as_of: str | None, entity_ids: bool, counts: bool) -> dict:
    as_of_sql = f" AND {AS_OF_SQL}" if as_of is not None else ""
    params = {"as_of": as_of}
    entities, countries, deal_rows, money = {}, {}, [], {}
    if counts:
        entities = dict(store.select(f"SELECT label, COUNT(*) FROM nodes WHERE label IN "
                                     f"({_ENTITY_SQL}) GROUP BY label"))
        countries = {c: n for c, n in store.select(
            "SELECT j.value, COUNT(*) FROM nodes, json_each(nodes.props, '$.country') j "
            f"WHERE nodes.label IN ({_ENTITY_SQL}) GROUP BY j.value")
            if c is not None and c != ""}
        # one scan of the deals for every deal figure: grouped by kind, status and currency
        for k, s, c, n, first, last, total in store.select(
                "SELECT kind, status, c, COUNT(*), MIN(NULLIF(a, '')), MAX(NULLIF(a, '')), "
                "SUM(CASE WHEN c <> '' THEN v END) FROM "
                "(SELECT json_extract(d.props, '$.kind') AS kind, "
                "json_extract(d.props, '$.status') AS status, "
                "json_extract(d.props, '$.announced') AS a, "
                "json_extract(d.props, '$.currency') AS c, json_extract(d.props, '$.value') AS v "
                f"FROM nodes d WHERE d.label = 'Deal'{as_of_sql}) GROUP BY kind, status, c",
                params):
            deal_rows.append({"kind": k, "status": s, "n": n, "first": first, "last": last})
            if total is not None:
                money[c] = money.get(c, 0) + total
    if as_of is None:
        sql = f"SELECT src, dst FROM rels WHERE type = '{_PARTY}'"
    else:
        sql = (f"SELECT r.src, r.dst FROM rels r JOIN nodes d ON d.id = r.dst "
               f"WHERE r.type = '{_PARTY}'{as_of_sql}")
    pairs = list(dict.fromkeys(store.select(sql, params)))  # one pair per entity and deal
    ids = [r[0] for r in store.select(
        f"SELECT id FROM nodes WHERE label IN ({_ENTITY_SQL})")] if entity_ids else None
    return {"entities": entities, "countries": countries, "deal_rows": deal_rows,
            "money": money, "pairs": pairs, "ids": ids}
