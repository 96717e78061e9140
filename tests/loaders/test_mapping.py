"""Loading outside CSV / JSON Lines files through a mapping file (docs/mapping.md)."""

import json

import pytest

from dealgraph.errors import LoadError
from dealgraph.graph.embedded import EmbeddedStore
from dealgraph.graph.values import ValueProblem
from dealgraph.loaders import check_paths, load_paths, preview_paths
from dealgraph.loaders.mapping import parse_amount, parse_date_text, read_mapped, slug


@pytest.fixture
def mdir(data_dir):
    return data_dir / "mapping"


def _graph(store):
    sub = store.subgraph(None)
    return ({n.id: (n.label, n.props) for n in sub.nodes.values()},
            sorted(r.key + (tuple(sorted(r.props.items())),) for r in sub.rels))


def _load_acquisitions(store, mdir):
    return load_paths(store, [mdir / "acquisitions.csv"], mapping=mdir / "acquisitions.yaml")


# -- the worked examples -------------------------------------------------------------

def test_acquisitions_csv_loads_with_dates_amounts_and_deduplicated_firms(any_store, mdir):
    summary = _load_acquisitions(any_store, mdir)
    assert summary.created == 6 + 9 + 6  # sources, firms (named by 12 cells), deals
    stats = any_store.stats()
    assert (stats["Firm"], stats["Deal"], stats["Source"], stats["parties"]) == (9, 6, 6, 12)
    sub = any_store.subgraph(None)
    deals = {n.props["title"]: n.props for n in sub.of_label("Deal")}
    first = deals["Northwind Holdings acquires Alder Robotics GmbH"]
    assert first["announced"] == "2015-03-25"          # "Mar 25, 2015"
    assert first["value"] == 56898523.47               # 5.689852347E7
    assert (first["kind"], first["status"], first["currency"]) == ("acquisition", "completed", "USD")
    assert deals["Northwind Holdings acquires Brightwater Pumps AB"]["value"] == 1_250_000_000
    assert deals["Lotus Peak Capital acquires Delta Optics Oy"]["value"] == 45_000_000
    assert deals["Eastgate Industrial acquires Fjord Marine AS"]["value"] == 2_100_000_000
    pending = deals["Lotus Peak Capital acquires Cedar Semiconductors Ltd"]
    assert pending["status"] == "announced" and "value" not in pending  # empty optional cells
    firms = {n.id: n.props for n in sub.of_label("Firm")}
    assert firms["lotus-peak-capital"]["country"] == ["HK"]             # "Hong Kong" and "HK"
    assert firms["alder-robotics-gmbh"] == {"name": "Alder Robotics GmbH", "country": ["DE"],
                                            "sector": "industrial robots"}
    roles = {(r.src, r.props["role"]) for r in sub.rels if r.type == "PARTY_TO"}
    assert ("northwind-holdings", "acquirer") in roles and ("alder-robotics-gmbh", "target") in roles
    assert {s.props["publisher"] for s in sub.of_label("Source")} == {"Example Deal Tracker"}


def test_loading_the_same_file_twice_changes_nothing(any_store, mdir):
    _load_acquisitions(any_store, mdir)
    before = _graph(any_store)
    again = _load_acquisitions(any_store, mdir)
    assert (again.created, again.updated, again.rels_added, again.rels_removed) == (0, 0, 0, 0)
    assert again.unchanged == 21
    assert _graph(any_store) == before


def test_reordered_rows_give_the_same_ids(tmp_path, mdir):
    lines = (mdir / "acquisitions.csv").read_text().splitlines()
    shuffled = tmp_path / "acquisitions.csv"
    shuffled.write_text("\n".join([lines[0]] + lines[1:][::-1]) + "\n")
    store = EmbeddedStore(tmp_path / "s.db")
    _load_acquisitions(store, mdir)
    again = load_paths(store, [shuffled], mapping=mdir / "acquisitions.yaml")
    assert (again.created, again.updated, again.rels_added) == (0, 0, 0)


