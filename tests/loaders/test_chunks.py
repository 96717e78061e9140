"""Loads validated and written in chunks (``load_paths`` with a small ``CHUNK``): the same
store, the same summaries and the same problems as one chunk, on both stores.

Big loads go in chunks of 100,000 records so that memory stays bounded; these
tests shrink the chunk so that every dataset here spans many of them.
"""


import pytest

import dealgraph.loaders as loaders
from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.queries.access import linked_from
from tests.conftest import store_state


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(loaders, "CHUNK", 3)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_seed_in_chunks_equals_one_chunk(any_store, seed_dir, tmp_path, monkeypatch, chunk):
    reference = EmbeddedStore(tmp_path / "ref.db")
    whole = load_paths(reference, [seed_dir])
    monkeypatch.setattr(loaders, "CHUNK", chunk)
    chunked = load_paths(any_store, [seed_dir])
    assert chunked.as_dict() == whole.as_dict()
    assert store_state(any_store) == store_state(reference)
    assert load_paths(any_store, [seed_dir]).as_dict() == {
        "created": 0, "updated": 0, "unchanged": whole.created,
        "relationships_added": 0, "relationships_removed": 0}


def test_party_rows_of_a_stored_deal_spread_over_chunks(any_store, dataset, tiny_chunks):
    load_paths(any_store, [dataset])
    # d-stake loses beta as investor and gains gamma; its rows end up in different chunks
    rows = (dataset / "parties.csv").read_text().splitlines()
    rows = [r for r in rows if r != "d-stake,beta,investor,"]
    rows.insert(1, "d-stake,gamma,investor,")
    (dataset / "parties.csv").write_text("\n".join(rows) + "\n")
    summary = load_paths(any_store, [dataset])
    assert (summary.rels_added, summary.rels_removed, summary.created) == (1, 1, 0)
    parties = {(r.src, r.props["role"]) for r in any_store.deal_parties(["acme"])
               if r.dst == "d-stake"}
    assert parties == {("acme", "offeror"), ("acme-china", "target"), ("gamma", "investor")}
    assert load_paths(any_store, [dataset]).rels_added == 0


def test_references_to_later_chunks_are_resolved(any_store, dataset, tiny_chunks):
    # a firm whose parent comes several chunks later in the same file
    text = (dataset / "firms.csv").read_text().replace(
        "gamma,Gamma Chips,,TW,semiconductors,private,,,",
        "gamma,Gamma Chips,,TW,semiconductors,private,zeta,,")
    (dataset / "firms.csv").write_text(text + "".join(
        f"filler{i},Filler {i},,US,,,,,\n" for i in range(8)) + "zeta,Zeta Group,,TW,,,,,\n")
    load_paths(any_store, [dataset])
    assert linked_from(any_store, ["zeta"], "SUBSIDIARY_OF") == {"gamma"}


def test_problems_of_every_chunk_are_reported_and_nothing_is_written(any_store, dataset,
                                                                    tiny_chunks):
    load_paths(any_store, [dataset / "sources.csv"])
    before = store_state(any_store)
    text = (dataset / "firms.csv").read_text().replace(
        "gamma,Gamma Chips,,TW,semiconductors,private,,,",
        "gamma,Gamma Chips,,TW,semiconductors,private,nowhere,,")
    (dataset / "firms.csv").write_text(text + "".join(
        f"filler{i},Filler {i},,US,,,,,\n" for i in range(8)) + "beta,Beta again,,DE,,,,,\n")
    with open(dataset / "parties.csv", "a") as fh:
        fh.write("d-supply,acme,supplier,\n")
    with pytest.raises(LoadError) as err:
        load_paths(any_store, [dataset])
    problems = [str(p) for p in err.value.problems]
    firms, parties = dataset / "firms.csv", dataset / "parties.csv"
    assert f"{firms}:14: field 'id': duplicate id 'beta' (first defined at {firms}:4)" in problems
    assert f"{firms}:5: field 'parent': unknown firm 'nowhere' (not in this load or the store)" \
        in problems
    assert f"{parties}:10: field 'entity': 'acme' is already a supplier of 'd-supply' " \
        f"(at {parties}:2)" in problems
    assert len(problems) == 3
    assert store_state(any_store) == before


def test_mapped_records_are_handed_over_once(data_dir, tmp_path, tiny_chunks, monkeypatch):
    from dealgraph.loaders.mapping import read_mapped
    mapping = data_dir / "mapping" / "acquisitions.yaml"
    csv_file = data_dir / "mapping" / "acquisitions.csv"
    whole = EmbeddedStore(tmp_path / "whole.db")
    reading = read_mapped([csv_file], mapping)
    n = len(reading.records)
    assert len(list(reading.records)) == n  # iterating does not consume
    store = EmbeddedStore(tmp_path / "chunked.db")
    summary = loaders.load_reading(store, reading)
    assert len(reading.records) == 0  # a load does
    monkeypatch.setattr(loaders, "CHUNK", 100_000)
    assert load_paths(whole, [csv_file], mapping=mapping).as_dict() == summary.as_dict()
    assert store_state(store) == store_state(whole)
