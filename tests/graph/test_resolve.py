"""Entities as people type them, on both stores: case, punctuation, accents and legal
forms ignored, then fuzzy; one clear match is taken with a note, several are listed."""

from __future__ import annotations

import pytest

from dealgraph.errors import NotFound
from dealgraph.graph.resolve import name_key, resolve_entity
from dealgraph.loaders import load_paths
from dealgraph.queries import run_saved_query
from dealgraph.report import Reporter, reporting

TYPED = "typed.yaml"


class Notes(Reporter):
    def __init__(self):
        self.lines = []

    def note(self, text):
        self.lines.append(text)


@pytest.fixture
def typed(any_store, data_dir):
    load_paths(any_store, [data_dir / TYPED])
    return any_store


def resolve(store, text):
    notes = Notes()
    with reporting(notes):
        node = resolve_entity(store, text)
    return node.id, notes.lines


@pytest.mark.parametrize("text, entity", [
    ("Yahoo", "yhoo"), ("yahoo inc.", "yhoo"), ("IBM", "intl-business-machines"),
    ("Standard Chartered", "stanchart"), ("Deutsche Bank", "deutsche-bank"),
    ("deutsche-bank ag", "deutsche-bank"), ("Societe Generale", "socgen"),
    ("SOCIÉTÉ GÉNÉRALE SA", "socgen"), ("Sberbank of Russia", "sber"),
])
def test_names_as_people_type_them_are_taken_with_a_note(typed, text, entity):
    found, notes = resolve(typed, text)
    assert found == entity
    assert len(notes) == 1 and notes[0].startswith(f"{text!r} taken as {entity} (")


def test_exact_names_and_ids_need_no_note(typed):
    assert resolve(typed, "Yahoo!") == ("yhoo", [])
    assert resolve(typed, "deutsche bank ag") == ("deutsche-bank", [])
    assert resolve(typed, "STANCHART") == ("stanchart", [])


def test_a_misspelt_name_is_taken_when_one_name_is_clearly_closest(typed):
    found, notes = resolve(typed, "Standard Chartred")
    assert found == "stanchart"
    assert notes == ["'Standard Chartred' taken as stanchart (Standard Chartered PLC) "
                     "(closest name)"]


def test_an_ambiguous_name_lists_id_country_and_deals(typed):
    with pytest.raises(NotFound) as err:
        resolve(typed, "Bank of New York Mellon")
    assert str(err.value) == (
        "'Bank of New York Mellon' is ambiguous: bny-mellon (The Bank of New York Mellon "
        "Corporation, Firm, United States, 2 deals); bny-mellon-sa (The Bank of New York "
        "Mellon SA/NV, Firm, Belgium, 1 deal). Use an id.")


def test_nothing_close_is_a_miss(typed):
    with pytest.raises(NotFound, match=r"^no entity matches 'Zzyzx Quarry'"):
        resolve(typed, "Zzyzx Quarry")


def test_every_query_parameter_resolves_the_same_way(typed):
    result = run_saved_query(typed, "partners", {"entity": "Deutsche Bank"})
    assert {r["partner"] for r in result.rows} == {"stanchart", "bny-mellon", "citadele"}


def test_countries_loaded_as_alpha3_and_names_are_stored_as_alpha2(typed):
    countries = {e.id: e.props["country"] for e in typed.entity_index()}
    assert countries["latvijas-banka"] == ["LV"] and countries["citadele"] == ["LV"]
    assert countries["sber"] == ["RU"] and countries["vtb"] == ["RU"]
    assert countries["stanchart"] == ["GB"]


def test_cross_border_takes_alpha3_alpha2_and_names_alike(typed):
    answers = [run_saved_query(typed, "cross-border", {"country_a": a, "country_b": b}).rows
               for a, b in (("LVA", "RUS"), ("LV", "RU"), ("Latvia", "Russian Federation"))]
    assert answers[0] == answers[1] == answers[2]
    assert sorted(d for row in answers[0] for d in row["deals"]) == ["d-lv-ru-1", "d-lv-ru-2"]


def test_name_key():
    assert name_key("The Bank of New York Mellon SA/NV") == "bank of new york mellon"
    assert name_key("AG Bank") == "ag bank"  # a legal form only at the end
    assert name_key("Ltd") == "ltd"  # never the whole name


def test_the_name_index_answers_exact_and_normalised_names(typed, monkeypatch):
    """Steps 1 and 2 never read every entity: the store's name keys answer them."""
    def no_scan(*args):
        raise AssertionError("read every entity")
    monkeypatch.setattr(type(typed), "entity_index", no_scan)
    monkeypatch.setattr(type(typed), "name_index", no_scan)
    assert resolve(typed, "Yahoo")[0] == "yhoo"
    assert resolve(typed, "deutsche bank")[0] == "deutsche-bank"
    with pytest.raises(NotFound, match="is ambiguous"):
        resolve(typed, "Bank of New York Mellon")


@pytest.mark.neo4j
def test_neo4j_entities_without_name_keys_are_migrated(neo4j_store, neo4j_settings, data_dir):
    """A database from before name keys were stored is outdated; ``migrate`` gives every
    entity its keys and the typed names are found again."""
    from dealgraph.graph.neo4j_store import Neo4jStore
    load_paths(neo4j_store, [data_dir / TYPED])
    with neo4j_store.driver.session(database=neo4j_store.database) as s:
        s.run("MATCH (n:Entity) REMOVE n.name_keys").consume()
        s.run("MATCH (m:DealgraphStore) DELETE m").consume()
    old = Neo4jStore(neo4j_settings)
    try:
        assert old.outdated
        assert old.migrate() >= len(old.entity_index())
        assert not old.outdated
        assert resolve(old, "Deutsche Bank")[0] == "deutsche-bank"
        assert "name_keys" not in old.entity_index()[0].props  # derived, never shown
    finally:
        old.close()
