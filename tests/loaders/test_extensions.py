"""Datasets that need a model extension, on both stores: loaded, remembered, never mixed."""

from __future__ import annotations

import shutil

import pytest

from dealgraph.cli import cli
from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import BASE_MODEL, MODEL, InvalidModel, use_model
from dealgraph.graph.select import Selection, select_subgraph
from dealgraph.loaders import load_paths
from dealgraph.queries import run_saved_query


def _reopen(store):
    """The same store opened again, as a later process would, with the built-in model in
    use until it is open."""
    use_model(BASE_MODEL)
    if store.backend == "embedded":
        return EmbeddedStore(store.path)
    from dealgraph.graph.neo4j_store import Neo4jStore
    return Neo4jStore(store.settings)


def test_a_payments_dataset_loads_with_its_extension(any_store, data_dir):
    summary = load_paths(any_store, [data_dir / "payments"])
    assert summary.model_extension == "payments"
    sub = any_store.subgraph(None)
    pay = sub.nodes["pay-002"].props
    assert (pay["kind"], pay["transaction_count"], pay["channel"]) == ("transfer", 14, "wire")
    assert type(pay["transaction_count"]) is int
    acme = sub.nodes["acme-pay"].props
    assert acme["country"] == ["DE", "AT"] and acme["register_no"] == "HRB 1234"
    parties = {(r.src, r.dst): r.props for r in sub.rels if r.type == "PARTY_TO"}
    assert parties[("bolt-bank", "pay-002")] == {"role": "filer", "note": "filed the report"}
    assert parties[("corvid-ltd", "pay-002")] == {"role": "payer", "share": 60}
    again = load_paths(any_store, [data_dir / "payments"])
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)


def test_a_store_reads_its_own_data_without_the_extension_file(any_store, data_dir, seed_dir,
                                                               tmp_path):
    load_paths(any_store, [data_dir / "payments"])
    store = _reopen(any_store)
    try:
        assert str(store.model_extension) == "payments"
        assert "payment" in MODEL.enums["kind"].values
        rows = run_saved_query(store, "timeline", {"entity": "Corvid Ltd"}).rows
        assert sorted(r["deal"] for r in rows) == ["pay-001", "pay-002"]
        sub = select_subgraph(store, Selection(kinds=("transfer",)))
        assert sorted(sub.nodes) == ["acme-pay", "bolt-bank", "corvid-ltd", "pay-002",
                                     "src-register-2021"]
        # more data without the file: the stored extension still applies, and stays
        plain = tmp_path / "plain"
        shutil.copytree(data_dir / "payments", plain)
        (plain / "model.yaml").unlink()
        (plain / "deals.csv").write_text(
            (plain / "deals.csv").read_text().replace("14,wire", "15,card"))
        summary = load_paths(store, [plain])
        assert summary.updated == 1
        load_paths(store, [seed_dir])
        assert str(store.stored_extension()) == "payments"
        assert store.subgraph(["pay-002"]).nodes["pay-002"].props["transaction_count"] == 15
    finally:
        if store is not any_store:
            store.close()


