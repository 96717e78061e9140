"""Fuzzing the mapping loader, mapping files and the FollowTheMoney loader.

Random and malformed mapping files (valid YAML with wrong shapes, and text-level
damage), malformed data under a good mapping, and malformed FtM streams: each
must end in success or a ``LoadError`` naming a file, and after a ``LoadError``
the store (holding tests/data/small) is exactly as before.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from dealgraph.cli import cli
from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.model import MODEL
from dealgraph.loaders import load_paths

from .hostile import (FTM_SAMPLE, MAPPING_DIR, SMALL, awkward_text, check_cli_errors, count,
                      dump_embedded, fuzz, mutated)

ACQ_CSV = MAPPING_DIR / "acquisitions.csv"
ACQ_MAP = MAPPING_DIR / "acquisitions.yaml"
FIL_CSV = MAPPING_DIR / "filings.csv"
FIL_JSONL = MAPPING_DIR / "filings.jsonl"
FIL_MAP = MAPPING_DIR / "filings.yaml"
HEADER = ACQ_CSV.read_text().splitlines()[0].split(",")


def _base_store() -> EmbeddedStore:
    store = EmbeddedStore(":memory:")
    load_paths(store, [SMALL])
    return store


def _attempt(name: str, paths: list[Path], roots: list[Path], **kwargs) -> str:
    """Load ``paths`` (with ``mapping=`` or ``input_format=``) into a store holding the
    small dataset; only success or a LoadError naming one of ``roots`` may happen, and a
    LoadError must leave the store as it was."""
    store = _base_store()
    before = dump_embedded(store)
    try:
        load_paths(store, paths, **kwargs)
    except LoadError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert any(problem.file.startswith(str(r)) for r in roots), problem
            str(problem)
        assert dump_embedded(store) == before, "the store changed although the load failed"
        count(name, "rejected")
        return "rejected"
    again = load_paths(store, paths, **kwargs)
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    count(name, "loaded")
    return "loaded"


# -- mapping files: valid YAML of the wrong shape ----------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**20), st.floats(),
                    awkward_text, st.sampled_from(
                        HEADER + ["Firm", "Government", "Person", "Deal", "acquirer",
                                  "target", "acquisition", "signed", "USD", "%b %d, %Y",
                                  "%Y", "{Acquirer}", "{Nope} {", ";", ",", "\\t", "",
                                  "utf-8", "latin-1", "utf-16", "rot13", "no-such-codec",
                                  "csv", "jsonl", "json", "xml", "https://x.example/a"]))
anything = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6) | scalars.filter(
        lambda v: isinstance(v, str)), inner, max_size=3)), max_leaves=8)
SPEC_KEYS = ["column", "value", "template", "entity", "default", "map", "format", "split",
             "scale", "decimal", "slug", "junk"]


@st.composite
def value_spec(draw):
    if draw(st.booleans()):
        return draw(scalars)
    keys = draw(st.lists(st.sampled_from(SPEC_KEYS), min_size=1, max_size=3, unique=True))
    out = {}
    for k in keys:
        if k == "column":
            out[k] = draw(st.sampled_from(HEADER) | scalars)
        elif k == "template":
            out[k] = "{" + draw(st.sampled_from(HEADER)) + "}" + draw(awkward_text)
        elif k == "map":
            out[k] = draw(st.dictionaries(st.text(max_size=8), scalars, max_size=3) | scalars)
        else:
            out[k] = draw(anything)
    return out


@st.composite
def entity_spec(draw):
    kind = draw(st.sampled_from(["Firm", "Government", "Person", "firm", "Deal", "Source",
                                 None, 5]))
    fields = list(MODEL.kinds[kind].fields) if kind in MODEL.kinds else ["name", "id"]
    out = {"type": kind}
    for f in draw(st.lists(st.sampled_from(fields + ["id_prefix", "junk"]), max_size=4,
                           unique=True)):
        out[f] = draw(value_spec()) if f != "id_prefix" else draw(scalars)
    if draw(st.booleans()):
        out["name"] = {"column": draw(st.sampled_from(HEADER))}
    return out


@st.composite
def mapping_tree(draw):
    out = {}
    names = draw(st.lists(st.sampled_from(["acquirer", "target", "x", ""]), max_size=3,
                          unique=True))
    if names or draw(st.booleans()):
        out["entities"] = {n: draw(entity_spec()) for n in names} if draw(st.integers(0, 5)) \
            else draw(anything)
    if draw(st.booleans()):
        deal_fields = [f for f in MODEL.kinds["Deal"].fields] + ["id_prefix", "junk"]
        out["deal"] = {f: draw(value_spec()) for f in draw(
            st.lists(st.sampled_from(deal_fields), max_size=5, unique=True))}
    if draw(st.booleans()):
        out["parties"] = draw(st.lists(st.fixed_dictionaries(
            {"entity": st.sampled_from(names + ["nobody"]) if names else scalars,
             "role": value_spec()}, optional={"note": value_spec(), "junk": scalars}),
            max_size=3)) if draw(st.integers(0, 4)) else draw(anything)
    for key in ("source", "sources", "format", "delimiter", "encoding", "empty_values",
                "junk"):
        if draw(st.integers(0, 3)) == 0:
            out[key] = draw(anything) if key not in ("source", "sources") else \
                {k: draw(value_spec()) for k in draw(st.lists(st.sampled_from(
                    ["url", "title", "publisher", "published", "id", "junk"]), max_size=3,
                    unique=True))}
    return out


@fuzz(300)
@given(tree=mapping_tree(), data=st.sampled_from([ACQ_CSV, FIL_CSV, FIL_JSONL]))
@example(tree={"encoding": "rot13", "entities": {"a": {"type": "Firm",
                                                       "name": {"column": "Acquirer"}}}},
         data=ACQ_CSV)
@example(tree={"encoding": "no-such-codec", "entities": {"a": {"type": "Firm",
                                                               "name": {"column": "Acquirer"}}}},
         data=ACQ_CSV)
@example(tree={"encoding": "utf-16", "entities": {"a": {"type": "Firm",
                                                        "name": {"column": "Acquirer"}}}},
         data=ACQ_CSV)
def test_random_mapping_files(tree, data):
    with tempfile.TemporaryDirectory() as tmp:
        mpath = Path(tmp) / "m.yaml"
        mpath.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8",
                         errors="surrogatepass")
        _attempt("mapping: random mapping files", [data], [mpath, data], mapping=mpath)


@fuzz(200)
@given(which=st.sampled_from([(ACQ_MAP, ACQ_CSV), (FIL_MAP, FIL_CSV), (FIL_MAP, FIL_JSONL)]),
       data=st.data())
def test_damaged_mapping_files(which, data):
    """The worked examples' mapping files after byte-level damage."""
    mapping, csv_file = which
    content, _ = data.draw(mutated(mapping.read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        mpath = Path(tmp) / mapping.name
        mpath.write_bytes(content)
        _attempt("mapping: damaged mapping files", [csv_file], [mpath, csv_file],
                 mapping=mpath)


MAPPING_YAML = [
    "entities: " + "[" * 3000 + "]" * 3000,
    "entities: {a: {type: Firm, name: {column: Acquirer}, country: {column: "
    + "9" * 5000 + "}}}",
    "entities: {a: {type: Firm, name: !!set {x}}}",
    "entities: {a: {type: Firm, name: {column: !!binary aGVsbG8=}}}",
    "entities: {a: &a {type: Firm, name: {column: Acquirer}}, b: *a}\n"
    "deal: {kind: acquisition, status: signed}\nparties: [{entity: a, role: acquirer}, "
    "{entity: b, role: target}]\nsource: {url: {column: Source}}",
    "<<: {entities: {a: {type: Firm, name: {column: Acquirer}}}}",
    "entities:\n  a:\n    <<: {type: Firm}\n    name: {column: Acquirer}\n",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\ndelimiter: \"\\0\"",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\ndelimiter: '\"'",
    "entities: {a: {type: Firm, name: {template: \"{Acquirer}{Acquirer}\", map: {x: null}}}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}, id: {column: Target, slug: true},"
    " id_prefix: \"../../\"}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}, aliases: {column: Target, "
    "split: \"\"}}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\nformat: [csv]",
    "entities: {? [a, b] : {type: Firm}}",
    "entities: {1: {type: Firm, name: {column: Acquirer}}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\nempty_values: [null, [], {}]",
    "entities: {a: {type: Person, name: {column: Acquirer}, affiliation: {entity: a}}}",
    "deal: {kind: {column: Status, map: {Completed: [x]}}, status: signed}\n"
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\n"
    "parties: [{entity: a, role: acquirer}]\nsource: {url: {column: Source}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\ndeal: {kind: acquisition, "
    "status: signed, value: {column: Price, scale: 1e308}, currency: USD}\n"
    "parties: [{entity: a, role: acquirer}]\nsource: {url: {column: Source}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\ndeal: {kind: acquisition, "
    "status: signed, announced: {column: Announced, format: \"%\"}}\n"
    "parties: [{entity: a, role: acquirer}]\nsource: {url: {column: Source}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\ndeal: {kind: acquisition, "
    "status: signed, announced: {column: Announced, format: \"%Y%Y%Y%Y%Y\"}}\n"
    "parties: [{entity: a, role: acquirer}]\nsource: {url: {column: Source}}",
    "entities: {a: {type: Firm, name: {column: Acquirer}}}\nsource: {url: \"\\ud800\"}",
    "\ufeff\ufeffentities: {a: {type: Firm, name: {column: Acquirer}}}",
    "entities: {a: {type: Firm, name: {column: \"Acquirer\\0\"}}}",
]


@pytest.mark.parametrize("text", MAPPING_YAML, ids=range(len(MAPPING_YAML)))
def test_hostile_mapping_yaml(tmp_path, text):
    mpath = tmp_path / "m.yaml"
    mpath.write_bytes(text.encode("utf-8", "surrogatepass"))
    _attempt("mapping: hostile YAML features", [ACQ_CSV], [mpath, ACQ_CSV], mapping=mpath)


# -- data files under a good mapping ----------------------------------------------------------

@fuzz(300)
@given(which=st.sampled_from([(ACQ_MAP, ACQ_CSV), (FIL_MAP, FIL_CSV), (FIL_MAP, FIL_JSONL)]),
       data=st.data())
def test_damaged_data_under_a_good_mapping(which, data):
    mapping, original = which
    content, _ = data.draw(mutated(original.read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / original.name
        path.write_bytes(content)
        _attempt("mapping: damaged data files", [path], [path, mapping], mapping=mapping)


@st.composite
def filing_objects(draw):
    keys = ["filing_id", "filed", "filer_bic", "filer_bank", "filer_country", "counterparty_bic",
            "counterparty_bank", "counterparty_country", "type", "amount", "currency",
            "report_url"]
    base = json.loads(FIL_JSONL.read_text().splitlines()[0])
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = dict(base)
        for k in draw(st.lists(st.sampled_from(keys), max_size=4, unique=True)):
            row[k] = draw(st.one_of(scalars, anything))
        rows.append(row)
    return rows


@fuzz(300)
@given(rows=filing_objects(), array=st.booleans())
def test_json_lines_with_hostile_values_under_a_good_mapping(rows, array):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "filings.jsonl"
        text = json.dumps(rows) if array else "\n".join(json.dumps(r) for r in rows)
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        _attempt("mapping: JSON Lines with hostile values", [path], [path, FIL_MAP],
                 mapping=FIL_MAP)


@fuzz(300)
@given(rows=st.lists(st.lists(st.one_of(awkward_text, st.sampled_from(
    ["Northwind", "CN", "Germany", "Mar 25, 2015", "1,250,000", "USD", "completed",
     "https://news.example.org/x", "5E400", "1e-400", "", "bn"])), min_size=len(HEADER),
    max_size=len(HEADER) + 1), min_size=1, max_size=4))
def test_well_formed_csv_with_hostile_cells_under_a_good_mapping(rows):
    import csv
    import io
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acq.csv"
        path.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))
        _attempt("mapping: CSV with hostile cells", [path], [path, ACQ_MAP], mapping=ACQ_MAP)


# -- FollowTheMoney streams ------------------------------------------------------------------

FTM_SCHEMATA = ["Company", "Organization", "LegalEntity", "PublicBody", "Person", "Ownership",
                "Directorship", "Membership", "Employment", "Representation", "Payment",
                "Sanction", "UnknownLink", "Address", "Vessel", "Thing", "Nope", ""]
FTM_PROPS = ["name", "alias", "country", "jurisdiction", "owner", "asset", "director",
             "organization", "startDate", "endDate", "percentage", "amount", "currency",
             "sourceUrl", "entity", "payer", "beneficiary", "role", "summary", "date"]


@st.composite
def ftm_entity(draw, ids):
    ent = {"id": draw(st.sampled_from(ids) | scalars), "schema": draw(
        st.sampled_from(FTM_SCHEMATA) | scalars)}
    props = {}
    for p in draw(st.lists(st.sampled_from(FTM_PROPS), max_size=5, unique=True)):
        props[p] = draw(st.lists(st.sampled_from(ids) | scalars | anything, max_size=3)
                        | scalars)
    ent["properties"] = props if draw(st.integers(0, 6)) else draw(anything)
    if draw(st.booleans()):
        ent[draw(st.sampled_from(["caption", "datasets", "target", "first_seen", "x"]))] = \
            draw(anything)
    return ent


@fuzz(300)
@given(data=st.data())
def test_random_ftm_entities(data):
    ids = [f"e{i}" for i in range(4)] + ["NK-acme"]
    ents = data.draw(st.lists(ftm_entity(ids), min_size=1, max_size=6))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "stream.jsonl"
        path.write_bytes("\n".join(json.dumps(e) for e in ents).encode("utf-8", "surrogatepass"))
        _attempt("ftm: random entities", [path], [path], input_format="ftm")


@fuzz(200)
@given(data=st.data())
def test_damaged_ftm_stream(data):
    content, _ = data.draw(mutated(FTM_SAMPLE.read_bytes()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / FTM_SAMPLE.name
        path.write_bytes(content)
        _attempt("ftm: damaged stream", [path], [path], input_format="ftm")


# -- the CLI ------------------------------------------------------------------------------

@fuzz(100)
@given(tree=mapping_tree())
def test_cli_load_with_random_mapping(tree):
    from click.testing import CliRunner
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mpath = tmp / "m.yaml"
        mpath.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8",
                         errors="surrogatepass")
        db = tmp / "store.db"
        shutil.copy(ACQ_CSV, tmp / "acq.csv")
        result = CliRunner().invoke(cli, ["load", "--store", str(db), "--mapping", str(mpath),
                                          str(tmp / "acq.csv")])
        check_cli_errors(result, [str(mpath), str(tmp / "acq.csv")])
        if result.exit_code == 1:
            assert EmbeddedStore(db).stats()["Firm"] == 0
        count("cli: load --mapping random", "loaded" if result.exit_code == 0 else "rejected")
