"""Fuzzing loads that set bad rows aside (``skip_bad_rows``).

Files of a valid dataset (native CSV, and a mapped CSV export) are damaged at the byte
level (stray quotes, truncation, NUL bytes, huge cells, shifted cells... see
hostile.MUTATIONS) and loaded with ``skip_bad_rows``. Every run must end in one of:

* a ``LoadError`` of problems with a file as a whole, and the store untouched; or
* a load after which the store holds exactly the valid records: the input with the rows
  of the rejects file removed loads strictly (without a single error) into a fresh
  store, and gives the same store, row for row; nothing is half-written (every deal
  has a party, every party row both its ends); and loading again changes nothing.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.loaders import load_paths

from .hostile import MAPPING_DIR, SMALL, count, dump_embedded, fuzz, mutated

_BREAK = re.compile(r"\r\n|\r|\n")


def _rows(store) -> dict:
    dump = dump_embedded(store)
    dump.pop("generation")
    return dump


def _without_rejected(rejects: Path, root: Path) -> None:
    """Remove from the files under ``root`` the physical lines of every row set aside."""
    with open(rejects, newline="", encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    by_file: dict[str, list[tuple[int, int]]] = {}
    for r in rejected:
        span = len(_BREAK.split(r["row"]))
        by_file.setdefault(r["file"], []).append((int(r["line"]), span))
    for file, spans in by_file.items():
        path = Path(file)
        assert path.resolve().is_relative_to(root.resolve()), file
        text = path.read_bytes().decode("utf-8-sig")
        parts = _BREAK.split(text)
        seps = _BREAK.findall(text) + [""]
        drop = {line - 1 + i for line, span in spans for i in range(span)}
        kept = "".join(p + s for n, (p, s) in enumerate(zip(parts, seps)) if n not in drop)
        path.write_text(kept, encoding="utf-8", newline="")


def _check_whole(store) -> None:
    """Nothing half-written: every deal has a party; every party row has both ends."""
    graph = store.subgraph(None)
    deals = {n.id for n in graph.of_label("Deal")}
    with_party = {r.dst for r in graph.rels if r.type == "PARTY_TO"}
    assert deals <= with_party, deals - with_party
    for r in graph.rels:
        assert r.src in graph.nodes and r.dst in graph.nodes, r


def _attempt(name: str, root: Path, paths: list[Path], mapping=None) -> None:
    store = EmbeddedStore(":memory:")
    before = _rows(store)
    rejects = root.parent / "rejects.csv"
    try:
        summary = load_paths(store, paths, mapping=mapping, skip_bad_rows=True,
                             rejects=rejects)
    except LoadError as exc:
        assert exc.problems and all(p.whole_file or p.file == str(mapping)
                                    or not p.file.startswith(str(root))
                                    for p in exc.problems), exc.problems
        assert _rows(store) == before, "the store changed although the load failed"
        assert not rejects.exists()
        count(name, "rejected")
        return
    loaded = _rows(store)
    _check_whole(store)
    again = load_paths(store, paths, mapping=mapping, skip_bad_rows=True, rejects=rejects)
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert again.set_aside == summary.set_aside
    # the rows kept are valid on their own, and are exactly what was loaded
    _without_rejected(rejects, root)
    oracle = EmbeddedStore(":memory:")
    try:
        load_paths(oracle, paths, mapping=mapping)  # strict: raises on any error
    except LoadError as exc:  # every row was set aside: nothing is left to load
        assert all(p.message == "has no data rows" for p in exc.problems), exc.problems
        assert not loaded["nodes"]
    assert _rows(oracle) == loaded
    count(name, "loaded")


@fuzz(60)
@given(name=st.sampled_from(sorted(p.name for p in SMALL.iterdir())), data=st.data())
@example(name="parties.csv", data=None)
def test_native_dataset_with_a_damaged_file(name, data):
    original = (SMALL / name).read_bytes()
    if data is None:  # the explicit example: a quote opened and never closed mid-file
        content = original.replace(b"d-stake,acme,", b'd-stake,"acme,', 1)
    else:
        content, _ = data.draw(mutated(original))
    with tempfile.TemporaryDirectory() as tmp:
        ds = Path(tmp) / "ds"
        shutil.copytree(SMALL, ds)
        (ds / name).write_bytes(content)
        _attempt("skip: native dataset, one file damaged", ds, [ds])


@fuzz(60)
@given(data=st.data())
@example(data=None)
def test_mapped_export_damaged(data):
    original = (MAPPING_DIR / "acquisitions.csv").read_bytes()
    if data is None:  # a cut-short last line and an unquoted comma
        content = original[:-40] + b"\n" + original.replace(b"Group,China", b"Group,Ch,ina")
    else:
        content, _ = data.draw(mutated(original))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        root.mkdir()
        path = root / "acq.csv"
        path.write_bytes(content)
        _attempt("skip: mapped CSV export damaged", root, [path],
                 mapping=MAPPING_DIR / "acquisitions.yaml")


_CELLS = ['"', '""', "", "Mar 32, 2015", "1201", "3201-01-01", "-5", "XX", "Narnia", "n/a",
          "/organization/x", "a\nb", '"a\nb"', "Done", "1,2", "x" * 300]


@st.composite
def damaged_rows(draw, text: str) -> str:
    """``text`` (a CSV file) with a few rows damaged: a stray quote, a comma more or
    less, a row cut short, a cell replaced by a bad or implausible value."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(1, len(lines) - 1))
        line = lines[i]
        how = draw(st.sampled_from(["quote", "comma+", "comma-", "cut", "cell"]))
        at = draw(st.integers(0, len(line)))
        if how == "quote":
            line = line[:at] + '"' + line[at:]
        elif how == "comma+":
            line = line[:at] + "," + line[at:]
        elif how == "comma-" and "," in line:
            j = draw(st.sampled_from([k for k, c in enumerate(line) if c == ","]))
            line = line[:j] + line[j + 1:]
        elif how == "cut":
            line = line[:at]
        else:
            cells = line.split(",")
            cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(_CELLS))
            line = ",".join(cells)
        lines[i] = line
    return "\n".join(lines)


@fuzz(80)
@given(data=st.data(), mapped=st.booleans())
def test_rows_damaged_in_place(data, mapped):
    """Row-level damage, native or mapped: most runs set some rows aside and load the rest."""
    source = MAPPING_DIR / "acquisitions.csv" if mapped else SMALL / "parties.csv"
    content = data.draw(damaged_rows(source.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "in"
        if mapped:
            root.mkdir()
            (root / "acq.csv").write_text(content, encoding="utf-8")
            _attempt("skip: rows damaged in place", root, [root / "acq.csv"],
                     mapping=MAPPING_DIR / "acquisitions.yaml")
        else:
            shutil.copytree(SMALL, root)
            (root / "parties.csv").write_text(content, encoding="utf-8")
            _attempt("skip: rows damaged in place", root, [root])
