"""Differential fuzzing: the columnar load of mapped CSV files against the row-by-row one.

Each example is a small CSV file and a mapping for it, both drawn: the mapping's entity
ids (a slug of the name, an id column with or without ``slug: true``, an ``id_prefix``),
``map:`` on status, kind and role, fixed values, templates (literal text, empty slots,
double spaces), ``default:``, ``empty_values``, date ``format:``, ``split:`` lists,
``transform:`` steps, ``on_conflict`` per field or for the mapping, a deal id column (one
deal over several rows), one or two source specs, a party note, ``;`` or tab delimiters;
and the cells: padded, NBSP and Unicode spaces, quoted, names differing in case, countries
as names, codes or unknown, amounts in many forms, dates in the format and not, implausible
years, empty roles, repeated rows, rows naming only one entity, ids colliding with deal or
source ids, one firm on both sides, an empty file, a mapped column missing from the header.
Some examples load with ``strict`` or ``skip_bad_rows``.

The columnar path may refuse anything (the row-by-row load then runs); what it takes it
must load as the row-by-row path does: the same summary (warnings in order) or problems,
the same store, the same rejects. Derandomized, so CI runs the same examples every time;
``FUZZ_SEED=n`` runs others, ``FUZZ_EXAMPLES`` more.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml
from hypothesis import event, given, seed, settings
from hypothesis import strategies as st

import dealgraph.loaders.columnar_mapping as columnar_mapping
from dealgraph.graph.embedded import EmbeddedStore

from ..conftest import watch_loader
from ..security.hostile import dump_embedded, fuzz
from .test_columnar_mapping import _load, _state

# -- cells ------------------------------------------------------------------------------

# per column: cells a clean export has, then cells of messier ones
COLUMNS = {
    "Acquirer": (["Northwind Holdings", "Alder Robotics", "Brightwater AB", "Acme",
                  "Société Générale"],
                 ["NORTHWIND HOLDINGS", "northwind holdings", "Alder  Robotics",
                  " Alder Robotics ", "\u00a0Alder Robotics", "Societe Generale", "华为",
                  '"Quoted" Co', "Acme, Inc.", "deal-x", "src-one", "ACME", ""]),
    "Acquirer Country": (["US", "Germany", "DE", "China", "CN", "Sweden"],
                         ["us", "United States", "Atlantis", "", " GB ", "XX", "HK"]),
    "Acquirer ID": (["nw-1", "alder", "bw-2", "acme"],
                    ["NW-1", "nw 1", "/organization/alder", "deal-x", "src-one", "a.b:c", "",
                     " nw-1 ", "Acme"]),
    "Target": (["Cobalt Pumps", "Delta Chips", "Echo Labs"],
               ["Acme", "COBALT PUMPS", "cobalt pumps", " Delta Chips", "Delta\u00a0Chips", "", "華",
                "Echo  Labs", "nw-1"]),
    "Target Country": (["US", "Germany", "FR", "Japan"],
                       ["", "Atlantis", "fr", "  Japan", "n/a"]),
    "Sector": (["robots", "chips", "pumps"], ["", "Robots", "n/a", "-", "  banking  "]),
    "Aliases": (["NW", "Northwind"], ["NW|Northwind", "NW;Northwind", "", "NW||NW", "|x",
                                      "NW | N W"]),
    "Announced": ([], []),  # see DATES
    "Price": (["1250000", "56000000", "100"],
              ["1,250,000", "5.6E7", "$3bn", "twelve", "-5", "", " 2.5 ", "1,2", "0", "n/a",
               "3 million"]),
    "Currency": (["USD", "EUR"], ["usd", "", "$", "XXX"]),
    "Status": (["Completed", "completed", "Announced", "Cancelled"],
               ["", "Pending", "Rumoured", " signed ", "In talks", "COMPLETED"]),
    "Kind": (["acquisition", "partnership", "Joint Venture"],
             ["Acquisition", "", "JV", "stake", "merger"]),
    "Role": (["acquirer", "investor"], ["Acquirer", "", "buyer", "nonsense", "offeror"]),
    "Note": (["lead", ""], ["  lead  ", "x" * 20, "n/a"]),
    "Source": (["https://www.news.example.org/a", "https://news.example.org/b",
                "https://news.example.org/c"],
               ["http://x", "", "ftp://x", "not a url", "https://a.org/ b", "HTTPS://X.org",
                "https://user@www.www.example.org/a", "https://WWW.example.org:8080",
                "https://www./x"]),
    "Source ID": (["src-one", "src-two", "src-three"], ["", "deal-x", "nw-1", "not an id"]),
    "Deal ID": (["d1", "d2", "d3", "d4"], ["D1", "", "d 3", "nw-1", "src-one"]),
    "Parent": (["", "cobalt-pumps", "delta-chips"],
               ["northwind-holdings", "nw-1", "src-one", "nobody", "Cobalt Pumps"]),
    "Refs": (["", "src-one", "src-one|src-two"], ["src-one|src-one", "|src-two", "nobody",
                                                   "src-one;src-two"]),
    "Ownership": (["private", "", "listed"], ["State", "PRIVATE", "public"]),
    "End": (["", "2021-01-01", "2030"], ["2000-01-01", "1201", "soon"]),
    "High": (["", "99000000000"], ["5", "1,000", "-1"]),
    "Published": (["2015-03-25", "", "2016-01"], ["1201-01-01", "2999", "yesterday"]),
}
DATES = {False: (["2015-03-25", "2015-03", "2016", "2020-12-31"],
                 ["1201-01-01", "2999-01-01", "2015-02-30", "Mar 5, 2015", "", "n/a"]),
         True: (["Mar 05, 2015", "Jan 7, 2016", "Dec 31, 2020"],
                ["Mar 5, 1201", "Jan 1, 2999", "2015-03-25", "Marchish 5, 2015", "", "-"])}
PADS = ["", " ", "  ", "\u00a0", "\u2007", "\u3000", "\t"]


@st.composite
def cell(draw, column: str, fmt: bool, dirt: int) -> str:
    """A cell of ``column``: clean but for one in ``dirt`` (0: always clean)."""
    clean, messy = DATES[fmt] if column == "Announced" else COLUMNS[column]
    if dirt and draw(st.integers(0, dirt - 1)) == 0:
        value = draw(st.sampled_from(messy + DATES[not fmt][0]) if column == "Announced"
                     else st.sampled_from(messy))
        if draw(st.integers(0, 3)) == 0:
            value = draw(st.sampled_from(PADS)) + value + draw(st.sampled_from(PADS))
        return value
    return draw(st.sampled_from(clean))


# -- the mapping ------------------------------------------------------------------------


def _col(name: str, **options) -> dict:
    return {"column": name, **options}


TRANSFORMS = [[{"trim": True}], [{"strip_prefix": "/organization/"}], [{"case": "lower"}],
              [{"lookup": {"NW-1": "nw-1", "Acme": "acme-co"}}], [{"regex": "^(.+)$"}],
              {"case": "title"}, [{"trim": " ."}, {"case": "upper"}]]


@st.composite
def mapping(draw) -> dict:
    """A mapping over COLUMNS with features drawn; ``fmt`` says whether dates have a
    format (the cells are drawn to match)."""
    acquirer = {"type": "Firm", "name": _col("Acquirer"),
                "country": _col("Acquirer Country")}
    how = draw(st.sampled_from(["slug of name", "id", "id slug", "id transform"]))
    if how == "id":
        acquirer["id"] = _col("Acquirer ID")
    elif how == "id slug":
        acquirer["id"] = _col("Acquirer ID", slug=True)
    elif how == "id transform":
        acquirer["id"] = _col("Acquirer ID", transform=draw(st.sampled_from(TRANSFORMS)))
    if draw(st.booleans()):
        acquirer["id_prefix"] = draw(st.sampled_from(["firm-", "x:", "deal-", "src-"]))
    for field, spec in [("parent", _col("Parent")), ("sources", _col("Refs")),
                        ("ownership", _col("Ownership")), ("notes", {"template":
                                                                     "{Sector} {Note}"})]:
        if draw(st.integers(0, 3)) == 0:
            acquirer[field] = spec
    if draw(st.integers(0, 2)) == 0:
        acquirer["aliases"] = _col("Aliases", **({"split": ";"} if draw(st.booleans())
                                                 else {}))
    target = {"type": draw(st.sampled_from(["Firm", "Firm", "Person"])),
              "name": _col("Target")}
    if draw(st.booleans()):
        target["name"]["transform"] = draw(st.sampled_from(TRANSFORMS))
    if draw(st.booleans()):
        target["country"] = _col("Target Country", **({"default": "US"}
                                                      if draw(st.booleans()) else {}))
    if target["type"] == "Firm" and draw(st.booleans()):
        target["sector"] = _col("Sector", **({"on_conflict": draw(st.sampled_from(
            ["first", "last", "error"]))} if draw(st.booleans()) else {}))
    fmt = draw(st.booleans())
    deal: dict = {}
    deal["kind"] = draw(st.sampled_from([
        "acquisition", {"value": "partnership"},
        _col("Kind", map={"JV": "joint_venture", "stake": "stake_offer"}),
        _col("Kind", default="acquisition")]))
    deal["status"] = draw(st.sampled_from([
        _col("Status", map={"Pending": "announced", "Rumoured": None}),
        _col("Status", default="completed"), "completed",
        _col("Status", transform=[{"lookup": {"Pending": "announced"}}])]))
    title = draw(st.sampled_from([None, "{Acquirer} acquires {Target}",
                                  "{Acquirer}  buys  {Target}", "Deal {Deal ID}",
                                  "{Sector}", "{Acquirer}{Target}",
                                  # slots naming mapped values: the entities as merged
                                  # so far, the deal's other values
                                  "{acquirer.name} acquires {target.name}",
                                  "{acquirer.id}: {deal.kind}, {deal.announced}",
                                  "{target.country} {acquirer.aliases}",
                                  "{deal.summary}", "{deal.status} {Note}"]))
    if draw(st.integers(0, 3)) == 0:
        deal["summary"] = {"template": draw(st.sampled_from(
            ["{Acquirer} / {Sector}", "{acquirer.sector}", "{deal.title}"]))}
    if title is not None:
        deal["title"] = {"template": title}
    deal["announced"] = _col("Announced", format="%b %d, %Y") if fmt else _col("Announced")
    if draw(st.booleans()):
        deal["value"] = _col("Price")
        deal["currency"] = _col("Currency", **({"default": "USD"} if draw(st.booleans())
                                               else {}))
    if draw(st.integers(0, 3)) == 0:
        deal["end"] = _col("End")
    if "value" in deal and draw(st.integers(0, 2)) == 0:
        deal["value_high"] = _col("High")
    if draw(st.integers(0, 2)) == 0:
        deal["id"] = _col("Deal ID", **({"slug": True} if draw(st.booleans()) else {}))
        if draw(st.booleans()):
            deal["id_prefix"] = draw(st.sampled_from(["deal-", "", "nw-"]))
        if draw(st.integers(0, 3)) == 0:
            deal["status"] = _col("Status", on_conflict=draw(st.sampled_from(["first",
                                                                              "last"])))
    acq_party = {"entity": "acquirer", "role": draw(st.sampled_from([
        "acquirer", _col("Role"), _col("Role", map={"buyer": "acquirer"}),
        _col("Role", default="acquirer")]))}
    if draw(st.booleans()):
        acq_party["note"] = _col("Note")
    if draw(st.integers(0, 3)) == 0:
        acq_party["country"] = _col("Acquirer Country")
    out = {"entities": {"acquirer": acquirer, "target": target}, "deal": deal,
           "parties": [acq_party, {"entity": "target", "role": "target"}]}
    sources = [{"url": _col("Source"), "publisher": "Example Deal Tracker",
                "published": _col("Published")},
               {"url": _col("Source")},  # the publisher: the URL's host
               {"id": _col("Source ID"), "title": {"template": "Row of {Acquirer}"},
                "publisher": "Registry"},
               {"title": "Fixed list", "publisher": "Registry"}]
    chosen = draw(st.lists(st.sampled_from(range(len(sources))), min_size=1, max_size=2,
                           unique=True))
    if len(chosen) == 1:
        out["source"] = sources[chosen[0]]
    else:
        out["sources"] = [sources[i] for i in chosen]
    if draw(st.booleans()):
        out["empty_values"] = ["n/a", "-"]
    if draw(st.integers(0, 3)) == 0:
        out["on_conflict"] = draw(st.sampled_from(["first", "last", "error"]))
    return out, fmt


@st.composite
def example(draw) -> dict:
    m, fmt = draw(mapping())
    columns = list(COLUMNS)
    if draw(st.integers(0, 19)) == 0:  # a mapped column missing from the header
        columns.remove(draw(st.sampled_from(columns)))
    n = draw(st.sampled_from([0, 1, 3, 6, 10, 10, 25]))
    dirt = draw(st.sampled_from([0, 0, 0, 0, 0, 40, 15, 5]))
    rows: list[list[str]] = []
    for _ in range(n):
        if rows and draw(st.integers(0, 4)) == 0:
            rows.append(list(draw(st.sampled_from(rows))))  # a row given again
            continue
        row = [draw(cell(c, fmt, dirt)) for c in columns]
        if rows and draw(st.integers(0, 3)) == 0:  # the same firm again (a conflict?)
            row[0] = draw(st.sampled_from([r[0] for r in rows]))
        if "Target" in columns and columns[0] == "Acquirer" and draw(st.integers(0, 9)) == 0:
            row[columns.index("Target")] = row[0]  # one firm on both sides
        rows.append(row)
    if "Deal ID" in columns and rows and draw(st.booleans()):
        # few deal ids: parties spread over rows, fields filled by later rows
        at = columns.index("Deal ID")
        for row in rows:
            row[at] = draw(st.sampled_from(["d1", "d2"]))
    layout = draw(st.sampled_from(["csv", "csv", "csv", "semicolon", "tsv", "quoted"]))
    header = draw(st.sampled_from(["as is"] * 6 + ["lower", "padded", "crlf", "bom", "blank line",
                                                   "ragged", "twice"]))
    return {"mapping": m, "columns": columns, "rows": rows, "layout": layout, "header": header,
            "split": draw(st.sampled_from([None, None, None, 1, 2, 4])),
            "first": draw(st.sampled_from([None, None, None, 2, 5])),
            # loaded first through the mapping with the target's type the other one
            "first_other": draw(st.integers(0, 2)) == 0,
            "chunk": draw(st.sampled_from([2, 3, 100_000, 100_000])),
            "options": draw(st.sampled_from([{}] * 6 + [{"strict": True},
                                                         {"skip_bad_rows": True}]))}


def _quote(text: str, delimiter: str, always: bool) -> str:
    if always or any(c in text for c in (delimiter, '"', "\n", "\r")) or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _write(ex: dict, path: Path, rows: list[list[str]]) -> None:
    layout, style = ex["layout"], ex["header"]
    delimiter = {"semicolon": ";", "tsv": "\t"}.get(layout, ",")
    header = [{"lower": c.lower(), "padded": f" {c} "}.get(style, c) for c in ex["columns"]]
    if style == "twice":  # a column again, in other case, with other cells
        header.append(header[0].upper())
        rows = [row + ["Zed Corp"] for row in rows]
    lines = [delimiter.join(_quote(c, delimiter, layout == "quoted") for c in row)
             for row in [header] + rows]
    if style == "blank line" and len(lines) > 1:
        lines.insert(2, "")
    if style == "ragged" and len(lines) > 1:
        lines[1] += delimiter + "extra"
    text = ("\r\n" if style == "crlf" else "\n").join(lines) + "\n"
    path.write_bytes((b"\xef\xbb\xbf" if style == "bom" else b"") + text.encode("utf-8"))


def _materialise(ex: dict, root: Path) -> tuple[list[Path], Path, list[Path] | None]:
    """The data files, the mapping file and the files loaded first (or None)."""
    m = dict(ex["mapping"])
    if ex["layout"] == "semicolon":
        m["delimiter"] = ";"
    suffix = ".tsv" if ex["layout"] == "tsv" else ".csv"
    rows, at = ex["rows"], ex["split"]
    parts = [rows] if at is None or at >= len(rows) else [rows[:at], rows[at:]]
    paths = []
    for i, part in enumerate(parts):
        paths.append(root / f"deals{i}{suffix}")
        _write(ex, paths[-1], part)
    first = None
    if ex["first"] is not None and rows:  # some of the rows (changed) loaded before
        first = [root / f"first{suffix}"]
        _write(ex, first[0], [list(reversed(r)) if i == 1 else r
                              for i, r in enumerate(rows[:ex["first"]])])
    path = root / "mapping.yaml"
    path.write_text(yaml.safe_dump(m, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if first is not None and ex["first_other"]:
        target = dict(m["entities"]["target"])
        target["type"] = "Firm" if target["type"] == "Person" else "Person"
        target.pop("sector", None)
        other = {**m, "entities": {**m["entities"], "target": target}}
        first.append(root / "first-mapping.yaml")
        first[-1].write_text(yaml.safe_dump(other, allow_unicode=True, sort_keys=False),
                             encoding="utf-8")
    return paths, path, first


def _both_ways(root: Path, data: list, mapping_path: Path, first, options: dict, chunk: int,
               monkeypatch):
    out = []
    with monkeypatch.context() as m:
        taken = watch_loader(m, columnar_mapping, "load_mapped_columnar")
        m.setattr(columnar_mapping, "CHUNK", chunk)  # slices of a few rows: merged across
        for use in (True, False):
            store = EmbeddedStore(root / f"{use}.db")
            if first is not None:  # its own mapping, if it has one
                before = first[-1] if first[-1].suffix == ".yaml" else mapping_path
                _load(store, [p for p in first if p != before], before, use, monkeypatch)
            extra = dict(options)
            rejects = root / f"{use}.rejects.csv"
            if extra.get("skip_bad_rows"):
                extra["rejects"] = rejects
            try:
                outcome = _load(store, data, mapping_path, use, monkeypatch, **extra)
                if not isinstance(outcome, list) and extra.get("skip_bad_rows"):
                    outcome.rejects = None
                out.append((outcome, _state(store), dump_embedded(store),
                            rejects.read_bytes() if rejects.exists() else None))
            finally:
                store.close()
    event(f"columnar path took the load: {bool(taken and taken[-1])}")
    return out


EXAMPLES = 120
_SEED = os.environ.get("FUZZ_SEED")


def _seeded(test):
    return seed(int(_SEED))(test) if _SEED is not None else test


@_seeded
@settings(fuzz(EXAMPLES), derandomize=_SEED is None, database=None)
@given(ex=example())
def test_the_columnar_mapped_load_stores_what_the_row_load_stores(monkeypatch, ex):
    with tempfile.TemporaryDirectory() as tmp:
        data, mapping_path, first = _materialise(ex, Path(tmp))
        new, old = _both_ways(Path(tmp), data, mapping_path, first, ex["options"],
                              ex["chunk"], monkeypatch)
    assert new[0] == old[0]
    assert new[1:] == old[1:]
