"""``common-partners``: the counterparties two entities share."""

from __future__ import annotations

from ..errors import ParameterError
from .base import Param, as_of_cypher
from .counterparty import KIND_LABEL, counterparties, node_fields

__all__ = ["NAME", "QUESTION", "PARAMS", "COLUMNS", "CYPHER", "networkx"]

NAME = "common-partners"
QUESTION = "Which entities are counterparties of both a and b, and through which deals?"
PARAMS = [Param("a", "entity", help="First entity (id, name or alias)."),
          Param("b", "entity", help="Second entity (id, name or alias).")]
COLUMNS = ("entity", "name", "label", "deals_with_a", "deals_with_b")
SORT = ("entity",)
SCOPE = {"a": 1, "b": 1}
EXAMPLE = {"a": "Huawei", "b": "Xiaomi"}

DETAILS = "a and b themselves are not listed, even when they are counterparties of each other."


def check(params):
    if params["a"] == params["b"]:
        raise ParameterError(f"b: is the same entity as a ({params['a']}); "
                             "give two different entities")


CYPHER = f"""
MATCH (a:Entity {{id: $a}})-[:PARTY_TO]->(da:Deal)<-[:PARTY_TO]-(x:Entity)
WHERE x <> a AND x.id <> $b AND {as_of_cypher('da')}
WITH x, collect(DISTINCT da.id) AS deals_with_a
MATCH (b:Entity {{id: $b}})-[:PARTY_TO]->(db:Deal)<-[:PARTY_TO]-(x)
WHERE {as_of_cypher('db')}
WITH x, deals_with_a, collect(DISTINCT db.id) AS deals_with_b
RETURN x.id AS entity, x.name AS name, {KIND_LABEL.format(v='x')} AS label,
       deals_with_a, deals_with_b
ORDER BY entity
"""


def networkx(g, params):
    a, b, as_of = params["a"], params["b"], params["as_of"]
    with_a = counterparties(g, a, as_of)
    with_b = counterparties(g, b, as_of)
    common = (set(with_a) & set(with_b)) - {a, b}
    return [{"entity": x, **node_fields(g, x), "deals_with_a": sorted(with_a[x]),
             "deals_with_b": sorted(with_b[x])} for x in common]