def test_without_its_extension_the_dataset_is_refused(any_store, data_dir, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(data_dir / "payments", plain)
    (plain / "model.yaml").unlink()
    with pytest.raises(LoadError) as exc:
        load_paths(any_store, [plain])
    text = str(exc.value)
    assert "deals.csv:1: field 'transaction_count': unknown column" in text
    assert "a model extension can add fields" in text
    (plain / "deals.csv").write_text("\n".join(
        ",".join(row.split(",")[:7] + row.split(",")[9:])
        for row in (plain / "deals.csv").read_text().splitlines()) + "\n")
    (plain / "parties.csv").write_text("deal,entity,role\npay-001,acme-pay,payer\n"
                                       "pay-002,bolt-bank,filer\n")
    with pytest.raises(LoadError) as exc:
        load_paths(any_store, [plain])
    assert "deals.csv:2: field 'kind': unknown value 'payment'" in str(exc.value)
    assert "parties.csv:3: field 'role': unknown value 'filer'" in str(exc.value)
    assert any_store.stats()["Deal"] == 0 and any_store.stored_extension() is None


def test_a_contradicting_extension_is_refused_and_the_store_kept(any_store, data_dir, tmp_path):
    load_paths(any_store, [data_dir / "payments"])
    before = any_store.subgraph(None)
    other = tmp_path / "other.yaml"
    other.write_text("extension: other\nfields: {Deal: {transaction_count: {type: text}}}\n")
    with pytest.raises(InvalidModel, match="store was loaded with extension payments"):
        load_paths(any_store, [data_dir / "payments"], model_extension=other)
    assert any_store.subgraph(None) == before
    assert str(any_store.stored_extension()) == "payments"
    # a compatible one is added to the stored extension
    more = tmp_path / "more.yaml"
    more.write_text("extension: more\nenums: {role: [auditor]}\n")
    load_paths(any_store, [data_dir / "payments"], model_extension=more)
    stored = any_store.stored_extension()
    assert stored.names == ("payments", "more") and "auditor" in stored.enums["role"]["values"]


def test_emptying_a_store_forgets_its_extension(any_store, data_dir):
    load_paths(any_store, [data_dir / "payments"])
    any_store.clear()
    assert any_store.stored_extension() is None and MODEL.extension is None


@pytest.mark.neo4j
def test_neo4j_stores_extension_fields_with_their_types(neo4j_store, data_dir):
    load_paths(neo4j_store, [data_dir / "payments"])
    rows = neo4j_store.read("MATCH (d:Deal {id: 'pay-002'}) RETURN valueType(d.transaction_count)"
                            " AS count, valueType(d.channel) AS channel")
    assert rows == [{"count": "INTEGER NOT NULL", "channel": "STRING NOT NULL"}]
    rows = neo4j_store.read("MATCH (e:Firm {id: 'acme-pay'}) RETURN valueType(e.country) AS t")
    assert rows == [{"t": "LIST<STRING NOT NULL> NOT NULL"}]


def test_cli_loads_a_mapped_file_with_the_extension_it_names(runner, data_dir, store_path):
    csv, mapping = data_dir / "bank-filings" / "filings.csv", data_dir / "bank-filings" / "filings.yaml"
    result = runner.invoke(cli, ["load", str(csv), "--mapping", str(mapping), "--store",
                                 str(store_path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"model_extension": "filings"' in result.output
    with EmbeddedStore(store_path) as store:
        assert store.subgraph(["filing-F-001"]).nodes["filing-F-001"].props[
            "transaction_count"] == 12


def test_cli_refuses_an_alias_bomb_extension_in_one_line(runner, data_dir, store_path, tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\nextension: bomb\nenums: {kind: *a9}\n")
    result = runner.invoke(cli, ["load", str(data_dir / "payments"), "--model-extension",
                                 str(bomb), "--store", str(store_path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "alias" in result.output and str(bomb) in result.output
    with EmbeddedStore(store_path) as store:
        assert store.stats()["Deal"] == 0


def test_the_front_door_takes_an_extension_file(data_dir, tmp_path):
    import dealgraph
    mapping = data_dir / "bank-filings" / "filings.yaml"
    plain = tmp_path / "filings.yaml"   # the same mapping without its model: key
    plain.write_text(mapping.read_text().replace("model: filings-model.yaml\n", ""))
    g = dealgraph.open(tmp_path / "g.db")
    with pytest.raises(LoadError, match="unknown value 'payment'"):
        g.load(data_dir / "bank-filings" / "filings.csv", mapping=plain)
    summary = g.load(data_dir / "bank-filings" / "filings.csv", mapping=plain,
                     model_extension=data_dir / "bank-filings" / "filings-model.yaml")
    assert summary.model_extension == "filings"
