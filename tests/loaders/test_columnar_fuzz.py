"""Differential fuzzing: the columnar load of a native CSV dataset against the row-by-row load.

Each example is a small dataset (tests/data/small, a generated one, tests/data/payments
with its model extension, or one whose extension gives parties a value, a currency and
dates) with what real exports contain mutated into it: padded and quoted cells, Unicode
spaces, BOMs, CRLF, headers in other case, values in other forms, odd ids, list cells
with stray separators, long cells, bytes that are not UTF-8, combining characters,
control characters, rows and columns dropped, repeated or reordered, a kind split over
two files, gzip. It is loaded plain or with skip_bad_rows, the directory or some files
in any order, the columnar path in batches of 2, 3 or 100,000 rows, into a fresh store
by each path or over its base dataset (loaded first by that path); the two must agree
exactly: the summary or the problems in order, every row of the store (properties'
JSON text, relationships, name index), and the rejects file.

A second property sets many cells of the columns the model's rules read to values of
their type, so that combinations across fields come up (with a larger budget it finds
the party rules the columnar path once did not check).

The columnar path may refuse anything (the row-by-row load then runs); what it takes
it must store as the row-by-row path would. ``hypothesis.event`` counts how many
examples it took (``pytest --hypothesis-show-statistics``). Derandomized, so CI runs
the same examples every time; ``FUZZ_SEED=n`` runs others, ``HYPOTHESIS_PROFILE=long``
or ``FUZZ_EXAMPLES`` more.
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import event, given, seed, settings
from hypothesis import strategies as st

import dealgraph.loaders.columnar as columnar
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL
from dealgraph.synth import generate, write_csv_dataset

from ..conftest import watch_loader
from ..security.hostile import dump_embedded, fuzz
from .test_columnar import DATA, _load, _state

# -- the datasets mutated ---------------------------------------------------------------


def _tables(root: Path) -> dict[str, list[list[str]]]:
    """Every CSV file of ``root`` as its rows of cells, the header first."""
    out = {}
    for path in sorted(root.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            out[path.name] = [row for row in csv.reader(fh)]
    return out


def _generated() -> dict[str, list[list[str]]]:
    with tempfile.TemporaryDirectory() as tmp:
        return _tables(write_csv_dataset(generate(8, seed=5), Path(tmp) / "data"))


# a model extension giving parties the fields the model's rules read, and entities a number
PARTY_MONEY = """extension: party-money
fields:
  Party:
    value: {type: number}
    value_high: {type: number}
    currency: {type: currency}
    announced: {type: date}
    end: {type: date}
  Entity:
    staff: {type: integer}
"""


def _party_money() -> dict[str, list[list[str]]]:
    """The small dataset with the party-money extension's columns, some filled."""
    tables = _tables(DATA / "small")
    extra = [["100", "200", "USD", "2024-01", "2025"], ["5", "", "EUR", "", ""],
             ["", "", "", "2023", "2023-06-30"]]
    parties = tables["parties.csv"]
    parties[0] += ["value", "value_high", "currency", "announced", "end"]
    for i, row in enumerate(parties[1:]):
        row += extra[i] if i < len(extra) else [""] * 5
    for name in ("firms.csv", "people.csv", "governments.csv"):
        tables[name][0].append("staff")
        for i, row in enumerate(tables[name][1:]):
            row.append(["12", "", "1e3", "0"][i % 4])
    return tables


BASES = {"small": _tables(DATA / "small"), "generated": _generated(),
         "payments": _tables(DATA / "payments"), "party-money": _party_money()}
MODELS = {"payments": (DATA / "payments" / "model.yaml").read_text(encoding="utf-8"),
          "party-money": PARTY_MONEY}
IDS = sorted({row[0] for tables in BASES.values() for name, rows in tables.items()
              if name != "parties.csv" for row in rows[1:]})

# -- what real exports put in cells -----------------------------------------------------

SPACES = [" ", "  ", "\t", "\u00a0", "\u2007", "\u202f", "\u3000", "\u200b", "\ufeff",
          "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u2028", "\u2029", "\u180e", "\u2060"]
