"""Hostile input for the security tests: probe strings, byte-level mutations of files,
hypothesis settings, and exact dumps of a store to compare before and after a failure.

Fuzz budget: ``HYPOTHESIS_PROFILE=long`` runs ten times the default number of
examples per property (``FUZZ_EXAMPLES`` overrides both). Every example a
property runs is counted in ``FUZZ_COUNTS`` and the totals are printed at the
end of the pytest run (see ``conftest.py``).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "small"
MAPPING_DIR = DATA / "mapping"
FTM_SAMPLE = DATA / "ftm" / "opensanctions-sample.jsonl"

# -- hypothesis budget -------------------------------------------------------------------

_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
_SCALE = 10 if _PROFILE == "long" else 1
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much]


def fuzz(examples: int):
    """Hypothesis settings for a property: ``examples`` by default, ten times as many
    with ``HYPOTHESIS_PROFILE=long``, or ``FUZZ_EXAMPLES`` if set; no deadline."""
    n = int(os.environ.get("FUZZ_EXAMPLES") or examples * _SCALE)
    return settings(max_examples=n, deadline=None, suppress_health_check=_HEALTH,
                    print_blob=True)


FUZZ_COUNTS: Counter = Counter()  # property name -> examples run
OUTCOMES: Counter = Counter()      # (property, "loaded" | "rejected") -> examples


def count(name: str, outcome: str | None = None) -> None:
    FUZZ_COUNTS[name] += 1
    if outcome:
        OUTCOMES[(name, outcome)] += 1


# -- probe strings -------------------------------------------------------------------

# Cypher meant to break out of a string, a map or a name if it were formatted into a query.
CYPHER_PROBES = [
    "'}) MATCH (n) DETACH DELETE n //",
    '"}) MATCH (n) DETACH DELETE n //',
    "`}) MATCH (n) DETACH DELETE n //",
    "x' OR true WITH 1 AS one MATCH (n) DETACH DELETE n RETURN 1 //",
    "\\'}) MATCH (n) DETACH DELETE n //",
    "\\u0027}) MATCH (n) DETACH DELETE n //",
    "}]->(b) DETACH DELETE b //",
    "'; MATCH (n) SET n.pwned = true; //",
    "$rows $ids $props {id: row.id}",
    "`Firm`:`Sentinel` n:Entity",
    "/* open comment",
    "a`b``c` -- \\\\ \\n \\t",
    "CALL db.clearQueryCaches() YIELD *",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
]

# Markup and script meant to run if a map or report put text into HTML unescaped.
XSS_PROBES = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "</script><script>alert('xss-3')</script>",
    "\"><svg onload=alert('xss-4')>",
    "'><iframe srcdoc=\"<script>parent.alert('xss-5')</script>\">",
    "javascript:alert('xss-6')",
    "<a href=\"javascript:alert('xss-7')\">click</a>",
    "{{constructor.constructor('alert(8)')()}} ${alert('xss-9')}",
    "<!-- ]]> <![CDATA[ --> &amp; &lt;b&gt;",
    "line\u2028separator\u2029paragraph",
    "<style>*{display:none}</style>",
    "<math><mi xlink:href=\"javascript:alert('xss-10')\">m</mi></math>",
]

# Characters that break naive readers and writers.
AWKWARD_CHARS = ["\x00", "\ufeff", "\r", "\n", "\r\n", '"', "'", "`", "\\", "|", ",", ";",
                 "\t", "\x1b[31m", "\u202e", "\ud83d\ude00", "😀", "华为", "é", "\x85",
                 "\u2028", "\x7f", "#", "- ", ": ", "{", "}", "[", "]", "&", "*", "!", "%",
                 "@", "<", ">"]

awkward_text = st.lists(st.one_of(st.sampled_from(AWKWARD_CHARS + CYPHER_PROBES + XSS_PROBES),
                                  st.text(max_size=12)), max_size=6).map("".join)

# -- byte-level mutations ---------------------------------------------------------------------


def _insert(data: bytes, at: float, what: bytes) -> bytes:
    i = int(at * len(data))
    return data[:i] + what + data[i:]


MUTATIONS = {
    "bom": lambda d, at, x: b"\xef\xbb\xbf" + d,
    "double_bom": lambda d, at, x: b"\xef\xbb\xbf\xef\xbb\xbf" + d,
    "utf16": lambda d, at, x: d.decode("utf-8", "replace").encode("utf-16"),
    "latin1": lambda d, at, x: _insert(d, at, "Société Générale ß ü".encode("latin-1")),
    "cp1252_quotes": lambda d, at, x: _insert(d, at, "\u201cquoted\u201d".encode("cp1252")),
    "crlf": lambda d, at, x: d.replace(b"\n", b"\r\n"),
    "cr_only": lambda d, at, x: d.replace(b"\n", b"\r"),
    "mixed_newlines": lambda d, at, x: d.replace(b"\n", b"\r\n", 2),
    "stray_quote": lambda d, at, x: _insert(d, at, b'"'),
    "stray_quotes": lambda d, at, x: _insert(d, at, b'a"b""c\''),
    "nul": lambda d, at, x: _insert(d, at, b"\x00"),
    "nuls": lambda d, at, x: d.replace(b",", b",\x00", 3),
    "control": lambda d, at, x: _insert(d, at, b"\x1b[2J\x07\x08\x0c"),
    "invalid_utf8": lambda d, at, x: _insert(d, at, b"\xff\xfe\xc3\x28\xed\xa0\x80"),
    "huge_cell": lambda d, at, x: _insert(d, at, b"x" * (10_001 + x * 997)),
    "huge_quoted_cell": lambda d, at, x: _insert(d, at, b'"' + b"y" * (5000 + x * 13) + b'"'),
    "truncate": lambda d, at, x: d[:int(at * len(d))],
    "drop_line": lambda d, at, x: b"\n".join(line for i, line in enumerate(d.split(b"\n"))
                                              if i != int(at * d.count(b"\n"))),
    "dup_line": lambda d, at, x: b"\n".join(
        sum(([line, line] if i == int(at * d.count(b"\n")) else [line]
             for i, line in enumerate(d.split(b"\n"))), [])),
    "extra_cells": lambda d, at, x: d.replace(b"\n", b",extra,cells\n", 1 + x % 3),
    "semicolons": lambda d, at, x: d.replace(b",", b";"),
    "tabs": lambda d, at, x: d.replace(b",", b"\t"),
    "pipes": lambda d, at, x: _insert(d, at, b"|||a||b|"),
    "empty": lambda d, at, x: b"",
    "only_header": lambda d, at, x: d.split(b"\n")[0] + b"\n",
    "blank_lines": lambda d, at, x: d.replace(b"\n", b"\n\n \n"),
    "whitespace_cells": lambda d, at, x: d.replace(b",", b" , "),
    "upper_header": lambda d, at, x: d.split(b"\n")[0].upper() + d[len(d.split(b"\n")[0]):],
    "swap_bytes": lambda d, at, x: (lambda i: d[:i] + d[i + 1:i + 2] + d[i:i + 1] + d[i + 2:])(
        int(at * max(len(d) - 2, 0))),
    "delete_byte": lambda d, at, x: (lambda i: d[:i] + d[i + 1:])(int(at * len(d))),
    "json_escape": lambda d, at, x: _insert(d, at, b"\\ud800\\u0000\\"),
    "yaml_tags": lambda d, at, x: _insert(d, at, b"!!python/object:os.system "),
    "deep": lambda d, at, x: _insert(d, at, b"[" * (2000 + x) + b"]" * (2000 + x)),
    "long_digits": lambda d, at, x: _insert(d, at, b"9" * (4400 + x)),
}

mutation_names = st.sampled_from(sorted(MUTATIONS))


@st.composite
def mutated(draw, data: bytes, max_steps: int = 3) -> tuple[bytes, list[str]]:
    """``data`` after 1 to ``max_steps`` random mutations; also returns their names."""
    names = draw(st.lists(mutation_names, min_size=1, max_size=max_steps))
    for name in names:
        at = draw(st.floats(0, 1))
        x = draw(st.integers(0, 50))
        data = MUTATIONS[name](data, at, x)
    return data, names


# -- comparing stores ---------------------------------------------------------------------


def dump_embedded(store) -> dict:
    """Every row of the embedded store's tables."""
    db = store.db
    return {
        "nodes": db.execute("SELECT id, label, props FROM nodes ORDER BY id").fetchall(),
        "rels": db.execute("SELECT * FROM rels ORDER BY src, type, dst, role").fetchall(),
        "names": db.execute("SELECT key, id FROM names ORDER BY key, id").fetchall(),
        "generation": db.execute("SELECT value FROM meta WHERE key='generation'").fetchone(),
        "model_extension": db.execute(
            "SELECT value FROM meta WHERE key='model_extension'").fetchone(),
    }