def test_bank_filings_csv_and_json_lines_give_the_same_graph(any_store, mdir, tmp_path):
    load_paths(any_store, [mdir / "filings.csv"], mapping=mdir / "filings.yaml")
    other = EmbeddedStore(tmp_path / "jsonl.db")
    load_paths(other, [mdir / "filings.jsonl"], mapping=mdir / "filings.yaml")
    assert _graph(any_store) == _graph(other)
    sub = any_store.subgraph(None)
    banks = {n.id: n.props for n in sub.of_label("Firm")}
    assert banks["bank-NWBKGB2L"] == {"name": "Northern Wharf Bank", "country": ["GB"],
                                      "sector": "banking"}
    deals = {n.id: n.props for n in sub.of_label("Deal")}
    assert deals["filing-F-2015-001"]["value"] == 1250000.5
    assert deals["filing-F-2015-002"]["announced"] == "2015-03"
    assert deals["filing-F-2017-004"]["announced"] == "2017"
    assert deals["filing-F-2015-002"]["kind"] == "investment"
    roles = {(r.src, r.dst): r.props for r in sub.rels if r.type == "PARTY_TO"}
    assert roles[("bank-ALPSCHZZ", "filing-F-2015-002")] == {"role": "target",
                                                            "note": "counterparty"}
    sources = {n.props["title"]: n.props for n in sub.of_label("Source")}
    assert sources["Filing F-2015-001"]["published"] == "2015-03-25"


def test_dry_run_counts_without_writing(embedded_store, mdir):
    preview = preview_paths(embedded_store, [mdir / "acquisitions.csv"],
                            mapping=mdir / "acquisitions.yaml")
    assert preview.problems == []
    assert preview.counts == {"Source": 6, "Firm": 9, "Deal": 6, "parties": 12}
    assert embedded_store.stats()["Deal"] == 0


# -- problems, all at once, with file:line ---------------------------------------------------

BROKEN = """Acquirer,Acquirer Country,Target,Target Country,Target Sector,Announced,Price,Currency,Status,Source
Northwind Holdings,China,Alder Robotics GmbH,Germany,robots,"Mar 32, 2015",1000,USD,completed,https://n.example.org/a
Northwind Holdings,CN,Beta AB,Atlantis,,"Jan 7, 2016",12 apples,USD,completed,https://n.example.org/b
Gamma Ltd,GB,Delta Oy,FI,,2016-01-07,"1,2",USD,finished,ftp://n.example.org/c
"""


def test_bad_cells_are_reported_with_file_line_and_column_and_nothing_is_written(any_store, mdir, tmp_path):
    data = tmp_path / "broken.csv"
    data.write_text(BROKEN)
    with pytest.raises(LoadError) as err:
        load_paths(any_store, [data], mapping=mdir / "acquisitions.yaml")
    got = [str(p) for p in err.value.problems]
    assert got == [
        f"{data}:2: field 'Announced': 'Mar 32, 2015' does not match the date format '%b %d, %Y'",
        f"{data}:3: field 'Price': '12 apples' is not an amount",
        f"{data}:3: field 'Target Country': 'Atlantis' is not a country: give an ISO 3166-1 "
        "code (LV, LVA) or an English name (Latvia)",
        f"{data}:4: field 'Announced': '2016-01-07' does not match the date format '%b %d, %Y'",
        f"{data}:4: field 'Price': '1,2' is not an amount (',' must separate thousands; set "
        "decimal: ',' in the mapping if it is the decimal mark)",
        f"{data}:4: field 'Source': 'ftp://n.example.org/c' is not an http(s) URL",
        f"{data}:4: field 'Status': unknown value 'finished' (expected one of: rumoured, in_talks, "
        "announced, signed, completed, rejected, cancelled, expired)",
    ]
    assert any_store.stats()["Firm"] == 0


def test_a_deal_without_a_source_is_reported_by_validation(embedded_store, mdir, tmp_path):
    data = tmp_path / "nosource.csv"
    data.write_text(BROKEN.splitlines()[0] + "\nA Co,CN,B Co,DE,,\"Mar 3, 2015\",,,completed,\n")
    with pytest.raises(LoadError) as err:
        check_paths(embedded_store, [data], mapping=mdir / "acquisitions.yaml")
    assert [str(p) for p in err.value.problems] == [f"{data}:2: field 'sources': is required"]


