"""Parameters: wrong ones give one-line errors naming the parameter; --as-of and
--limit behave the same on every query and store."""

from __future__ import annotations

import pytest

from dealgraph.errors import DealgraphError, NotFound, ParameterError
from dealgraph.queries import builtin_queries, get_query, run_saved_query
from dealgraph.queries.base import Param

# A valid parameter set for every saved query on the seed dataset.
VALID = {
    "partners": {"entity": "huawei"}, "network": {"entity": "huawei"},
    "partners-of-partners": {"entity": "huawei"}, "paths": {"a": "xiaomi", "b": "huawei"},
    "common-partners": {"a": "xiaomi", "b": "huawei"}, "exposure": {"government": "miit"},
    "investors": {"target": "huawei"}, "cross-border": {"country_a": "CN", "country_b": "DE"},
    "brokers": {}, "timeline": {"entity": "huawei"}, "partner-list": {"entity": "huawei"},
    "summary": {}, "components": {},
}


def test_every_query_has_valid_parameters_here():
    assert set(VALID) == set(builtin_queries())


def error_of(store, name, params, **kw) -> DealgraphError:
    with pytest.raises(DealgraphError) as info:
        run_saved_query(store, name, params, **kw)
    message = str(info.value)
    assert "\n" not in message
    return info.value


@pytest.mark.parametrize("name", sorted(VALID))
def test_missing_parameter_is_named(seed_embedded, name):
    query = get_query(name)
    for param in query.params:
        if not param.required:
            continue
        params = {k: v for k, v in VALID[name].items() if k != param.name}
        err = error_of(seed_embedded, name, params)
        assert isinstance(err, ParameterError)
        assert str(err).startswith(f"{param.name}: missing parameter")


@pytest.mark.parametrize("name", sorted(VALID))
def test_unknown_parameter_is_named(seed_embedded, name):
    err = error_of(seed_embedded, name, {**VALID[name], "colour": "red"})
    assert str(err).startswith("colour: unknown parameter")


@pytest.mark.parametrize("name", sorted(VALID))
def test_unknown_entity_is_named_with_suggestions(seed_store, name):
    query = get_query(name)
    for param in query.params:
        if param.type != "entity":
            continue
        err = error_of(seed_store, name, {**VALID[name], param.name: "Huawey"})
        assert isinstance(err, NotFound)
        assert str(err).startswith(f"{param.name}: no entity matches 'Huawey'")
        assert "huawei" in str(err)


@pytest.mark.parametrize("name,param,value,expected", [
    ("network", "hops", "0", "hops: must be between 1 and 10, got 0"),
    ("network", "hops", "11", "hops: must be between 1 and 10, got 11"),
    ("network", "hops", "two", "hops: expected a whole number, got 'two'"),
    ("network", "hops", "1.5", "hops: expected a whole number"),
    ("paths", "max_hops", "25", "max_hops: must be between 1 and 24, got 25"),
    ("brokers", "limit", "0", "limit: must be between 1 and 1000, got 0"),
    ("brokers", "limit", "1001", "limit: must be between 1 and 1000, got 1001"),
    ("cross-border", "country_a", "Atlantis", "country_a: 'Atlantis' is not a country"),
    ("cross-border", "country_b", "China", "country_b: is the same country as country_a"),
    ("cross-border", "country_b", "CN", "country_b: is the same country as country_a"),
    ("paths", "b", "Xiaomi Corp.", "b: is the same entity as a"),
    ("common-partners", "b", "xiaomi", "b: is the same entity as a"),
    ("exposure", "government", "huawei", "government: huawei (Huawei Technologies) is a Firm, "
                                         "not a Government"),
    ("partners", "entity", "  ", "entity: empty value"),
])
def test_bad_values_are_named(seed_embedded, name, param, value, expected):
    err = error_of(seed_embedded, name, {**VALID[name], param: value})
    assert str(err).startswith(expected)


@pytest.mark.parametrize("a,b", [("CHN", "DEU"), ("China", "Germany"), ("cn", "de")])
def test_countries_as_alpha3_or_names_give_the_alpha2_answer(seed_store, a, b):
    expected = run_saved_query(seed_store, "cross-border", {"country_a": "CN", "country_b": "DE"})
    got = run_saved_query(seed_store, "cross-border", {"country_a": a, "country_b": b})
    assert expected.rows and got.rows == expected.rows
    assert got.params["country_a"] == "CN"


def test_ambiguous_entity_is_reported(seed_embedded):
    # "BAIC" is an alias of BAIC Group only; "Huawei" names one firm: both resolve
    assert run_saved_query(seed_embedded, "timeline", {"entity": "BAIC"}).rows
    err = error_of(seed_embedded, "timeline", {"entity": "automaker"})
    assert str(err).startswith("entity: no entity matches")


def test_unknown_query_suggests_names(seed_embedded):
    err = error_of(seed_embedded, "partner", {})
    assert isinstance(err, NotFound)
    assert "did you mean partners" in str(err)
    assert get_query("partners_of_partners").name == "partners-of-partners"


@pytest.mark.parametrize("as_of,expected", [
    ("2023-02-30", "as_of: '2023-02-30' is not a day of that month"),
    ("yesterday", "as_of: 'yesterday' is not a date"),
])
def test_bad_as_of(seed_embedded, as_of, expected):
    assert str(error_of(seed_embedded, "brokers", {}, as_of=as_of)).startswith(expected)


@pytest.mark.parametrize("limit", [0, -1, "3"])
def test_bad_limit(seed_embedded, limit):
    assert str(error_of(seed_embedded, "brokers", {}, limit=limit)).startswith("limit:")


def test_limit_keeps_the_first_rows(seed_store):
    full = run_saved_query(seed_store, "timeline", {"entity": "huawei"}).rows
    assert run_saved_query(seed_store, "timeline", {"entity": "huawei"}, limit=3).rows == full[:3]


def test_defaults_apply(seed_embedded):
    q = get_query("network")
    assert q.bind(seed_embedded, {"entity": "Huawei"}) == {"entity": "huawei", "hops": 2,
                                                          "as_of": None}
    assert q.bind(seed_embedded, {"entity": "huawei"}, as_of="2023")["as_of"] == "2023-12-31"


def test_param_types():
    assert Param("d", "date").parse(None, "2023-01") == "2023-01"
    assert Param("c", "country").parse(None, " de ") == "DE"
    with pytest.raises(ParameterError, match="^d: "):
        Param("d", "date").parse(None, "2023-13")
    with pytest.raises(ValueError):
        Param("x", "float")
    assert Param("n", "int", default=3).required is False
    assert Param("n", "int").required is True
