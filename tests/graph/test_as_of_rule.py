"""The as-of rule is written four times: in Python (``deal_in_force``), in SQL for the
embedded store's counterparty steps (``AS_OF_SQL``), and in Cypher on
Neo4j's date companions (``AS_OF_CYPHER``) and on the text values (``AS_OF_TEXT_CYPHER``).
One table of cases holds all four to the same answers."""

from __future__ import annotations

import json
import sqlite3

import pytest

from dealgraph.graph.dates import AS_OF_CYPHER, AS_OF_TEXT_CYPHER, date_companions, \
    deal_in_force
from dealgraph.queries.access.embedded import AS_OF_SQL

# (announced, end, as of, in force?)
CASES = [
    (None, None, "2023-01-15", True),
    ("2023-01", None, "2023-01-15", True),     # a partial announcement counts from its first day
    ("2023-01", None, "2023-01-01", True),
    ("2023-02", None, "2023-01-31", False),
    ("2023", None, "2023-01-01", True),
    ("2024", None, "2023-12-31", False),
    ("2023-01-15", None, "2023-01-15", True),
    ("2023-01-16", None, "2023-01-15", False),
    (None, "2022-12", "2023-01-01", False),
    (None, "2023-01", "2023-01-31", True),     # a partial end counts until its last day
    (None, "2023", "2023-12-31", True),
    (None, "2023", "2024-01-01", False),
    (None, "2024-02", "2024-02-29", True),     # leap day
    (None, "2023-01-15", "2023-01-15", True),
    (None, "2023-01-14", "2023-01-15", False),
    ("2022", "2022-12", "2023-01-01", False),
    ("2023-01-15", "2023-01-15", "2023-01-15", True),
    ("2023-06", "2023-03", "2023-04-01", False),  # inconsistent dates: never in force
    ("2023", "2023", None, True),              # no as-of date: everything counts
    ("2099", "1999", None, True),
]


def _deal(announced, end) -> dict:
    return {k: v for k, v in (("announced", announced), ("end", end)) if v is not None}


@pytest.mark.parametrize("announced, end, as_of, expected", CASES)
def test_python(announced, end, as_of, expected):
    assert deal_in_force(_deal(announced, end), as_of) is expected


def test_sql():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE nodes (id TEXT, props TEXT)")
    for i, (announced, end, _, _) in enumerate(CASES):
        db.execute("INSERT INTO nodes VALUES (?, ?)", (str(i), json.dumps(_deal(announced, end))))
    for i, (_, _, as_of, expected) in enumerate(CASES):
        if as_of is None:
            continue  # the embedded store leaves the rule out without a date
        (got,) = db.execute(f"SELECT {AS_OF_SQL} FROM nodes d WHERE id = :id",
                            {"id": str(i), "as_of": as_of}).fetchone()
        assert bool(got) is expected, CASES[i]


@pytest.mark.neo4j
@pytest.mark.parametrize("rule", [AS_OF_CYPHER, AS_OF_TEXT_CYPHER],
                         ids=["date companions", "text"])
def test_cypher(neo4j_store, rule):
    rows = []
    for i, (announced, end, as_of, _) in enumerate(CASES):
        deal = _deal(announced, end)
        rows.append({"i": i, "d": {**deal, **date_companions("Deal", deal)}, "as_of": as_of})
    got = neo4j_store.read(f"UNWIND $rows AS row WITH row.i AS i, row.d AS d, row.as_of AS as_of "
                           f"RETURN i, {rule.replace('$as_of', 'as_of')} AS ok", {"rows": rows})
    assert {r["i"]: r["ok"] for r in got} == {i: c[3] for i, c in enumerate(CASES)}