def dump_neo4j(driver, database=None) -> dict:
    """Every node (labels and properties) and relationship of a Neo4j database."""
    with driver.session(database=database) as session:
        nodes = session.run("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"
                            ).data()
        rels = session.run("MATCH (a)-[r]->(b) RETURN properties(a) AS a, type(r) AS type, "
                           "properties(r) AS props, properties(b) AS b").data()
    key = lambda x: json.dumps(x, sort_keys=True, default=str)  # noqa: E731
    for n in nodes:
        n["labels"] = sorted(n["labels"])
    return {"nodes": sorted(nodes, key=key), "rels": sorted(rels, key=key)}


# -- what the CLI may print -----------------------------------------------------------------

_SUMMARY = re.compile(r"^\d+ problems?( \(the first \d+ shown\))?; nothing (was|would be) loaded\.$")


from dealgraph.cli.core import SKIP_HINT  # noqa: E402 - the one line a failed load may add


def check_cli_errors(result, files: list[str]) -> None:
    """A CLI run over hostile input: exit 0 or 1, no traceback, every stderr line an
    ``error:`` line that names one of ``files`` (or the closing count)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"uncaught {type(result.exception).__name__}: {result.exception!r}"
    assert result.exit_code in (0, 1), (result.exit_code, result.output)
    assert "Traceback" not in result.output
    err = result.stderr
    if result.exit_code == 1:
        lines = err.splitlines()
        assert lines, "exit 1 without a message"
        for line in lines:
            if _SUMMARY.match(line) or line == SKIP_HINT:
                continue
            assert line.startswith("error: "), line
            assert any(line[len("error: "):].startswith(f) for f in files), (line, files)


# -- a dataset made of probes -------------------------------------------------------------------

SQL_PROBES = ["'); DROP TABLE nodes; --", "x' OR '1'='1", "\"; DELETE FROM rels; --",
              "?,?,?) --", "{marks}", "%s %d {0}"]
HOSTILE_IDS = ["Entity:Firm", "n.id", "a--b", "MATCH:n", "0.0:-_", "x:DETACH-DELETE",
               "Deal.id", "Source:src-1"]


def hostile_records() -> dict[str, list[dict]]:
    """Records for every kind whose text fields are probe strings (Cypher, SQL, HTML/JS,
    awkward characters) and whose ids use every character an id may hold."""
    probes = CYPHER_PROBES + XSS_PROBES + SQL_PROBES + ["\x1b[31mred\x1b[0m \u202eevil",
                                                        "tab\there\nnewline\r\nend", "华为 😀"]
    sources = [{"id": "src:1", "publisher": probes[0], "title": XSS_PROBES[0],
                "url": "https://example.org/a?q='})%20MATCH%20(n)%20DETACH%20DELETE%20n//"
                       "&x=<script>alert(1)</script>", "published": "2024-01-02"},
               {"id": "src.2", "publisher": XSS_PROBES[3], "title": CYPHER_PROBES[2],
                "url": "https://example.org/\"><svg onload=alert(4)>"}]
    firms = []
    for i, probe in enumerate(probes):
        firms.append({"id": f"f{i}", "name": probe, "aliases": [probes[(i + 1) % len(probes)],
                                                               f"alias {i} {probe}"],
                      "country": "US", "sector": probe[::-1], "notes": probe,
                      "sources": ["src:1"] if i % 2 else ["src.2", "src:1"]})
    for j, hid in enumerate(HOSTILE_IDS):
        firms.append({"id": hid, "name": f"{CYPHER_PROBES[j % len(CYPHER_PROBES)]} #{j}",
                      "parent": "f0" if j % 2 else None})
    governments = [{"id": "g:1", "name": XSS_PROBES[1], "country": "CN", "level": "ministry",
                    "aliases": [CYPHER_PROBES[0]], "notes": SQL_PROBES[0]},
                   {"id": "g.2", "name": CYPHER_PROBES[1], "country": "CN", "level": "agency",
                    "parent": "g:1"}]
    people = [{"id": "p-1", "name": XSS_PROBES[2], "role": CYPHER_PROBES[3],
               "affiliation": "f1", "notes": XSS_PROBES[4]}]
    deals, parties = [], []
    for k in range(6):
        did = ["d:1", "d.2", "d--3", "d_4", "5", "Deal:6"][k]
        deals.append({"id": did, "kind": "partnership", "status": "signed",
                      "title": probes[k * 3 % len(probes)], "summary": probes[(k * 3 + 1) % len(probes)],
                      "announced": "2024-0" + str(k + 1), "sources": ["src:1"]})
        parties.append({"deal": did, "entity": f"f{k}", "role": "partner",
                        "note": probes[(k * 5) % len(probes)]})
        parties.append({"deal": did, "entity": HOSTILE_IDS[k], "role": "partner"})
    parties.append({"deal": "d:1", "entity": "g:1", "role": "regulator", "note": XSS_PROBES[5]})
    return {"sources": sources, "firms": [{k: v for k, v in f.items() if v is not None}
                                          for f in firms],
            "governments": governments, "people": people, "deals": deals, "parties": parties}


def write_hostile_dataset(directory: Path) -> Path:
    """The hostile records as one JSON file per kind (lists stay lists: no separators)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, records in hostile_records().items():
        (directory / f"{name}.json").write_text(json.dumps(records, ensure_ascii=False, indent=1),
                                                encoding="utf-8")
    return directory
