"""Dates and the as-of rule shared by queries, maps and exports.

Dates may be partial (``2023``, ``2023-01``). A deal is *in force as of* a day
unless it was announced after that day or had ended before it. A partial
announcement date counts from its first possible day and a partial end date
until its last, so as of ``2023-01-15`` keeps a deal announced in ``2023-01``.

>>> deal_in_force({"announced": "2023-01"}, "2023-01-15")
True
>>> deal_in_force({"announced": "2022", "end": "2022-12"}, "2023-01-01")
False
"""

from __future__ import annotations

import re

from ..errors import ParameterError
from .values import ValueProblem, date_ceiling, date_floor, parse_date

__all__ = ["AS_OF_BOUNDS", "normalise_as_of", "deal_in_force", "as_of_cypher", "AS_OF_CYPHER",
           "AS_OF_TEXT_CYPHER", "AS_OF_SQL", "in_force_by", "cypher_by", "text_cypher_by",
           "sql_by", "DATE_FROM", "DATE_TO", "date_companions", "date_fields"]

# The as-of rule, defined once: a deal is in force as of a day unless a bound below
# excludes it. A bound is (date field, which day of a partial date counts: ``first``
# or ``last``, how that day compares with the as-of day). A missing (or empty) date
# excludes nothing. Every form of the rule is generated from this table: in Python
# (``deal_in_force``), in Cypher on Neo4j's DATE companions (``AS_OF_CYPHER``), in
# Cypher on the text values (``AS_OF_TEXT_CYPHER``) and in SQL on the embedded store's
# JSON properties (``AS_OF_SQL``); tests/graph/test_as_of_rule.py holds them together.
AS_OF_BOUNDS = (("announced", "first", "<="),  # not announced after the day
                ("end", "last", ">="))         # not ended before it

# In Neo4j a date field keeps its value as given (text: ``2023``, ``2023-01`` or
# ``2023-01-15``, so that values read back are the same on both stores) and gets two
# native DATE companions: ``<field>_from``, the first day it can mean, and ``<field>_to``,
# the last (``announced: '2023-02'`` -> ``announced_from: 2023-02-01``,
# ``announced_to: 2023-02-28``). Range indexes and date functions work on these.
DATE_FROM = "_from"
DATE_TO = "_to"

_COMPARE = {"<=": str.__le__, ">=": str.__ge__}
_DAY = {"first": date_floor, "last": date_ceiling}


def _check_bounds(bounds) -> None:
    for name, day, op in bounds:
        if not re.fullmatch(r"[a-z_]\w*", name) or day not in _DAY or op not in _COMPARE:
            raise ValueError(f"bad as-of bound {(name, day, op)!r}")
        # on text, a partial date compares as its first day by itself (a prefix sorts
        # before its extensions); as its last day it needs the prefix test too
        if (day, op) not in (("first", "<="), ("last", ">=")):
            raise ValueError(f"as-of bound {(name, day, op)!r}: only the first day with <= "
                             "and the last day with >= have text forms")


def in_force_by(bounds, props: dict, as_of: str | None) -> bool:
    """The rule of ``bounds`` in Python, for a deal's properties and a full date."""
    if as_of is None:
        return True
    for name, day, op in bounds:
        value = props.get(name)
        if value and not _COMPARE[op](_DAY[day](value), as_of):
            return False
    return True


def cypher_by(bounds, var: str = "d") -> str:
    """The rule of ``bounds`` in Cypher on the DATE companions of a deal bound to
    ``var``, with the parameter ``$as_of`` (a full date, or null: everything counts)."""
    terms, var = [], _variable(var)
    for name, day, op in bounds:
        v = f"{var}.{name}{DATE_FROM if day == 'first' else DATE_TO}"
        terms.append(f"({v} IS NULL OR {v} {op} date($as_of))")
    return f"($as_of IS NULL OR ({' AND '.join(terms)}))"


