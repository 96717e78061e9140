"""Countries as people write them: codes and names to the stored alpha-2 code, and back."""

from __future__ import annotations

import pytest

from dealgraph.graph.countries import (COUNTRIES, UnknownCountry, country_key, country_label,
                                       country_name, parse_countries, parse_country)
from dealgraph.graph.model import MODEL
from dealgraph.graph.values import ValueProblem, parse_value


@pytest.mark.parametrize("text, code", [
    ("LV", "LV"), ("lv", "LV"), (" LVA ", "LV"), ("lva", "LV"), ("Latvia", "LV"),
    ("RUS", "RU"), ("Russia", "RU"), ("Russian Federation", "RU"),
    ("USA", "US"), ("United States of America", "US"), ("UK", "GB"), ("GBR", "GB"),
    ("Korea, Republic of", "KR"), ("South Korea", "KR"), ("Côte d'Ivoire", "CI"),
    ("cote d'ivoire", "CI"), ("The Netherlands", "NL"), ("Türkiye", "TR"), ("EU", "EU"),
    ("European Union", "EU"),
])
def test_codes_and_names_become_the_alpha2_code(text, code):
    assert parse_country(text) == code


def test_a_rarer_spelling_is_found_through_followthemoney():
    assert parse_country("Latvija") == "LV"


def test_an_unknown_country_says_what_is_accepted_and_suggests():
    with pytest.raises(UnknownCountry, match=r"'Frnace' is not a country: give an ISO 3166-1 "
                                             r"code \(LV, LVA\) or an English name.*France \(FR\)"):
        parse_country("Frnace")


def test_the_accepted_codes_come_from_the_territory_table():
    assert {"CN", "DE", "US", "LV", "RU", "EU"} <= COUNTRIES
    assert "ZZ" not in COUNTRIES and "SU" not in COUNTRIES  # "global", a historical code
    assert len(COUNTRIES) >= 249  # every ISO 3166-1 country


def test_display_names_sit_beside_the_code():
    assert country_name("LV") == "Latvia"
    assert country_label("RU") == "Russia (RU)"
    assert country_label("") == "" and country_name(None) == ""
    assert country_label("QQ") == "QQ"  # an unknown stored code is shown as it is


def test_parse_countries_keeps_order_and_drops_repeats():
    assert parse_countries(["LVA", "lv", "Russia"]) == ["LV", "RU"]


def test_country_key_ignores_case_accents_punctuation_and_the():
    assert country_key("  The  Côte-d'Ivoire ") == "cote d ivoire"


def test_loaded_country_fields_take_every_form():
    field = MODEL.kinds["Firm"].fields["country"]
    assert [parse_value(field, v) for v in ("LVA", "latvia", "LV")] == [["LV"]] * 3
    assert parse_value(field, "LVA|Estonia|LV") == ["LV", "EE"]  # several: in each
    with pytest.raises(ValueProblem, match="'Atlantis' is not a country"):
        parse_value(field, "Atlantis")