INSIDE = SPACES + ['"', '""', "'", ",", "|", "||", ";", "\x01", "\x07", "\x1b", "\x7f",
                   "\u0301", "\u202e", "\r", "\n", "\r\n", "\x00", "\\", "é", "e\u0301",
                   "\U0001f600", "\ud7ff", "\uffff", "\U0010ffff", "\ue001", "#", "="]
VALUES = [
    # enums in other forms
    "Acquisition", "ACQUISITION", "acquisition ", "Stake Offer", "stake-offer", "stake/offer",
    "IN TALKS", "in-talks", "Signed", "Listed", "STATE", "Private", "national", "Ministry",
    "Supplier", "CUSTOMER", "offeror ", "Target", "partner", "unknown",
    # dates
    "2024-1-5", "2024/01/05", "20240105", "2024-01", "2024", "2024-02-30", "2024-02-29",
    "2023-02-29", "1201-01", "2024-13", "2024-00", "2024-01-01T00:00", "24-01-05",
    "\uff12\uff10\uff12\uff14", "2027", "1800", "3000",
    # numbers
    "1e3", " 5", "05", "1,000", "1_000", "nan", "inf", "-inf", "-0", "-5", "0x10", "1e400",
    "3.5", "150000000.0", "\uff11\uff12", "+7", ".5", "5.", "100", "101", "99.999", "0",
    "2000000000", "1000000000", "9007199254740993", "1e-400",
    # countries and currencies
    "us", "USA", "United States", "Germany", "XX", "us|de", "US|US", "de|", "|DE", "Taiwan",
    "usd", "EUR", "XXX", " eur", "US Dollar",
    # urls
    "http://x", "HTTPS://X.org", "https://a.org/ b", "ftp://x", "https://", "https://a.org/[",
    "http://[::1]/", "https://a.org:99999/", "https://a_b.org/", "https://a.org/\u00e9",
    "https://example.org/acme-beta", "http://.", "https://a.org/?q=1&r=2#x",
    # words that mean nothing to CSV but might to a reader
    "true", "false", "NULL", "null", "N/A", "NaN", "-", "None", "=SUM(A1)", "#x",
    # ids
    "/organization/x", "a b", "A", "a", "ACME", "Acme", "acme ", " acme", "acme\t", "a" * 200,
    "a" * 201, "_x", "x.y:z-1", "é", "acme|beta", "acme||beta", "|acme", "acme|", "acme|acme",
    "acme | beta", "src-one|src-one", "src-one", "src-two", "d-supply", "us-gov",
]


def _pad(draw, value):
    space = draw(st.sampled_from(SPACES))
    side = draw(st.sampled_from(["left", "right", "both"]))
    return (space if side != "right" else "") + value + (space if side != "left" else "")


def _inside(draw, value):
    at = draw(st.integers(0, len(value)))
    return value[:at] + draw(st.sampled_from(INSIDE)) + value[at:]


def _long(draw, value):
    unit = draw(st.sampled_from(["x", "é", "\u4e2d", "\U0001f600", "ab|"]))
    size = draw(st.sampled_from([9_998, 9_999, 10_000, 10_001, 3_334, 2_500, 5_000]))
    return (value + unit * size)[:size] if unit != "ab|" else ("ab|" * size)[:size]


def _list(draw, value):
    other = draw(st.sampled_from(IDS + ["x", "Acme", " y"]))
    return draw(st.sampled_from([
        f"{value}|", f"|{value}", f"{value}||{other}", f"{value}|{value}", f"{value} | {other}",
        f"{value}|{other}", f"{value}|{other}|", "|", "||", f"{value}|{other.upper()}",
        f"{value}|\u200b", f"{value}|{other}|{value}"]))


def _bytes(draw, value):
    """A placeholder the writer turns into bytes that are not (or odd) UTF-8."""
    at = draw(st.integers(0, len(value)))
    return value[:at] + chr(0xE000 + draw(st.integers(0, len(RAW_BYTES) - 1))) + value[at:]


