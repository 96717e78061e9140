"""The type model: loaded from model.yaml, validated, and the only source of names."""

import pytest

from dealgraph.graph.model import MODEL, InvalidModel, load_model


def test_bundled_model_declares_the_record_kinds():
    assert MODEL.entity_kinds == ["Firm", "Government", "Person"]
    assert set(MODEL.node_kinds) == {"Source", "Firm", "Government", "Person", "Deal"}
    assert MODEL.kinds["Party"].rel == "PARTY_TO"
    assert MODEL.kinds["Firm"].fields["parent"].rel == "SUBSIDIARY_OF"
    assert MODEL.kinds["Government"].fields["parent"].rel == "PART_OF"
    assert "rejected" in MODEL.enums["status"].values
    assert "stake_offer" in MODEL.enums["kind"].values


def test_deals_must_cite_sources_and_entities_may():
    assert MODEL.kinds["Deal"].fields["sources"].required
    assert not MODEL.kinds["Firm"].fields["sources"].required


@pytest.mark.parametrize("mutation, message", [
    (("kinds", "Firm", "fields", "sector", "type"), "unknown type"),
    (("kinds", "Firm", "fields", "ownership", "enum"), "unknown enum"),
    (("kinds", "Firm", "fields", "parent", "ref"), "bad ref"),
    (("kinds", "Firm", "fields", "parent", "rel"), "unknown relationship"),
])
def test_broken_models_are_refused_with_a_named_error(mutation, message):
    import yaml
    from importlib import resources
    raw = yaml.safe_load(resources.files("dealgraph.graph").joinpath("model.yaml").read_text())
    target = raw
    for key in mutation[:-1]:
        target = target[key]
    target[mutation[-1]] = ["Nope"] if mutation[-1] == "ref" else "nope"
    with pytest.raises(InvalidModel, match=message):
        load_model(yaml.safe_dump(raw))


def test_model_must_be_a_mapping():
    with pytest.raises(InvalidModel):
        load_model("- just a list")


def test_only_model_names_pass_into_query_text():
    assert MODEL.rel_type("PARTY_TO") == "PARTY_TO"
    assert MODEL.label("Firm") == "Firm"
    with pytest.raises(InvalidModel):
        MODEL.rel_type("PARTY_TO]->() DETACH DELETE n //")
    with pytest.raises(InvalidModel):
        MODEL.label("Firm`) MATCH (n")