def test_unknown_columns_are_reported_at_the_mapping_line(embedded_store, mdir, tmp_path):
    data = tmp_path / "renamed.csv"
    data.write_text((mdir / "acquisitions.csv").read_text().replace("Target Sector", "Sector", 1))
    with pytest.raises(LoadError) as err:
        check_paths(embedded_store, [data], mapping=mdir / "acquisitions.yaml")
    [problem] = err.value.problems
    assert (problem.file, problem.line, problem.field) == (
        str(mdir / "acquisitions.yaml"), 11, "entities.target.sector")
    assert problem.message.startswith(f"column 'Target Sector' is not in the header of {data}")


@pytest.mark.parametrize("text, line, field, message", [
    ("entities:\n  a:\n    type: Company\n    name: {column: N}\n", 3, "entities.a.type",
     "must be one of: Firm, Government, Person"),
    ("entities:\n  a:\n    type: Firm\n    name: {column: N}\n    colour: red\n", 5,
     "entities.a.colour", "unknown key; expected one of: type, id_prefix, id, name"),
    ("entities:\n  a:\n    type: Government\n    name: {column: N}\n", 2, "entities.a.country",
     "required field 'country' of Government is not mapped"),
    ("entities:\n  a:\n    type: Firm\n    name: {colum: N}\n", 4, "entities.a.name.colum",
     "unknown key"),
    ("entities:\n  a:\n    type: Firm\n    name: {column: N, value: x}\n", 4, "entities.a.name",
     "needs exactly one of: column, value, template, entity"),
    ("entities:\n  a:\n    type: Firm\n    name: {column: N}\n    country: {column: C, format: '%Y'}\n",
     5, "entities.a.country.format", "only date fields take a format"),
    ("entities:\n  a:\n    type: Firm\n    name: {column: N}\ndeal:\n  kind: merger\n  status: signed\n"
     "parties:\n  - {entity: a, role: acquirer}\nsource: {url: {column: U}}\n", 6, "deal.kind",
     "unknown value 'merger'"),
    ("entities:\n  a:\n    type: Firm\n    name: {column: N}\ndeal:\n  kind: supply\n  status: signed\n"
     "parties:\n  - {entity: b, role: supplier}\nsource: {url: {column: U}}\n", 9,
     "parties[0].entity", "must name an entity of the mapping (a)"),
    ("entities:\n  a:\n    type: Firm\n    name: {column: N}\ndeal:\n  kind: supply\n  status: signed\n"
     "parties:\n  - {entity: a, role: supplier}\n", 5, "source", "a deal needs a source"),
    ("entities: [\n", 2, "", "invalid YAML"),
])
def test_mapping_file_problems_name_the_mapping_file_and_line(tmp_path, text, line, field, message):
    mapping = tmp_path / "m.yaml"
    mapping.write_text(text)
    data = tmp_path / "d.csv"
    data.write_text("N,C,U\nA,DE,https://x.example.org\n")
    with pytest.raises(LoadError) as err:
        read_mapped([data], mapping)
    assert any((p.file, p.line, p.field) == (str(mapping), line, field) and message in p.message
               for p in err.value.problems), err.value.problems


# -- ids, deduplication, merging --------------------------------------------------------------

MINI = """entities:
  firm:
    type: Firm
    name: {column: name}
    country: {column: country}
    sector: {column: sector}
    aliases: {column: aliases, split: ";"}
"""


def _mini(tmp_path, csv_text, mapping=MINI):
    (tmp_path / "m.yaml").write_text(mapping)
    (tmp_path / "d.csv").write_text(csv_text)
    return read_mapped([tmp_path / "d.csv"], tmp_path / "m.yaml")


def test_many_rows_make_one_entity_and_empty_fields_are_filled_by_later_rows(tmp_path):
    reading = _mini(tmp_path, "name,country,sector,aliases\nAcme AG,,,\nACME AG,DE,tools,Acme;ACME\n"
                              "Acme AG,FR,food,\n")
    [rec] = reading.records
    assert rec.line == 2
    # nothing lost: the other spelling is an alias, both countries are kept, and the
    # first sector wins (on_conflict: first, the default), each with a warning
    assert rec.values == {"id": "acme-ag", "name": "Acme AG", "country": ["DE", "FR"],
                          "sector": "tools", "aliases": ["ACME AG", "Acme", "ACME"]}
    assert [(p.line, p.code) for p in reading.problems] == [
        (3, "conflict-name"), (4, "conflict-country"), (4, "conflict-sector")]
    assert all(p.is_warning for p in reading.problems)