RAW_BYTES = [b"\xff", b"\xe9", b"\xed\xa0\x80", b"\xc0\x80", b"\xef\xbb\xbf", b"\xf4\x90\x80\x80",
             b"\xc3", b"\x80", "Soci\u00e9t\u00e9".encode("latin-1"), "\u201c".encode("cp1252")]

CELL_CHANGES = {
    "pad": _pad,
    "inside": _inside,
    "value": lambda draw, value: draw(st.sampled_from(VALUES)),
    "id": lambda draw, value: draw(st.sampled_from(IDS)),
    "upper": lambda draw, value: value.upper(),
    "title": lambda draw, value: value.title(),
    "nfd": lambda draw, value: unicodedata.normalize("NFD", value + draw(st.sampled_from(
        ["é", "Å", "ñ", "\u1e9b\u0323", "\uac00"]))),
    "combining": lambda draw, value: draw(st.sampled_from(["\u0301", "\u200d", "\u0308"])) + value,
    "long": _long,
    "blank": lambda draw, value: draw(st.sampled_from(["", " ", "  ", "\t", "\u00a0", '""'])),
    "list": _list,
    "bytes": _bytes,
    "text": lambda draw, value: draw(st.text(max_size=8)),
}

# -- how the files are written ----------------------------------------------------------

def _cell_text(value: str, quoting: str) -> str:
    needs = any(c in value for c in ',"\r\n')
    if quoting == "raw" or (quoting == "minimal" and not needs) or \
            (quoting == "nonnumeric" and (value.replace(".", "", 1).isdigit() or not value)):
        return value
    return '"' + value.replace('"', '""') + '"'


# each layout option's other values (PLAIN below is the usual file)
LAYOUT = {
    "quoting": ["all", "raw", "nonnumeric"],
    "crlf": [True],
    "final_newline": [False],
    "bom": [b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf"],
    "header": ["upper", "title", "padded", "nbsp", "quoted", "tabbed"],
    "trailing": ["header and rows", "rows", "rows space"],
    "end": [b"\n", b"\r\n", b" \n", b",,,\n", b"\x00"],
    "gzip": [True],
}
PLAIN = {"quoting": "minimal", "crlf": False, "final_newline": True, "bom": b"",
         "header": "as is", "trailing": None, "end": b"", "gzip": False}


def _header_cell(name: str, style: str) -> str:
    return {"as is": name, "upper": name.upper(), "title": name.title(),
            "padded": f"  {name} ", "nbsp": f"\u00a0{name}", "quoted": f'"{name}"',
            "tabbed": f"\t{name}"}[style]


def _write(path: Path, rows: list[list[str]], layout: dict) -> Path:
    """``rows`` as a CSV file laid out as ``layout`` says (placeholders made bytes)."""
    end = "\r\n" if layout["crlf"] else "\n"
    lines = []
    for i, row in enumerate(rows):
        if i == 0:
            style = layout["header"]
            cells = [_header_cell(c, style) if style != "quoted" else f'"{c}"' for c in row]
            if style != "quoted":
                cells = [_cell_text(c, layout["quoting"]) if layout["quoting"] == "all"
                         else _cell_text(c, "minimal") for c in cells]
        else:
            cells = [_cell_text(c, layout["quoting"]) for c in row]
        trailing = layout["trailing"]
        if trailing == "header and rows" or (trailing and i > 0):
            cells.append(" " if trailing == "rows space" else "")
        lines.append(",".join(cells))
    text = end.join(lines) + (end if layout["final_newline"] else "")
    data = layout["bom"] + text.encode("utf-8", "surrogatepass")
    for n, raw in enumerate(RAW_BYTES):
        data = data.replace(chr(0xE000 + n).encode("utf-8"), raw)
    data += layout["end"]
    if layout["gzip"]:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path


# -- a dataset ------------------------------------------------------------------------------

ROW_CHANGES = ["drop row", "repeat row", "drop column", "swap columns", "swap rows"]


def _change_rows(draw, rows: list[list[str]]) -> None:
    r = draw(st.integers(1, len(rows) - 1))
    c = draw(st.integers(0, len(rows[0]) - 1))
    change = draw(st.sampled_from(ROW_CHANGES))
    if change == "drop row":
        del rows[r]
    elif change == "repeat row":
        rows.insert(draw(st.integers(1, len(rows))), list(rows[r]))
    elif change == "drop column":
        for row in rows:
            del row[c]
    elif change == "swap columns":
        for row in rows:
            row[0], row[c] = row[c], row[0]
    else:
        rows[1], rows[r] = rows[r], rows[1]


@st.composite
def dataset(draw) -> dict:
    """A dataset with one to three things changed (a cell, a file's rows or columns, the
    way a file is written), so that the columnar path takes a fair share of them: its
    base, each file's rows and layout, and how it is loaded."""
    base = draw(st.sampled_from(sorted(BASES)))
    tables = {name: [list(r) for r in rows] for name, rows in BASES[base].items()}
    names = sorted(tables)
    layouts = {name: dict(PLAIN) for name in names}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(names))
        rows = tables[name]
        what = draw(st.sampled_from(["cell"] * 6 + ["rows", "layout", "layout", "split"]))
        if what == "split" and len(rows) > 2 and name.islower():
            # the rows from the middle on in a second file of the kind ("FIRMS.csv")
            half = len(rows) // 2
            tables[name.upper()[:-4] + ".csv"] = [list(rows[0])] + rows[half:]
            layouts[name.upper()[:-4] + ".csv"] = dict(PLAIN)
            del rows[half:]
        elif what == "layout":
            option = draw(st.sampled_from(sorted(LAYOUT)))
            layouts[name][option] = draw(st.sampled_from(LAYOUT[option]))
        elif len(rows) < 2 or len(rows[0]) < 2 or what == "split":
            continue
        elif what == "rows":
            _change_rows(draw, rows)
        else:
            r = draw(st.integers(1, len(rows) - 1))
            c = draw(st.integers(0, len(rows[0]) - 1))
            change = draw(st.sampled_from(sorted(CELL_CHANGES)))
            rows[r][c] = CELL_CHANGES[change](draw, rows[r][c])
    over = draw(st.sampled_from([None, None, "directory", "some files"]))
    # files named one by one, in any order (the one file twice, at times)
    some = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3,
                         unique=draw(st.integers(0, 5)) > 0)) if over == "some files" else None
    return {"base": base, "tables": tables, "layouts": layouts, "over": over, "files": some,
            "skip": draw(st.integers(0, 4)) == 0, "chunk": draw(st.sampled_from([2, 3, 100_000]))}



