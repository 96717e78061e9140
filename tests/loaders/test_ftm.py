"""Loading FollowTheMoney entity streams (OpenSanctions / Aleph exports)."""

import json

import pytest

from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths, preview_paths
from dealgraph.loaders.ftm import read_ftm


@pytest.fixture
def stream(data_dir):
    return data_dir / "ftm" / "opensanctions-sample.jsonl"


def _graph(store):
    sub = store.subgraph(None)
    return ({n.id: (n.label, n.props) for n in sub.nodes.values()},
            sorted(r.key + (tuple(sorted(r.props.items())),) for r in sub.rels))


def _parties(sub, deal):
    return {(r.src, r.props["role"]) for r in sub.rels if r.type == "PARTY_TO" and r.dst == deal}


def _write(tmp_path, entities, name="s.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(e) + "\n" for e in entities))
    return path


def _ent(eid, schema, **props):
    return {"id": eid, "schema": schema,
            "properties": {k: v if isinstance(v, list) else [v] for k, v in props.items()}}


def test_the_sample_stream_maps_entities_and_links(any_store, stream):
    load_paths(any_store, [stream], input_format="ftm")
    sub = any_store.subgraph(None)
    labels = {n.id: n.label for n in sub.nodes.values()}
    assert labels["NK-acme"] == "Firm" and labels["NK-cedar"] == "Firm"      # Company, Organization
    assert labels["NK-mintrade"] == "Government" and labels["NK-ivan"] == "Person"
    assert "NK-vessel" not in labels and "addr-acme" not in labels
    assert sub.nodes["NK-acme"].props == {"name": "Acme Shipping Holdings Ltd",
                                          "aliases": ["Acme Shipping"], "country": ["CY"],
                                          "sector": "shipping"}
    assert sub.nodes["NK-mintrade"].props["level"] == "agency"

    own = sub.nodes["own-acme-borealis"].props
    assert own["kind"] == "investment" and own["title"] == \
        "Acme Shipping Holdings Ltd owns 51% of Borealis Metals JSC"
    assert (own["stake_low"], own["stake_high"], own["effective"]) == (51, 51, "2015-03-25")
    assert (own["value"], own["currency"]) == (56898523.47, "EUR")
    assert _parties(sub, "own-acme-borealis") == {("NK-acme", "investor"), ("NK-borealis", "target")}
    assert (sub.nodes["own-mintrade-cedar"].props["stake_low"],
            sub.nodes["own-mintrade-cedar"].props["stake_high"]) == (25, 50)

    assert _parties(sub, "dir-ivan-acme") == {("NK-ivan", "partner"), ("NK-acme", "partner")}
    notes = {r.src: r.props.get("note") for r in sub.rels if r.dst == "dir-ivan-acme"
             and r.type == "PARTY_TO"}
    assert notes == {"NK-ivan": "director: Chairman", "NK-acme": "organization"}

    sanction = sub.nodes["sanc-ofac-acme"].props
    assert sanction["kind"] == "sanction" and sanction["announced"] == "2022-04-06"
    assert _parties(sub, "sanc-ofac-acme") == {
        ("NK-acme", "sanctioned"), ("gov-office-of-foreign-assets-control", "regulator")}
    assert sub.nodes["gov-office-of-foreign-assets-control"].props["country"] == ["US"]

    pay = sub.nodes["pay-cedar-borealis"].props
    assert (pay["value"], pay["currency"], pay["announced"]) == (2500000, "USD", "2021-11-30")
    assert _parties(sub, "pay-cedar-borealis") == {("NK-cedar", "customer"),
                                                   ("NK-borealis", "supplier")}
    assert sub.nodes["emp-anna-cedar"].props["end"] == "2023-02"

    cites = {(r.src, r.dst) for r in sub.rels if r.type == "CITES"}
    url_source = next(n for n in sub.of_label("Source")
                      if n.props.get("url") == "https://registry.example.org/ru/borealis")
    assert ("own-acme-borealis", url_source.id) in cites
    assert ("own-acme-borealis", "src-ftm-ru-egrul") in cites           # the dataset, too
    assert any_store.stats()["Deal"] == 6


def test_reloading_the_stream_changes_nothing(any_store, stream):
    load_paths(any_store, [stream], input_format="ftm")
    before = _graph(any_store)
    again = load_paths(any_store, [stream], input_format="ftm")
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert _graph(any_store) == before


def test_dry_run_counts_and_skipped_schemata(embedded_store, stream):
    preview = preview_paths(embedded_store, [stream], input_format="ftm")
    assert preview.problems == []
    assert preview.counts == {"Source": 6, "Firm": 3, "Government": 2, "Person": 2, "Deal": 6,
                              "parties": 12}
    assert preview.skipped == {"Address": 1, "Ownership (a party is a Vessel)": 1, "Vessel": 1}


def test_a_json_array_gives_the_same_graph(tmp_path, stream):
    entities = [json.loads(line) for line in stream.read_text().splitlines()]
    array = tmp_path / "opensanctions-sample.json"
    array.write_text(json.dumps(entities, indent=2))
    a, b = EmbeddedStore(tmp_path / "a.db"), EmbeddedStore(tmp_path / "b.db")
    load_paths(a, [stream], input_format="ftm")
    load_paths(b, [array], input_format="ftm")
    assert _graph(a) == _graph(b)


def test_entities_missing_from_the_stream_are_problems_with_file_and_line(any_store, tmp_path):
    path = _write(tmp_path, [
        _ent("c1", "Company", name="Acme"),
        _ent("o1", "Ownership", owner="c1", asset="ghost", percentage="10"),
    ])
    with pytest.raises(LoadError) as err:
        load_paths(any_store, [path], input_format="ftm")
    assert [str(p) for p in err.value.problems] == [
        f"{path}:2: field 'entity': unknown firm or government or person 'ghost' "
        "(not in this load or the store)"]
    assert any_store.stats()["Firm"] == 0


def test_entities_already_in_the_store_can_be_linked_to(embedded_store, tmp_path):
    load_paths(embedded_store, [_write(tmp_path, [_ent("c1", "Company", name="Acme")], "a.jsonl")],
               input_format="ftm")
    load_paths(embedded_store, [_write(tmp_path, [
        _ent("c2", "Company", name="Beta"), _ent("o1", "Ownership", owner="c2", asset="c1")],
        "b.jsonl")], input_format="ftm")
    assert _parties(embedded_store.subgraph(None), "o1") == {("c2", "investor"), ("c1", "target")}


def test_unreadable_lines_and_unknown_schemata_are_all_reported(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(_ent("c1", "Company", name="Acme")) + "\n"
                    + "{not json\n"
                    + json.dumps(_ent("x", "Spaceship", name="Enterprise")) + "\n"
                    + json.dumps({"schema": "Company", "properties": {"name": ["No id"]}}) + "\n"
                    + json.dumps(_ent("c1", "Person", name="Acme")) + "\n")
    reading = read_ftm([path])
    assert [(p.line, p.field, p.message) for p in reading.problems] == [
        (2, "", "invalid JSON: Expecting property name enclosed in double quotes"),
        (3, "schema", "unknown FtM schema 'Spaceship'"),
        (4, "id", "is required"),
        (5, "id", f"'c1' is a Person here but a Company at {path}:1"),
    ]


def test_datasets_that_are_not_a_list_of_texts_are_read(tmp_path):
    """Found by the fuzzer: ``"datasets": true`` stopped the reader with a TypeError."""
    ents = [dict(_ent("c1", "Company", name="Acme"), datasets=True),
            dict(_ent("c2", "Company", name="Beta"), datasets="eu_fsf"),
            dict(_ent("c3", "Company", name="Gamma"), datasets=["us_ofac", 7])]
    reading = read_ftm([_write(tmp_path, ents)])
    assert reading.problems == []
    cites = {r.values["id"]: r.values["sources"] for r in reading.records
             if r.kind.name == "Firm"}
    # no dataset: the file is the source; one text: that dataset; a list: its texts
    assert cites == {"c1": ["src-ftm-s-jsonl"], "c2": ["src-ftm-eu-fsf"],
                     "c3": ["src-ftm-us-ofac"]}


def test_a_public_body_with_an_unusable_country_is_reported(embedded_store, tmp_path):
    path = _write(tmp_path, [_ent("g1", "PublicBody", name="Gosplan", jurisdiction="suhh")])
    with pytest.raises(LoadError) as err:
        load_paths(embedded_store, [path], input_format="ftm")
    assert [str(p) for p in err.value.problems] == [
        f"{path}:1: field 'country': 'SUHH' is not a country: give an ISO 3166-1 code "
        "(LV, LVA) or an English name (Latvia)"]


def test_every_link_schema_becomes_a_deal_with_roles(embedded_store, tmp_path):
    path = _write(tmp_path, [
        _ent("p1", "Person", name="Ann"),
        _ent("c1", "Company", name="Acme", country="de"),
        _ent("b1", "PublicBody", name="Procurement Office", country="de"),
        _ent("l1", "LegalEntity", name="Law Firm LLP", country="gb"),
        _ent("m1", "Membership", member="c1", organization="l1", startDate="2020"),
        _ent("r1", "Representation", agent="l1", client="c1"),
        _ent("u1", "UnknownLink", subject="p1", object="c1", role="adviser"),
        _ent("k1", "Contract", title="Road works", authority="b1", amount="1000000",
             currency="EUR", contractDate="2021-05-04"),
        _ent("a1", "ContractAward", contract="k1", supplier="c1", amount="900000",
             currency="EUR", date="2021-06"),
        _ent("y1", "Payment", payer="b1", beneficiary="c1", amount="12,500"),
        _ent("s1", "Sanction", entity="c1", authority="Procurement Office", program="Debarment"),
    ])
    load_paths(embedded_store, [path], input_format="ftm")
    sub = embedded_store.subgraph(None)
    kinds = {n.id: n.props["kind"] for n in sub.of_label("Deal")}
    assert kinds == {"m1": "partnership", "r1": "supply", "u1": "partnership", "k1": "supply",
                     "a1": "supply", "y1": "supply", "s1": "sanction"}
    assert _parties(sub, "r1") == {("l1", "supplier"), ("c1", "customer")}
    assert _parties(sub, "u1") == {("p1", "partner"), ("c1", "partner")}
    assert _parties(sub, "k1") == {("b1", "customer")}
    assert sub.nodes["k1"].props["title"] == "Road works"
    assert sub.nodes["k1"].props["status"] == "signed"
    assert sub.nodes["k1"].props["announced"] == "2021-05-04"
    assert _parties(sub, "a1") == {("c1", "supplier"), ("b1", "customer")}
    assert sub.nodes["a1"].props["title"] == "Road works awarded to Acme"
    assert sub.nodes["a1"].props["value"] == 900000
    assert _parties(sub, "y1") == {("b1", "customer"), ("c1", "supplier")}
    assert "value" not in sub.nodes["y1"].props  # no currency: kept in the summary
    assert sub.nodes["y1"].props["summary"] == "Amount: 12,500 (no currency given)"
    # the sanctioning authority is the public body of that name
    assert _parties(sub, "s1") == {("c1", "sanctioned"), ("b1", "regulator")}
    source = sub.nodes["src-ftm-s-jsonl"].props
    assert source == {"publisher": "FtM stream", "title": "FtM stream s.jsonl"}


def test_links_may_come_before_their_entities(embedded_store, tmp_path):
    path = _write(tmp_path, [
        _ent("o1", "Ownership", owner="c2", asset="c1", percentage="100"),
        _ent("c1", "Company", name="Acme"),
        _ent("c2", "Company", name="Beta"),
    ])
    load_paths(embedded_store, [path], input_format="ftm")
    sub = embedded_store.subgraph(None)
    assert sub.nodes["o1"].props["title"] == "Beta owns 100% of Acme"