def _variable(var: str) -> str:
    if not re.fullmatch(r"[A-Za-z_]\w*", var):
        raise ValueError(f"bad variable {var!r}")
    return var


def _text_terms(bounds, value, param: str, starts_with) -> list[str]:
    terms = []
    for name, day, op in bounds:
        v = value(name)
        extra = f" OR {starts_with(param, v)}" if day == "last" else ""
        terms.append(f"({v} IS NULL OR {v} {op} {param}{extra})")
    return terms


def text_cypher_by(bounds, var: str = "d") -> str:
    """The rule of ``bounds`` in Cypher on the text values alone (ISO dates compare in
    date order; a partial last day covers ``$as_of`` if it is a prefix of it)."""
    var = _variable(var)
    terms = _text_terms(bounds, lambda name: f"{var}.{name}", "$as_of",
                        lambda p, v: f"{p} STARTS WITH {v}")
    return f"($as_of IS NULL OR ({' AND '.join(terms)}))"


def sql_by(bounds, alias: str = "d") -> str:
    """The rule of ``bounds`` in SQLite on the JSON ``props`` of the node row ``alias``,
    with the parameter ``:as_of`` (a full date; callers leave the rule out without one)."""
    alias = _variable(alias)

    def value(name):
        return f"json_extract({alias}.props, '$.{name}')"
    return " AND ".join(_text_terms(bounds, value, ":as_of",
                                    lambda p, v: f"substr({p}, 1, length({v})) = {v}"))


_check_bounds(AS_OF_BOUNDS)

# The rule in Cypher, on the native companions, for a deal bound to ``d`` and the
# parameter ``$as_of`` (a full date, YYYY-MM-DD): a partial announced date counts from
# its first day, a partial end date until its last.
AS_OF_CYPHER = cypher_by(AS_OF_BOUNDS)


def as_of_cypher(var: str = "d") -> str:
    """The as-of rule (``AS_OF_CYPHER``) for a deal bound to ``var`` instead of ``d``."""
    return cypher_by(AS_OF_BOUNDS, var)


# The rule on the text values alone, which every store has (the embedded store's Cypher
# engine has no date()): what a user's .cypher query can use on both stores.
AS_OF_TEXT_CYPHER = text_cypher_by(AS_OF_BOUNDS)

# The rule in the embedded store's SQL, on a deal row ``d`` and the parameter ``:as_of``.
AS_OF_SQL = sql_by(AS_OF_BOUNDS)


def date_fields(label: str) -> tuple[str, ...]:
    """The names of the date fields of the node kind with this label (model order)."""
    from .model import MODEL
    for kind in MODEL.kinds.values():
        if kind.label == label:
            return tuple(f.name for f in kind.prop_fields if f.type == "date")
    return ()


def date_companions(label: str, props: dict) -> dict[str, "date"]:
    """The DATE companions of a node's date properties, as ``datetime.date`` values.

    >>> date_companions("Deal", {"announced": "2024-02", "title": "x"})
    {'announced_from': datetime.date(2024, 2, 1), 'announced_to': datetime.date(2024, 2, 29)}
    """
    from datetime import date
    out = {}
    for name in date_fields(label):
        value = props.get(name)
        if value:
            out[name + DATE_FROM] = date.fromisoformat(date_floor(value))
            out[name + DATE_TO] = date.fromisoformat(date_ceiling(value))
    return out


def normalise_as_of(text: str) -> str:
    """Check an as-of date; a partial one means its last day (``2023`` -> ``2023-12-31``)."""
    try:
        return date_ceiling(parse_date(text))
    except ValueProblem as exc:
        raise ParameterError(f"${{as_of}}: {exc}", params={"as_of": "as_of"}) from None


def deal_in_force(props: dict, as_of: str | None) -> bool:
    """Whether a deal with these properties counts as of the full date ``as_of``
    (the rule of ``AS_OF_BOUNDS`` in Python)."""
    return in_force_by(AS_OF_BOUNDS, props, as_of)