def _materialise(ds: dict, root: Path) -> list[Path]:
    """Write the dataset under ``root``; the paths to load."""
    data = root / "data"
    data.mkdir()
    if ds["base"] in MODELS:
        (data / "model.yaml").write_text(MODELS[ds["base"]], encoding="utf-8")
    written = {name: _write(data / name, rows, ds["layouts"][name])
               for name, rows in ds["tables"].items()}
    return [data] if ds["files"] is None else [written[n] for n in ds["files"]]


# -- the property -----------------------------------------------------------------------


def _both_ways(root: Path, ds: dict, paths: list, bases: dict, monkeypatch) -> list:
    """(outcome, state, rows of the store, rejects) of the load by each path, each into
    its own store: a fresh one, or a copy of the base dataset loaded by that path."""
    out = []
    with monkeypatch.context() as m:
        taken = watch_loader(m, columnar, "load_columnar")
        m.setattr(columnar, "CHUNK", ds["chunk"])  # batches of a few rows: checks across them
        for use in (True, False):
            db = root / f"{use}.db"
            if ds["over"] is not None:  # its base, loaded the same way, is stored
                shutil.copyfile(bases[ds["base"], use], db)
            store = EmbeddedStore(db)
            rejects = root / f"{use}.rejects.csv"
            options = {"skip_bad_rows": True, "rejects": rejects} if ds["skip"] else {}
            try:
                outcome = _load(store, paths, use, monkeypatch, **options)
                if not isinstance(outcome, list) and ds["skip"]:
                    outcome.rejects = None  # its name differs; its text is compared
                out.append((outcome, _state(store), dump_embedded(store),
                            rejects.read_bytes() if rejects.exists() else None))
            finally:
                store.close()
            if use:
                event(f"columnar path took the load: {bool(taken and taken[-1])}")
    return out


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict:
    """Each base dataset as it is, loaded by each path (the same, as test_columnar holds),
    in a store file that examples loading over it copy: (base, columnar) -> file."""
    root = tmp_path_factory.mktemp("bases")
    out = {}
    with pytest.MonkeyPatch.context() as m:
        for base in BASES:
            data = root / base
            data.mkdir()
            paths = _materialise({"base": base, "tables": BASES[base], "files": None,
                                  "layouts": {n: PLAIN for n in BASES[base]}}, data)
            for use in (True, False):
                out[base, use] = data / f"{use}.db"
                store = EmbeddedStore(out[base, use])
                assert not isinstance(_load(store, paths, use, m), list), base
                store.close()
    return out


