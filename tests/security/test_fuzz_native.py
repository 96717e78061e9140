"""Fuzzing the native loader: random and malformed CSV / JSON / JSON Lines / YAML.

Every case must end in success or a ``LoadError`` whose problems name a file;
after a ``LoadError`` the store (loaded with tests/data/small first) must be
exactly as before, row for row. Through the CLI: exit code 0 or 1, no
traceback, every error line names a file.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from dealgraph.cli import cli
from dealgraph.cli.core import SKIP_HINT
from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL
from dealgraph.loaders import load_paths

from .hostile import (SMALL, awkward_text, check_cli_errors, count, dump_embedded, fuzz,
                      mutated)

FILE_NAMES = ["firms.csv", "deals.csv", "parties.csv", "people.csv", "sources.csv",
              "governments.csv", "firms.json", "deals.json", "data.json", "data.yaml",
              "firms.yaml", "parties.yml", "data.jsonl", "firms.jsonl", "weird.csv"]


def _base_store() -> EmbeddedStore:
    store = EmbeddedStore(":memory:")
    load_paths(store, [SMALL])
    return store


def _attempt(name: str, paths: list[Path], store=None) -> str:
    """Load ``paths`` into a store holding the small dataset. Returns ``loaded`` or
    ``rejected``; fails the test on any other exception or on a partial write."""
    store = store or _base_store()
    before = dump_embedded(store)
    try:
        load_paths(store, paths)
    except LoadError as exc:
        assert exc.problems, "a LoadError without problems"
        roots = [str(p) for p in paths]
        for problem in exc.problems:
            assert any(problem.file.startswith(r) for r in roots), problem
            assert isinstance(problem.line, int) and problem.line >= 0, problem
            str(problem)  # printable
        assert dump_embedded(store) == before, "the store changed although the load failed"
        count(name, "rejected")
        return "rejected"
    # it loaded: the store is readable and loading the same files again changes nothing
    again = load_paths(store, paths)
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert set(store.stats()) >= set(MODEL.kinds[k].label for k in MODEL.node_kinds)
    count(name, "loaded")
    return "loaded"


# -- arbitrary bytes in any file the loader reads ---------------------------------------------

@fuzz(300)
@given(name=st.sampled_from(FILE_NAMES), data=st.binary(max_size=3000))
@example(name="data.json", data=b"[" * 100_000)
@example(name="data.json", data=b'{"firms": [{"id": "a", "name": "A", "notes": ' + b"1" * 5000 + b"}]}")
@example(name="firms.jsonl", data=b'{"id": "a", "name": "A\\ud800"}')
@example(name="data.yaml", data=b"firms:\n- {id: a, name: !!set {a, b}}\n")
@example(name="data.yaml", data=b"firms: " + b"[" * 5000)
@example(name="firms.csv", data=b"id,name\nx,\x00\n")
def test_random_bytes_alone(name, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        _attempt("native: random bytes in one file", [path])


@fuzz(300)
@given(name=st.sampled_from(sorted(p.name for p in SMALL.iterdir())), data=st.data())
@example(name="deals.csv", data=None)
def test_mutated_file_of_a_valid_dataset(name, data):
    """One file of tests/data/small after BOM, Latin-1, CRLF, stray quotes, NUL bytes,
    huge cells, truncation... (see hostile.MUTATIONS); the others intact."""
    original = (SMALL / name).read_bytes()
    if data is None:  # the explicit example: every cell of the deals enormous
        content, names = original.replace(b",", b"," + b"z" * 20_000 + b","), ["huge"]
    else:
        content, names = data.draw(mutated(original))
    with tempfile.TemporaryDirectory() as tmp:
        ds = Path(tmp) / "ds"
        shutil.copytree(SMALL, ds)
        (ds / name).write_bytes(content)
        _attempt("native: mutated small dataset", [ds])


# -- structurally valid files with hostile values -------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-10**30, 10**30),
                         st.floats(), awkward_text, st.text(max_size=30),
                         st.sampled_from(["2023-01", "2023-02-30", "USD", "CN", "signed",
                                          "acme", "src-one", "d-supply", "investor", "1e400",
                                          "https://x", "NaN", "-1", "101", "acme|beta"]))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


@st.composite
def record(draw, kind_name: str) -> dict:
    kind = MODEL.kinds[kind_name]
    names = list(kind.fields) + ["record", "", "ID", "name ", "\ud800"]
    keys = draw(st.lists(st.sampled_from(names) | st.text(max_size=6), max_size=len(kind.fields)))
    return {k: draw(json_values) for k in keys}


@st.composite
def dataset_tree(draw) -> dict:
    files = list(MODEL.by_file) + ["Firms", "unknown", ""]
    out = {}
    for key in draw(st.lists(st.sampled_from(files), min_size=1, max_size=4, unique=True)):
        kind = MODEL.by_file.get(key.lower())
        if kind is None or draw(st.booleans()) and draw(st.booleans()):
            out[key] = draw(json_values)
        else:
            out[key] = draw(st.lists(record(kind.name), max_size=4))
    return out


def _dump(tree, fmt: str, ensure_ascii: bool) -> bytes:
    if fmt == "json":
        return json.dumps(tree, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    if fmt == "yaml":
        return yaml.safe_dump(tree, allow_unicode=not ensure_ascii).encode("utf-8", "surrogatepass")
    lines = []
    for key, records in tree.items():
        for rec in records if isinstance(records, list) else [records]:
            if isinstance(rec, dict):
                rec = {"record": key, **rec}
            lines.append(json.dumps(rec, ensure_ascii=ensure_ascii))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@fuzz(300)
@given(tree=dataset_tree(), fmt=st.sampled_from(["json", "yaml", "jsonl"]),
       ensure_ascii=st.booleans())
def test_json_and_yaml_trees_with_hostile_values(tree, fmt, ensure_ascii):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"data.{fmt}"
        path.write_bytes(_dump(tree, fmt, ensure_ascii))
        _attempt("native: JSON/YAML trees", [path])


@st.composite
def csv_rows(draw) -> tuple[str, str]:
    kind = MODEL.kinds[draw(st.sampled_from(list(MODEL.kinds)))]
    cols = list(kind.fields)
    rows = draw(st.lists(st.lists(st.one_of(awkward_text, st.sampled_from(
        ["acme", "beta", "d-supply", "src-one", "signed", "investor", "US", "2024", "5",
         "https://example.org/x", "", " "])), min_size=len(cols), max_size=len(cols)),
        min_size=1, max_size=4))
    import csv
    import io
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(cols)
    writer.writerows(rows)
    return kind.file + ".csv", buf.getvalue()


@fuzz(300)
@given(case=csv_rows())
def test_well_formed_csv_with_hostile_cells(case):
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _attempt("native: well-formed CSV, hostile cells", [path])


# -- YAML features a data file should not be able to abuse ------------------------------------

YAML_FRAGMENTS = [
    "firms:\n- {id: y1, name: Y}\n",
    "firms: &a\n- {id: y2, name: Y2}\npeople: *a\n",
    "<<: {firms: [{id: y3, name: Y3}, {id: y4, name: Y4}]}\n",
    "base: &b {id: y5, name: Y5}\nfirms:\n- <<: *b\n  country: US\n",
    "firms:\n- {id: y6, name: !!binary aGVsbG8=}\n",
    "firms:\n- {id: y7, name: !!python/object/apply:os.system [echo pwned]}\n",
    "firms:\n- {id: y8, name: !!timestamp 2001-12-14}\n",
    "firms:\n- {id: y9, name: !!set {a, b}}\n",
    "firms:\n- {id: y10, name: !!omap [{a: 1}]}\n",
    "firms:\n- {id: y11, name: Y, aliases: !!pairs [[a, b]]}\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nfirms:\n- {id: y12, name: Y, aliases: *c}\n",
    "firms:\n- {id: y13, name: Y, notes: 0x" + "f" * 5000 + "}\n",
    "firms:\n- {id: y14, name: Y, notes: " + "9" * 5000 + "}\n",
    "firms:\n- {id: y15, name: Y, notes: .inf}\n",
    "firms:\n- {id: y16, name: NO, country: NO}\n",
    "? [a, b]\n: c\n",
    "firms:\n- {id: y17, name: \"\\ud800\"}\n",
    "firms:\n- {id: y18, name: \"\\x00\"}\n",
    "%YAML 1.1\n---\nfirms: []\n...\n---\nfirms: []\n",
    "firms:\n  - id: y19\n    name: Y\n  - id: y19\n    name: Z\n",
    "firms: " + "[" * 3000 + "]" * 3000 + "\n",
    "firms:\n- id: y20\n  name: Y\nfirms:\n- id: y21\n  name: Z\n",
    "!!python/name:os.system\n",
    "firms:\n- {id: y22, name: *undefined}\n",
    "\t\tfirms: [\n",
]


@pytest.mark.parametrize("fragment", range(len(YAML_FRAGMENTS)))
@fuzz(12)
@given(parts=st.lists(st.sampled_from(YAML_FRAGMENTS), max_size=3),
       glue=st.sampled_from(["", "\n", "---\n", "\r\n"]))
def test_yaml_features(fragment, parts, glue):
    text = glue.join([YAML_FRAGMENTS[fragment]] + parts)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _attempt("native: YAML features", [path])


# -- through the CLI --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_db(tmp_path_factory) -> Path:
    """An on-disk store holding the small dataset, checkpointed so that a copy is complete."""
    path = tmp_path_factory.mktemp("base") / "base.db"
    store = EmbeddedStore(path)
    load_paths(store, [SMALL])
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


def _copy_db(base: Path, to: Path) -> Path:
    target = to / "store.db"
    shutil.copy(base, target)
    return target


def _raw_dump(path: Path):
    con = sqlite3.connect(path)
    try:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
                for t in ("nodes", "rels", "names", "meta")]
    finally:
        con.close()


@fuzz(150)
@given(name=st.sampled_from(sorted(p.name for p in SMALL.iterdir())), data=st.data())
def test_cli_load_of_mutated_dataset(base_db, name, data):
    from click.testing import CliRunner
    content, _ = data.draw(mutated((SMALL / name).read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ds = tmp / "ds"
        shutil.copytree(SMALL, ds)
        (ds / name).write_bytes(content)
        db = _copy_db(base_db, tmp)
        before = _raw_dump(db)
        result = CliRunner().invoke(cli, ["load", "--store", str(db), str(ds)])
        check_cli_errors(result, [str(ds)])
        if result.exit_code == 1:
            assert _raw_dump(db) == before
        count("cli: load mutated dataset", "loaded" if result.exit_code == 0 else "rejected")


HOSTILE_FILES = {
    "deep.json": b"[" * 200_000,
    "long-number.json": b'{"firms": [{"id": "a", "name": "A", "notes": ' + b"1" * 5000 + b"}]}",
    "surrogate.json": b'{"firms": [{"id": "a", "name": "A\\udfff"}]}',
    "surrogate-key.json": b'{"firms": [{"id": "a", "name": "A", "x\\ud800\\n\\u001b[2J": 1}]}',
    "overflow.json": b'{"firms": [{"id": "a", "name": "A"}], "deals": [{"id": "d", "kind": '
                     b'"supply", "status": "signed", "title": "t", "value": 1' + b"0" * 400
                     + b', "currency": "USD", "sources": "s"}]}',
    "set.yaml": b"firms:\n- {id: a, name: !!set {a, b}}\n",
    "merge.yaml": b"<<: {firms: [{id: a, name: A}, {id: b, name: B}]}\nfirms2: 1\n",
    "terminal.csv": b"id,name,\x1b[2J\x1b[31mevil\n",
    "firms.csv": b"id,name\r\nx,\"unterminated\r\n",
    "latin1.csv": "id,name\nx,Société\n".encode("latin-1"),
    "people.csv": b"\xef\xbb\xbfid,name\r\np1,\x00\r\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_cli_subprocess_reports_hostile_files_in_one_line_each(tmp_path, base_db, name):
    """The real command in a real process (real stderr encoding): the files that found
    bugs before (tracebacks for deep nesting, long numbers, surrogates, YAML sets and
    merge keys; raw escape sequences echoed to the terminal)."""
    path = tmp_path / name
    path.write_bytes(HOSTILE_FILES[name])
    db = _copy_db(base_db, tmp_path)
    before = _raw_dump(db)
    proc = subprocess.run([sys.executable, "-m", "dealgraph", "load", "--store", str(db),
                           str(path)], capture_output=True, timeout=120)
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    assert "\x1b" not in err and "\x00" not in err, err
    if proc.returncode == 1:
        assert _raw_dump(db) == before
        lines = err.splitlines()
        if lines and lines[-1] == SKIP_HINT:  # the one line a failed load may add
            lines.pop()
        assert lines[-1].endswith("nothing was loaded."), err
        assert all(line.startswith(f"error: {path}") for line in lines[:-1]), err
    else:
        assert proc.returncode == 0, err
    count("cli subprocess: known hostile files", "loaded" if proc.returncode == 0 else "rejected")


def test_a_cell_beyond_the_csv_field_limit_is_a_clear_error(tmp_path):
    """csv.field_size_limit is process-wide (followthemoney raises it to 30 MB when it is
    imported), so the cell is refused either by the CSV reader or by the text limit."""
    path = tmp_path / "firms.csv"
    with open(path, "wb") as fh:
        fh.write(b'id,name\nx,"')
        fh.write(b"a" * 32_000_000)
        fh.write(b'"\n')
    store = _base_store()
    before = dump_embedded(store)
    with pytest.raises(LoadError, match="malformed CSV: field larger than field limit|"
                                        "is longer than 10000 characters"):
        load_paths(store, [path])
    assert dump_embedded(store) == before
