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

__all__ = ["normalise_as_of", "deal_in_force", "as_of_cypher", "AS_OF_CYPHER", "AS_OF_TEXT_CYPHER", "DATE_FROM", "DATE_TO",
           "date_companions", "date_fields"]

# In Neo4j a date field keeps its value as given (text: ``2023``, ``2023-01`` or
# ``2023-01-15``, so that values read back are the same on both stores) and gets two
# native DATE companions: ``<field>_from``, the first day it can mean, and ``<field>_to``,
# the last (``announced: '2023-02'`` -> ``announced_from: 2023-02-01``,
# ``announced_to: 2023-02-28``). Range indexes and date functions work on these.
DATE_FROM = "_from"
DATE_TO = "_to"

# The same rule in Cypher, on the native companions, for a deal bound to ``d`` and the
# parameter ``$as_of`` (a full date, YYYY-MM-DD): a partial announced date counts from
# its first day, a partial end date until its last.
AS_OF_CYPHER = ("($as_of IS NULL OR ((d.announced_from IS NULL OR d.announced_from <= "
                "date($as_of)) AND (d.end_to IS NULL OR d.end_to >= date($as_of))))")


def as_of_cypher(var: str = "d") -> str:
    """The as-of rule (``AS_OF_CYPHER``) for a deal bound to ``var`` instead of ``d``."""
    if not re.fullmatch(r"[A-Za-z_]\w*", var):
        raise ValueError(f"bad Cypher variable {var!r}")
    return re.sub(r"\bd\.", f"{var}.", AS_OF_CYPHER)


# The rule on the text values alone, which every store has (the embedded store's Cypher
# engine has no date()): what a user's .cypher query can use on both stores. Strings compare
# in date order because dates are ISO; a partial announced date is a prefix of the days it
# covers; a partial end date covers ``$as_of`` if it is a prefix of it.
AS_OF_TEXT_CYPHER = ("($as_of IS NULL OR ((d.announced IS NULL OR d.announced <= $as_of) "
                     "AND (d.end IS NULL OR d.end >= $as_of OR $as_of STARTS WITH d.end)))")


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
    """Whether a deal with these properties counts as of the full date ``as_of``."""
    if as_of is None:
        return True
    announced, end = props.get("announced"), props.get("end")
    if announced and date_floor(announced) > as_of:
        return False
    if end and date_ceiling(end) < as_of:
        return False
    return True
