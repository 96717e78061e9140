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

from ..errors import ParameterError
from .values import ValueProblem, date_ceiling, date_floor, parse_date

__all__ = ["normalise_as_of", "deal_in_force", "AS_OF_CYPHER"]

# The same rule in Cypher, for a deal bound to ``d`` and the parameter ``$as_of``
# (a full date). Strings compare in date order because dates are ISO; a partial
# announced date is a prefix of the days it covers, so ``<=`` against a full
# date is its floor; a partial end date covers ``$as_of`` if it is a prefix of it.
AS_OF_CYPHER = ("($as_of IS NULL OR ((d.announced IS NULL OR d.announced <= $as_of) "
                "AND (d.end IS NULL OR d.end >= $as_of OR $as_of STARTS WITH d.end)))")


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
