"""The as-of rule is written four times: in Python (``deal_in_force``), in SQL for the
embedded store's counterparty steps (``AS_OF_SQL``), and in Cypher on
Neo4j's date companions (``AS_OF_CYPHER``) and on the text values (``AS_OF_TEXT_CYPHER``).
One table of cases holds all four to the same answers."""

from __future__ import annotations

import json
import sqlite3

import pytest

from dealgraph.graph.dates import AS_OF_BOUNDS, AS_OF_CYPHER, AS_OF_SQL, AS_OF_TEXT_CYPHER, \
    cypher_by, date_companions, deal_in_force, in_force_by, sql_by, text_cypher_by
from dealgraph.graph.values import date_ceiling, date_floor

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
    ("", "", "2023-01-01", True),              # empty dates are missing ones
    (None, "2023-01-01", "2023-01-01", True),  # open start, ends that day
    ("2023-01-01", None, "2023-01-01", True),  # starts that day, open end
]

# every pair of these (announced, end) against every one of AS_OF_DAYS
DATES = [None, "", "2022", "2023", "2023-01", "2023-02", "2023-01-15", "2023-01-31",
         "2024-02", "2024-02-29", "2024"]
AS_OF_DAYS = ["2023-01-01", "2023-01-15", "2023-01-31", "2023-02-01", "2023-12-31",
              "2024-02-29", "2024-03-01"]
GRID = [(a, e, x) for a in DATES for e in DATES for x in AS_OF_DAYS]


def _meaning(announced, end, as_of) -> bool:
    """The rule's meaning, written without the table: the as-of day lies between the
    first day the announcement can mean and the last day the end can mean."""
    first = date_floor(announced) if announced else "0000-01-01"
    last = date_ceiling(end) if end else "9999-12-31"
    return first <= as_of <= last


def _deal(announced, end) -> dict:
    return {k: v for k, v in (("announced", announced), ("end", end)) if v is not None}


@pytest.mark.parametrize("announced, end, as_of, expected", CASES)
def test_python(announced, end, as_of, expected):
    assert deal_in_force(_deal(announced, end), as_of) is expected


def _sql(rule: str, cases) -> list[bool]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE nodes (id TEXT, props TEXT)")
    for i, (announced, end, *_) in enumerate(cases):
        db.execute("INSERT INTO nodes VALUES (?, ?)", (str(i), json.dumps(_deal(announced, end))))
    return [bool(db.execute(f"SELECT {rule} FROM nodes d WHERE id = :id",
                            {"id": str(i), "as_of": case[2]}).fetchone()[0])
            for i, case in enumerate(cases)]


def test_sql():
    cases = [c for c in CASES if c[2] is not None]  # without a date the rule is left out
    assert _sql(AS_OF_SQL, cases) == [c[3] for c in cases]


def test_python_and_sql_on_the_grid_keep_the_meaning():
    expected = [_meaning(*case) for case in GRID]
    assert [deal_in_force(_deal(a, e), x) for a, e, x in GRID] == expected
    assert _sql(AS_OF_SQL, GRID) == expected
    assert sum(expected) and not all(expected)


@pytest.mark.parametrize("bounds", [AS_OF_BOUNDS[:1], AS_OF_BOUNDS[1:]],
                         ids=["announced only", "end only"])
def test_every_form_follows_the_table(bounds):
    """A different table (one bound) changes the Python and SQL forms alike."""
    python = [in_force_by(bounds, _deal(a, e), x) for a, e, x in GRID]
    assert _sql(sql_by(bounds), GRID) == python
    assert python != [deal_in_force(_deal(a, e), x) for a, e, x in GRID]
    assert [b[0] in cypher_by(bounds) for b in AS_OF_BOUNDS] == \
        [b in bounds for b in AS_OF_BOUNDS]


@pytest.mark.parametrize("bad", [[("end", "first", ">=")], [("end", "last", "<")],
                                 [("end') OR 1 --", "last", ">=")]])
def test_a_table_without_text_forms_is_refused(bad):
    from dealgraph.graph.dates import _check_bounds
    with pytest.raises(ValueError):
        _check_bounds(bad)


def test_variables_are_checked():
    assert "x.announced_from" in cypher_by(AS_OF_BOUNDS, "x")
    for form in (cypher_by, text_cypher_by, sql_by):
        with pytest.raises(ValueError):
            form(AS_OF_BOUNDS, "d) OR (1")


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


@pytest.mark.neo4j
@pytest.mark.parametrize("rule", [AS_OF_CYPHER, AS_OF_TEXT_CYPHER],
                         ids=["date companions", "text"])
def test_cypher_on_the_grid(neo4j_store, rule):
    rows = []
    for i, (announced, end, as_of) in enumerate(GRID):
        deal = _deal(announced, end)
        rows.append({"i": i, "d": {**deal, **date_companions("Deal", deal)}, "as_of": as_of})
    got = neo4j_store.read(f"UNWIND $rows AS row WITH row.i AS i, row.d AS d, row.as_of AS as_of "
                           f"RETURN i, {rule.replace('$as_of', 'as_of')} AS ok", {"rows": rows})
    assert [r["ok"] for r in sorted(got, key=lambda r: r["i"])] == [_meaning(*c) for c in GRID]
