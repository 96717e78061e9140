"""Reading the native format: CSV directories, JSON, YAML and JSON Lines give the same records."""

import json
import shutil

import pytest

from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths
from dealgraph.loaders.native import read_dataset


def _graph(store):
    sub = store.subgraph(None)
    return ({n.id: (n.label, n.props) for n in sub.nodes.values()},
            sorted(r.key + (tuple(sorted(r.props.items())),) for r in sub.rels))


@pytest.mark.parametrize("variant", ["small.json", "small.yaml"])
def test_json_and_yaml_give_the_same_graph_as_csv(data_dir, tmp_path, variant):
    csv_store = EmbeddedStore(tmp_path / "csv.db")
    load_paths(csv_store, [data_dir / "small"])
    other = EmbeddedStore(tmp_path / "other.db")
    load_paths(other, [data_dir / variant])
    assert _graph(other) == _graph(csv_store)
    assert other.stats()["Deal"] == 3


def test_json_lines_with_record_kinds(data_dir, tmp_path):
    tree = json.loads((data_dir / "small.json").read_text())
    lines = [json.dumps({"record": kind, **rec}) for kind, recs in tree.items() for rec in recs]
    path = tmp_path / "all.jsonl"
    path.write_text("\n".join(lines) + "\n")
    store = EmbeddedStore(tmp_path / "s.db")
    load_paths(store, [path])
    assert store.stats()["parties"] == 8


def test_csv_with_bom_and_crlf_reads(data_dir, tmp_path):
    target = tmp_path / "ds"
    shutil.copytree(data_dir / "small", target)
    firms = target / "firms.csv"
    firms.write_bytes(b"\xef\xbb\xbf" + firms.read_bytes().replace(b"\n", b"\r\n"))
    records = read_dataset([target])
    assert sum(1 for r in records if r.kind.name == "Firm") == 4


def test_json_errors_name_the_line_of_the_record(tmp_path):
    path = tmp_path / "firms.json"
    path.write_text('[\n  {"id": "a", "name": "A"},\n\n  {"id": "b", "name": "B", "ownership": "mafia"}\n]')
    with pytest.raises(LoadError) as err:
        load_paths(EmbeddedStore(tmp_path / "s.db"), [path])
    assert str(err.value).startswith(f"{path}:4: field 'ownership': unknown value 'mafia'")


def test_yaml_errors_name_the_line_and_norway_stays_a_country(tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("firms:\n  - id: equinor\n    name: Equinor\n    country: NO\n"
                    "  - id: b\n    name: B\n    country: ZZ\n")
    with pytest.raises(LoadError) as err:
        load_paths(EmbeddedStore(tmp_path / "s.db"), [path])
    (problem,) = err.value.problems
    assert str(problem).startswith(f"{path}:5: field 'country': 'ZZ' is not a country")


@pytest.mark.parametrize("name, content, expected", [
    ("firms.json", '[{"id": "a",', "invalid JSON"),
    ("data.yaml", "firms: [unclosed", "invalid YAML"),
    ("deals2.csv", "id\nx\n", "unknown CSV file name"),
    ("firms.csv", "id,name,colour\na,A,red\n", "field 'colour': unknown column"),
    ("firms.csv", "id,country\na,CN\n", "field 'name': required column is missing"),
    ("firms.csv", "id,name\n\"a,A\n", "malformed CSV"),
    ("firms.csv", "id,name\na,A,extra\n", "row has 3 cells"),
    ("data.json", '{"companies": []}', "field 'companies': unknown record kind"),
])
def test_unreadable_files_give_one_line_each(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(LoadError) as err:
        read_dataset([path])
    assert expected in str(err.value)
    assert str(path) in str(err.value)


def test_latin1_file_is_refused_with_its_line(tmp_path):
    path = tmp_path / "firms.csv"
    path.write_bytes("id,name\na,A\nb,Soci\xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(LoadError, match=r"firms.csv:3: is not UTF-8"):
        read_dataset([path])


def test_missing_path(tmp_path):
    with pytest.raises(LoadError, match="no such file or directory"):
        read_dataset([tmp_path / "nope"])
