"""Single-value parsing by field type."""

import pytest

from dealgraph.graph.model import MODEL
from dealgraph.graph.values import ValueProblem, date_ceiling, date_floor, parse_value

DEAL = MODEL.kinds["Deal"].fields
FIRM = MODEL.kinds["Firm"].fields


@pytest.mark.parametrize("raw, expected", [("2023", "2023"), ("2023-01", "2023-01"),
                                           ("2024-02-29", "2024-02-29")])
def test_partial_dates_are_kept(raw, expected):
    assert parse_value(DEAL["announced"], raw) == expected


@pytest.mark.parametrize("raw", ["2023-13", "2023-02-29", "23-01-01", "Jan 2023", "2023/01/05"])
def test_bad_dates_are_refused(raw):
    with pytest.raises(ValueProblem):
        parse_value(DEAL["announced"], raw)


def test_partial_date_bounds():
    assert date_floor("2023") == "2023-01-01"
    assert date_ceiling("2023-02") == "2023-02-28"
    assert date_ceiling("2024-02") == "2024-02-29"


def test_enum_values_forgive_case_and_spaces():
    assert parse_value(DEAL["status"], "In talks") == "in_talks"
    assert parse_value(DEAL["kind"], "stake-offer") == "stake_offer"
    with pytest.raises(ValueProblem, match="expected one of"):
        parse_value(DEAL["status"], "done")


@pytest.mark.parametrize("raw, ok", [("0", True), ("100", True), ("3.5", True), ("-1", False),
                                     ("100.5", False), ("nan", False), ("five", False)])
def test_percent_range(raw, ok):
    if ok:
        assert 0 <= parse_value(DEAL["stake_low"], raw) <= 100
    else:
        with pytest.raises(ValueProblem):
            parse_value(DEAL["stake_low"], raw)


def test_numbers_keep_integers_integral():
    assert parse_value(DEAL["value"], "28000000000") == 28_000_000_000
    assert parse_value(DEAL["value"], "5.689852347E7") == 56898523.47


def test_integers_are_whole_numbers():
    from dealgraph.graph.model import Field
    whole = Field("transaction_count", "integer")
    assert parse_value(whole, "12") == 12 and parse_value(whole, 12.0) == 12
    assert parse_value(whole, "-3") == -3
    for bad in ("1.5", "twelve", True, "1e30"):
        with pytest.raises(ValueProblem):
            parse_value(whole, bad)


def test_country_and_currency_codes_are_checked():
    assert parse_value(FIRM["country"], "cn") == ["CN"]
    assert parse_value(FIRM["country"], "cn|US| cn") == ["CN", "US"]  # an entity in each
    assert parse_value(FIRM["country"], ["de", "AT"]) == ["DE", "AT"]
    assert parse_value(MODEL.kinds["Party"].fields["country"], "de") == "DE"  # one per row
    with pytest.raises(ValueProblem, match="ISO 3166"):
        parse_value(FIRM["country"], "XX")
    assert parse_value(DEAL["currency"], "usd") == "USD"
    with pytest.raises(ValueProblem, match="ISO 4217"):
        parse_value(DEAL["currency"], "ABC")


def test_lists_split_on_the_separator_and_drop_blanks():
    assert parse_value(FIRM["aliases"], "Huawei| 华为 ||Huawei") == ["Huawei", "华为"]
    assert parse_value(FIRM["aliases"], ["a", "", "b"]) == ["a", "b"]


def test_ids_and_text():
    with pytest.raises(ValueProblem, match="not a valid id"):
        parse_value(FIRM["id"], "has space")
    with pytest.raises(ValueProblem, match="NUL"):
        parse_value(FIRM["name"], "bad\x00name")
    with pytest.raises(ValueProblem, match="expected text"):
        parse_value(FIRM["name"], {"a": 1})


def test_urls_must_be_http():
    src = MODEL.kinds["Source"].fields["url"]
    assert parse_value(src, "https://example.org/x") == "https://example.org/x"
    with pytest.raises(ValueProblem):
        parse_value(src, "javascript:alert(1)")