def test_ids_from_a_column_with_a_prefix_and_a_slug(tmp_path):
    mapping = MINI.replace("    name:", "    id: {column: reg, slug: true}\n    id_prefix: firm-\n    name:")
    reading = _mini(tmp_path, "reg,name,country,sector,aliases\nHRB 123 B,Acme,DE,,\n", mapping)
    assert reading.records[0].values["id"] == "firm-hrb-123-b"


def test_the_same_id_for_two_types_is_a_problem(tmp_path):
    mapping = MINI + "  boss:\n    type: Person\n    name: {column: boss}\n"
    reading = _mini(tmp_path, "name,country,sector,aliases,boss\nAcme,DE,,,Acme\n", mapping)
    [problem] = reading.problems
    assert (problem.line, problem.field) == (2, "boss")
    assert "is a Firm (line 2) and cannot also be a Person" in problem.message


def test_deal_ids_hash_the_mapped_values_so_identical_rows_are_one_deal(tmp_path, mdir):
    lines = (mdir / "acquisitions.csv").read_text().splitlines()
    doubled = tmp_path / "doubled.csv"
    other_source = lines[1].replace("northwind-alder", "northwind-alder-2")
    doubled.write_text("\n".join([lines[0], lines[1], other_source]) + "\n")
    reading = read_mapped([doubled], mdir / "acquisitions.yaml")
    deals = [r for r in reading.records if r.kind.name == "Deal"]
    assert len(deals) == 1 and deals[0].values["id"].startswith("deal-")
    assert len(deals[0].values["sources"]) == 2   # both rows' sources are kept


def test_rows_with_the_same_deal_id_are_one_deal_with_all_parties(tmp_path, mdir):
    lines = (mdir / "filings.csv").read_text().splitlines()
    extra = lines[1].replace("BALTLV22,Baltic Trade Bank,Latvia", "EMRLAEAD,Emerald Gulf Bank,AE")
    data = tmp_path / "filings.csv"
    data.write_text("\n".join([lines[0], lines[1], lines[1], extra]) + "\n")
    reading = read_mapped([data], mdir / "filings.yaml")
    assert reading.problems == []
    deals = [r for r in reading.records if r.kind.name == "Deal"]
    parties = sorted((r.values["entity"], r.line) for r in reading.records if r.kind.name == "Party")
    assert [d.values["id"] for d in deals] == ["filing-F-2015-001"]
    assert parties == [("bank-BALTLV22", 2), ("bank-EMRLAEAD", 4), ("bank-NWBKGB2L", 2)]


def test_json_lines_with_nested_keys_and_empty_values(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "empty_values: [n/a, '-']\n"
        "entities:\n  firm:\n    type: Firm\n    name: {column: company.name}\n"
        "    country: {column: company.country}\n    sector: {column: sector, default: unknown}\n")
    (tmp_path / "d.jsonl").write_text(
        json.dumps({"company": {"name": "Acme", "country": "Germany"}, "sector": "N/A"}) + "\n\n"
        + json.dumps({"company": {"name": "Beta", "country": "-"}, "sector": "tools"}) + "\n")
    reading = read_mapped([tmp_path / "d.jsonl"], tmp_path / "m.yaml")
    assert reading.problems == []
    assert [(r.line, r.values) for r in reading.records] == [
        (1, {"id": "acme", "name": "Acme", "country": ["DE"], "sector": "unknown"}),
        (3, {"id": "beta", "name": "Beta", "sector": "tools"})]


def test_json_lines_errors_have_line_numbers(tmp_path):
    (tmp_path / "m.yaml").write_text(MINI)
    (tmp_path / "d.jsonl").write_text('{"name": "A", "country": "DE", "sector": "x", "aliases": "a"}\n'
                                      '{"name": "B",\n[1]\n')
    reading = read_mapped([tmp_path / "d.jsonl"], tmp_path / "m.yaml")
    assert [(p.line, p.message.split(":")[0]) for p in reading.problems] == [
        (2, "invalid JSON"), (3, "each record must be a JSON object")]


def test_a_1000_row_file_streams_into_one_record_per_entity(tmp_path):
    rows = "".join(f"Firm {i % 10},DE,,\n" for i in range(1000))
    reading = _mini(tmp_path, "name,country,sector,aliases\n" + rows)
    assert len(reading.records) == 10


