"""The load planner (dealgraph.graph.plan): one difference for both stores, carried out
by each store's writer; and the Neo4j writer committing a big load in parts as it goes."""

import shutil

import pytest

import dealgraph.loaders as loaders
from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore, _Stored
from dealgraph.graph.plan import LoadPlanner, rel_rows
from dealgraph.graph.records import Batch, Node, Rel
from dealgraph.loaders import check_paths, load_paths
from tests.conftest import store_state


def _edit(path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_changes_are_planned_as_updates_additions_and_removals(any_store, dataset, tmp_path):
    """Edits of properties, of a reference field and of party rows: the summary counts
    exactly those, and the store ends as a fresh load of the edited files would."""
    load_paths(any_store, [dataset])
    _edit(dataset / "firms.csv", "Acme Corp,", "Acme Corporation,")   # a property
    _edit(dataset / "people.csv", "CEO,acme,", "CEO,beta,")          # AFFILIATED_WITH moves
    _edit(dataset / "parties.csv", "d-supply,acme,supplier,", "d-supply,acme,supplier,main supplier")
    summary = load_paths(any_store, [dataset])
    assert (summary.created, summary.updated) == (0, 1)  # a reference is no property
    # the person's affiliation and acme's party row (new note): each one gone, one new
    assert (summary.rels_added, summary.rels_removed) == (2, 2)
    fresh = EmbeddedStore(tmp_path / "fresh.db")
    load_paths(fresh, [dataset])
    assert store_state(any_store) == store_state(fresh)
    again = load_paths(any_store, [dataset])
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert again.unchanged == summary.unchanged + summary.updated


def test_an_extension_field_change_is_an_update(any_store, data_dir, tmp_path):
    target = tmp_path / "payments"
    shutil.copytree(data_dir / "payments", target)
    load_paths(any_store, [target])
    _edit(target / "firms.csv", "HRB 1234", "HRB 9999")
    _edit(target / "parties.csv", "pay-002,corvid-ltd,payer,,60", "pay-002,corvid-ltd,payer,,65")
    summary = load_paths(any_store, [target])
    assert (summary.updated, summary.rels_added, summary.rels_removed) == (1, 1, 1)
    firm = any_store.subgraph(["acme-pay"]).nodes["acme-pay"]
    assert firm.props["register_no"] == "HRB 9999"


def test_a_refused_load_leaves_the_store_and_plans_nothing(any_store, dataset):
    load_paths(any_store, [dataset])
    before = store_state(any_store)
    _edit(dataset / "firms.csv", "Acme Corp,", "Acme Corporation,")
    _edit(dataset / "parties.csv", "d-supply,acme,supplier,", "d-supply,nobody,supplier,")
    with pytest.raises(LoadError):
        load_paths(any_store, [dataset])
    assert store_state(any_store) == before


def test_a_forward_reference_across_batches_waits_for_its_end(any_store, dataset, monkeypatch):
    """A firm whose parent is defined in a later batch: the relationship is planned once
    both ends are written (Neo4j finds ends by id, so an early one would be lost)."""
    rows = (dataset / "firms.csv").read_text().splitlines()
    child = next(r for r in rows if r.startswith("acme-china,"))
    parent = next(r for r in rows if r.startswith("acme,"))
    rows = [rows[0], child] + [r for r in rows[1:] if r not in (child, parent)] + [parent]
    (dataset / "firms.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(loaders, "CHUNK", 2)
    summary = load_paths(any_store, [dataset])
    rels = {(r.src, r.type, r.dst) for r in any_store.subgraph(None).rels}
    assert ("acme-china", "SUBSIDIARY_OF", "acme") in rels
    assert summary.rels_added == len(any_store.subgraph(None).rels)
    assert load_paths(any_store, [dataset]).rels_added == 0


def test_the_planner_parts_of_a_stored_deal_spread_over_batches(embedded_store):
    """The planner on its own: party rows a deal had before the load and no batch gave
    again are removed by the last part; a node as stored is unchanged."""
    store = embedded_store
    src = Node("s", "Source", {"title": "T"})
    firms = [Node(f, "Firm", {"name": f.upper()}) for f in ("a", "b", "c")]
    deal = Node("d", "Deal", {"kind": "supply", "sources": ["s"]})
    party = [Rel("a", "PARTY_TO", "d", {"role": "supplier"}),
             Rel("b", "PARTY_TO", "d", {"role": "customer"})]
    store.apply(Batch([src, *firms, deal], party + [Rel("d", "CITES", "s")], {"d"}))
    with store.writer() as load:
        planner = LoadPlanner(_Stored(store, load.cur))
        first = planner.part(Batch([deal], [party[0], Rel("d", "CITES", "s")], {"d"}))
        second = planner.part(Batch([], [Rel("c", "PARTY_TO", "d", {"role": "customer"})],
                                    {"d"}))
        last = planner.finish()
    assert (first.created, first.updated, first.gone, first.new) == ([], [], [], [])
    assert [r[:4] for r in second.new] == [("c", "PARTY_TO", "d", "customer")]
    assert [r[:4] for r in last.gone] == [("b", "PARTY_TO", "d", "customer")]
    s = planner.summary
    assert (s.unchanged, s.updated, s.rels_added, s.rels_removed) == (1, 0, 1, 1)


def test_relationship_rows_compare_properties_as_canonical_text():
    rows = rel_rows([Rel("a", "PARTY_TO", "d", {"role": "x", "note": "n"}),
                     Rel("b", "PARTY_TO", "d", {"note": "n", "role": "x"}), Rel("d", "CITES", "s")])
    assert sorted(rows) == [("a", "PARTY_TO", "d", "x", '{"note":"n","role":"x"}'),
                            ("b", "PARTY_TO", "d", "x", '{"note":"n","role":"x"}'),
                            ("d", "CITES", "s", "", "{}")]


# -- the Neo4j writer streams its parts -------------------------------------------------------

@pytest.fixture
def generated(tmp_path_factory):
    from dealgraph.synth import generate, write_csv_dataset
    return write_csv_dataset(generate(300, seed=3), tmp_path_factory.mktemp("gen") / "a")


def _batches(store, path, chunk=200):
    """The validated batches of a load of ``path`` in chunks of ``chunk`` records."""
    from dealgraph.loaders.validate import Validator
    reading = loaders.read_paths([path])
    validator = Validator(store)
    out = []
    for records, last in loaders._chunks(reading.records, chunk):
        out.append(validator.feed(records, last))
    return out


@pytest.mark.neo4j
def test_the_neo4j_writer_holds_a_bounded_difference_and_commits_it_in_parts(
        neo4j_store, generated, tmp_path):
    """With thresholds far below the load's size, the writer keeps at most ``atomic_rows``
    rows of difference in memory (the rest goes to its temporary file), writes nothing
    before ``commit``, then commits transactions of ``tx_rows``; the result equals the
    embedded store's."""
    store = neo4j_store
    store.atomic_rows, store.tx_rows = 300, 200
    batches = _batches(store, generated)
    assert len(batches) > 3
    with store.writer() as load:
        for batch in batches:
            load.write(batch)
            assert load.buffered <= store.atomic_rows or load.buffer == []
        assert load.spill is not None and store._parts_committed == 0
        assert store.stats()["Deal"] == 0  # nothing visible before the commit
        summary = load.commit()
    assert store._parts_committed > 3
    reference = EmbeddedStore(tmp_path / "ref.db")
    assert load_paths(reference, [generated]).as_dict() == summary.as_dict()
    assert store_state(store) == store_state(reference)
    assert store.read("MATCH (n:DealgraphLoadLock) RETURN count(n) AS n")[0]["n"] == 0


@pytest.mark.neo4j
def test_a_big_load_refused_in_its_last_batch_writes_nothing(neo4j_store, generated,
                                                             monkeypatch):
    store = neo4j_store
    store.atomic_rows, store.tx_rows = 300, 200
    monkeypatch.setattr(loaders, "CHUNK", 200)
    with (generated / "parties.csv").open("a") as f:
        f.write("nowhere-deal,nobody,investor,\n")
    with pytest.raises(LoadError):
        load_paths(store, [generated])
    assert store.stats()["Deal"] == 0 and store._parts_committed == 0


@pytest.mark.neo4j
def test_a_load_stopped_after_some_parts_keeps_them_and_loading_again_completes_it(
        neo4j_settings, neo4j_store, generated, tmp_path):
    """The documented rule: a load committed in parts that stops half-way (here the
    server refuses the third part) keeps the parts committed so far, with nodes before
    their relationships, says so, frees the load lock, and loading the same files
    again completes it."""
    from dealgraph.errors import DealgraphError
    from dealgraph.graph.neo4j_store import Neo4jStore

    class Failing(Neo4jStore):
        def _part_committed(self):
            if self._parts_committed == 2:
                raise DealgraphError("the server went away")

    store = Failing(neo4j_settings)
    store.atomic_rows, store.tx_rows = 300, 200
    try:
        with pytest.raises(DealgraphError, match="the server went away"):
            load_paths(store, [generated])
    finally:
        store.close()
    counts = neo4j_store.stats()
    assert 0 < sum(counts[k] for k in ("Firm", "Deal", "Source")) < 600
    assert neo4j_store.read("MATCH (n:DealgraphLoadLock) RETURN count(n) AS n")[0]["n"] == 0
    load_paths(neo4j_store, [generated])
    reference = EmbeddedStore(tmp_path / "ref.db")
    load_paths(reference, [generated])
    assert store_state(neo4j_store) == store_state(reference)
