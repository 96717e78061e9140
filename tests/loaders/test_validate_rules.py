"""The record rules of validation (``RULES``: ranges, end before announcement, money
without currency) are read by both the fast path and the reporting path: on every case
they agree (the fast path gives up exactly when the reporting path finds a problem, and
otherwise both give the same values)."""

from __future__ import annotations

import pytest

from dealgraph.graph.model import MODEL
from dealgraph.loaders.reading import RawRecord
from dealgraph.loaders.validate import RULES, _KindTable, _parse, _parse_fast, _Parser

DEAL = {"id": "d1", "kind": "investment", "status": "rejected", "title": "A deal",
        "sources": "src-1"}
CASES = [
    ({}, []),
    ({"stake_low": "10", "stake_high": "20"}, []),
    ({"stake_low": "30", "stake_high": "20"}, ["error stake_high"]),
    ({"value": "5", "value_high": "4", "currency": "USD"}, ["error value_high"]),
    ({"announced": "2023-02", "end": "2023-02-01"}, []),           # same month: fine
    ({"announced": "2023-02", "end": "2023-01"}, ["warning end"]),  # dropped with a warning
    ({"announced": "2023", "end": "2023"}, []),
    ({"value": "5"}, ["error currency"]),
    ({"valuation_low": "5", "valuation_high": "4"},
     ["error valuation_high", "error currency"]),
    ({"value": "5", "currency": "EUR", "announced": "2024", "end": "2022"}, ["warning end"]),
]


@pytest.mark.parametrize("extra, expected", CASES)
def test_fast_and_reporting_paths_agree(extra, expected):
    kind = MODEL.kinds["Deal"]
    values = {**DEAL, **extra}
    problems = []
    out, ok = _parse(RawRecord(kind, "deals.csv", 2, dict(values)), problems, _Parser())
    assert [f"{p.severity} {p.field}" for p in problems] == expected
    fast = _parse_fast(dict(values), _KindTable(kind, _Parser()), _Parser())
    if problems:
        assert fast is None
    else:
        assert ok and fast == out


def test_every_rule_is_exercised_by_a_case():
    kind = MODEL.kinds["Deal"]
    parser = _Parser()
    broken = set()
    for extra, _ in CASES:
        out, _ = _parse(RawRecord(kind, "deals.csv", 2, {**DEAL, **extra}), [], parser)
        for i, rule in enumerate(RULES):
            if rule.broken({**out, **{k: v for k, v in extra.items() if k == "end"}}):
                broken.add(i)
    assert broken == set(range(len(RULES)))