# -- values ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Mar 25, 2015", "2015-03-25"), ("March 25, 2015", "2015-03-25"), ("25 March 2015", "2015-03-25"),
    ("25 Mar 2015", "2015-03-25"), ("2015-03-25", "2015-03-25"), ("2015-03", "2015-03"),
    ("2015", "2015"), ("March 2015", "2015-03"), ("2015-03-25T14:00:00Z", "2015-03-25"),
    ("25-Mar-2015", "2015-03-25"), ("25.03.2015", "2015-03-25"), ("2015/03/25", "2015-03-25"),
    ("Mar. 25,2015", "2015-03-25"),
])
def test_common_date_formats_are_understood(text, expected):
    assert parse_date_text(text) == expected


def test_a_given_date_format_sets_the_precision():
    assert parse_date_text("03/25/2015", ("%m/%d/%Y",)) == "2015-03-25"
    assert parse_date_text("03/2015", ("%m/%Y",)) == "2015-03"
    with pytest.raises(ValueProblem, match="does not match the date format"):
        parse_date_text("2015-03-25", ("%m/%d/%Y",))
    with pytest.raises(ValueProblem):
        parse_date_text("3/4/2015")  # ambiguous without a format


@pytest.mark.parametrize("text, expected", [
    ("5.689852347E7", 56898523.47), ("1,250,000,000", 1250000000), ("$45,000,000", 45000000),
    ("€ 3.2 million", 3200000), ("2.1 bn", 2100000000), ("300k", 300000), ("12 345", 12345),
    ("7", 7), (5.5, 5.5), ("25%", 25),
])
def test_amounts(text, expected):
    assert parse_amount(text) == expected


def test_amounts_with_a_decimal_comma():
    assert parse_amount("1.234.567,89", decimal=",") == 1234567.89
    for bad in ("1,2", "1.234,5", "twelve"):
        with pytest.raises(ValueProblem):
            parse_amount(bad)
    # negative amounts read as such: validation then drops them with a warning
    assert parse_amount("-5") == -5 and parse_amount("$-1,200") == -1200


def test_slugs_are_stable_ascii_ids():
    assert slug("Société Générale S.A.") == "societe-generale-s-a"
    assert slug("  ACME   AG ") == slug("acme ag") == "acme-ag"
    assert slug("华为").startswith("n-") and slug("华为") == slug("华为")


# -- the docs show the sample files as they are ----------------------------------------

def test_docs_show_the_sample_mappings_and_csv_headers_verbatim(mdir):
    doc = (mdir.parents[2] / "docs" / "mapping.md").read_text(encoding="utf-8")
    for name in ("acquisitions.yaml", "filings.yaml"):
        assert f"```yaml\n{(mdir / name).read_text()}```" in doc, f"docs/mapping.md: {name} is stale"
    for name in ("acquisitions.csv", "filings.csv"):
        head = "\n".join((mdir / name).read_text().splitlines()[:3])
        assert head in doc, f"docs/mapping.md: the first lines of {name} are stale"
    conflicts = mdir.parent / "bank-filings"
    for name in ("filings.yaml", "filings-model.yaml"):
        assert f"```yaml\n{(conflicts / name).read_text()}```" in doc, \
            f"docs/mapping.md: bank-filings/{name} is stale"
    head = "\n".join((conflicts / "filings.csv").read_text().splitlines()[:3])
    assert head in doc, "docs/mapping.md: the first lines of bank-filings/filings.csv are stale"


@pytest.mark.parametrize("url", [
    "https://www.News.Example.org/deal/1", "http://example.org", "https://a.b:8080/x?y#z",
    "https://a.b:80x/", "https://user:pw@host.example/x", "HTTPS://Upper.Example/x",
    "https://[::1]:80/x", "https://www.", "https://xn--bcher-kva.example/ä", "ftp://f.example/",
    "https://a.b?q=1", "https://a.b#frag", "https://a_b.example/"])
def test_a_sources_publisher_is_the_host_urlparse_gives(url):
    """The publisher of a source without one is the URL's host (``www.`` dropped); the
    quick pattern for plain URLs gives what urlparse gives."""
    from urllib.parse import urlparse

    from dealgraph.loaders.mapper import _host
    try:
        want = urlparse(url).hostname
    except ValueError:
        want = None
    if want and want.startswith("www."):
        want = want[4:]
    assert _host(url) == want