EXAMPLES = 150  # about 17 s on a 2-core machine
TYPED_EXAMPLES = 80  # about 8 s
# FUZZ_SEED=n explores other examples than CI's (which are the same on every run)
_SEED = os.environ.get("FUZZ_SEED")


def _loads_the_same(ds: dict, bases: dict, monkeypatch) -> None:
    """The dataset ``ds`` loads alike by both paths: outcome, state, the store's rows and
    the rejects file."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = _materialise(ds, Path(tmp))
        (new, new_state, new_rows, new_rejects), (old, old_state, old_rows, old_rejects) = \
            _both_ways(Path(tmp), ds, paths, bases, monkeypatch)
    assert new == old
    assert new_state == old_state
    assert new_rows == old_rows
    assert new_rejects == old_rejects


def _seeded(test):
    return seed(int(_SEED))(test) if _SEED is not None else test


@_seeded
@settings(fuzz(EXAMPLES), derandomize=_SEED is None, database=None)
@given(ds=dataset())
def test_the_columnar_load_stores_what_the_row_load_stores(monkeypatch, bases, ds):
    _loads_the_same(ds, bases, monkeypatch)


# -- values by field type ---------------------------------------------------------------
# The property above changes a few cells of any column; this one changes many cells of
# the columns that matter to the model's checks, each to a value of its field's type in
# some other form, so that combinations (a value above its value_high, a currency left
# out, an end before the start, a reference to a record of the wrong kind, one id twice)
# come up often.

# per type: values the row-by-row load takes (some reworded), then values it refuses
TYPED = {
    "date": (["2024", "2024-01", "2024-01-05", "2023-06-30", "2025", "2022-12", " 2024-03 "],
             ["2024-1-5", "2024/01/05", "20240105", "1201-01", "2200", "2024-02-30"]),
    "number": (["0", "5", "100", "200", "1e3", "-0", "05", " 5", "1_000", "2.5", "150000000.0"],
               ["-5", "1,000", "nan", "inf", "1e400"]),
    "percent": (["0", "3", "5", "50", "100", "2.5", " 7"], ["101", "-1"]),
    "integer": (["0", "12", "1e3", "1.0", "-3", "012"], ["1.5", "99999999999999999999"]),
    "currency": (["USD", "EUR", "usd", " eur"], ["XXX", "US$"]),
    "country": (["US", "us", "USA", "Germany", "DE", " TW"], ["XX"]),
    "countries": (["US", "us|de", "US|US", "de|", "|DE", "Taiwan"], ["CN|XX"]),
    "text": (["Acme", "acme", " Acme", "Acme ", "\u00a0Acme", "A\u0301cme", "\u00c1cme",
              "x" * 9_998, "a\tb", "Acme\u200b", '"Acme"', "Acme, Inc."], ["x" * 10_001]),
    "list": (["Acme|ACME", "Acme|Acme", "Acme||B", "|Acme", "Acme|", "Acme | B",
              "a\u0301|\u00e1"], ["|".join(["x" * 5_000] * 3)]),
    "url": (["https://example.org/a", "http://x", "HTTPS://X.org", " https://a.org "],
            ["ftp://x", "https://", "https://a.org/ b", "example.org"]),
}


def _typed_pool(model, field, ids: list[str]) -> tuple[list[str], list[str]]:
    """Values to try in a cell of ``field`` of ``model``: of its type, in several forms;
    those the row-by-row load takes, and others (ids: of the dataset, so that a
    reference may be to a record of the wrong kind, or an id given twice)."""
    if field.type == "enum":
        values = list(model.enums[field.enum].values)[:4]
        return values + [v.upper() for v in values[:2]] + \
            [v.replace("_", " ").title() for v in values[:2]] + [" " + values[0]], ["unknown"]
    if field.type in ("id", "ref", "refs"):
        return ids, ["/organization/x", "a b", "é", "ACME", f"{ids[0]}|{ids[0]}"]
    return TYPED.get(field.type, TYPED["text"])


# the columns the checks across fields read (those of the model's rules), and the
# extensions' party columns
HOT = {"value", "value_high", "currency", "valuation_low", "valuation_high", "stake_low",
       "stake_high", "announced", "end", "share", "role", "note"}


@st.composite
def typed_dataset(draw) -> dict:
    """A base dataset with, in one or two files, some cells of one to three of its
    columns (mostly those the checks across fields and records read) each set to a
    value of that column's type, or left blank."""
    from dealgraph.graph.extension import extended_model, parse_extension
    base = draw(st.sampled_from(["small", "party-money", "party-money", "payments"]))
    model = extended_model(parse_extension(MODELS[base])) if base in MODELS else MODEL
    tables = {name: [list(r) for r in rows] for name, rows in BASES[base].items()}
    ids = sorted({row[0] for name, rows in tables.items() if name != "parties.csv"
                  for row in rows[1:]})
    for name in draw(st.lists(st.sampled_from(sorted(tables)), min_size=1, max_size=2,
                              unique=True)):
        rows = tables[name]
        kind = model.by_file[name[:-4]]
        header = [h.strip().lower() for h in rows[0]]
        hot = [i for i, h in enumerate(header) if h in HOT]
        for _ in range(draw(st.integers(1, 3))):
            c = draw(st.sampled_from(hot) if hot and draw(st.integers(0, 3))
                     else st.integers(0, len(header) - 1))
            field = kind.fields[header[c]]
            good, bad = _typed_pool(model, field, ids)
            for row in rows[1:]:
                if draw(st.integers(0, 3)) == 0:
                    pick = draw(st.integers(0, 5))
                    row[c] = "" if pick < 2 and not field.required else \
                        draw(st.sampled_from(good if pick < 5 else bad))
    return {"base": base, "tables": tables, "layouts": {n: dict(PLAIN) for n in tables},
            "over": draw(st.sampled_from([None, "directory"])), "files": None,
            "skip": draw(st.integers(0, 3)) == 0,
            "chunk": draw(st.sampled_from([2, 100_000]))}


@_seeded
@settings(fuzz(TYPED_EXAMPLES), derandomize=_SEED is None, database=None)
@given(ds=typed_dataset())
def test_values_of_each_type_load_the_same_by_both_paths(monkeypatch, bases, ds):
    _loads_the_same(ds, bases, monkeypatch)


def test_the_fuzzed_layouts_are_read_by_the_row_load(tmp_path):
    """The writer above makes files the row-by-row reader takes (so the property does
    not only compare two refusals): the small dataset in every layout option loads."""
    from dealgraph.loaders import load_paths
    for option, values in [("quoting", ["all", "nonnumeric"]), ("crlf", [True]),
                           ("final_newline", [False]), ("bom", [b"\xef\xbb\xbf"]),
                           ("header", ["upper", "title", "padded", "nbsp", "quoted", "tabbed"]),
                           ("trailing", ["rows", "rows space"]), ("gzip", [True])]:
        for value in values:
            root = tmp_path / f"{option}-{value!r}"
            root.mkdir()
            for name, rows in BASES["small"].items():
                _write(root / name, rows, {**PLAIN, option: value})
            summary = load_paths(EmbeddedStore(":memory:"), [root])
            assert (summary.created, summary.rels_added) == (11, 18), (option, value)
