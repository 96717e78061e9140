"""Reader of the native dataset format: CSV files (one per record kind), JSON or YAML.

A dataset is a directory, or one or more files:

* ``firms.csv``, ``governments.csv``, ``people.csv``, ``deals.csv``,
  ``parties.csv``, ``sources.csv`` — one record per row, columns named as the
  model's fields (docs/schema.md); multi-valued cells separated by ``|``;
* ``firms.json`` / ``firms.yaml`` (and so on) — a list of records;
* any other ``.json``, ``.jsonl``, ``.yaml`` or ``.yml`` file — a mapping from
  file names to lists, e.g. ``{"firms": [...], "deals": [...]}``; in JSON Lines
  each line is one record with a ``record`` key naming its kind (``firms``, ...).

Every record comes back as a ``RawRecord`` that remembers its file and line,
so that validation can say where a problem is.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from ..errors import LoadError, Problem
from ..graph.model import MODEL, Kind
from ..graph.store import paused_gc
from .reading import REJECTS_SUFFIX, RawRecord, YamlDataLoader, data_files, json_lines, \
    json_reason, yaml_expansion  # noqa: F401  (REJECTS_SUFFIX: re-exported)
from .rows import (CSV_FIELD_LIMIT, Sieve, base_stem, base_suffix, csv_reader, csv_rows,  # noqa: F401
                   read_text_bytes)

__all__ = ["RawRecord", "read_dataset", "iter_dataset", "DATA_SUFFIXES", "csv_reader"]

DATA_SUFFIXES = (".csv", ".json", ".jsonl", ".yaml", ".yml")
def read_dataset(paths: list[str | Path]) -> list[RawRecord]:
    """Read every record from ``paths`` (directories or files) or raise LoadError
    listing every file that cannot be read."""
    problems: list[Problem] = []
    with paused_gc():
        records = list(iter_dataset(paths, problems))
    if problems:
        raise LoadError(problems)
    return records


def iter_dataset(paths: list[str | Path], problems: list[Problem],
                 sieve: Sieve | None = None) -> Iterator[RawRecord]:
    """The records of ``paths`` one at a time, adding what cannot be read to ``problems``.

    A directory's files are read in the model's kind order (sources, entities,
    deals, parties), so references mostly point at records already read. A CSV
    file is decoded whole but its records are made as they are consumed: loading
    a big parties.csv does not hold all of its records at once. Files may be
    gzip'd. Records whose (file, line) ``sieve`` sets aside are left out.
    """
    sieve = sieve if sieve is not None else Sieve()
    # a directory's model extension file is not data (graph/extension.py)
    for path in data_files(paths, problems, DATA_SUFFIXES, ".csv, .json or .yaml",
                           skip=("model.yaml",), order=_file_order):
        sieve.files.add(str(path))
        try:
            yield from _read_file(path, problems, sieve)
        except UnicodeDecodeError as exc:
            line = _line_of_offset(exc.object, exc.start)
            problems.append(Problem(str(path), line, "", "is not UTF-8 text "
                                    f"(byte 0x{exc.object[exc.start]:02x}); save it as UTF-8",
                                    code="file"))
        except OSError as exc:
            problems.append(Problem(str(path), 0, "", f"cannot be read: {exc.strerror}"))


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


_KIND_RANK = {name: i for i, name in enumerate(MODEL.by_file)}


def _file_order(path: Path) -> tuple:
    """Files named for a kind in the model's order, then any others by name."""
    return (_KIND_RANK.get(base_stem(path).lower(), len(_KIND_RANK)), path.name)


def _kind_for_stem(stem: str) -> Kind | None:
    return MODEL.by_file.get(stem.lower())


def _read_file(path: Path, problems: list[Problem], sieve: Sieve) -> Iterable[RawRecord]:
    suffix = base_suffix(path)
    kind = _kind_for_stem(base_stem(path))
    text = read_text_bytes(path).decode("utf-8-sig")
    if suffix == ".csv":
        if kind is None:
            problems.append(Problem(str(path), 0, "", "unknown CSV file name; expected one of: "
                                    + ", ".join(f"{k}.csv" for k in MODEL.by_file)))
            return []
        return _read_csv(path, kind, text, problems, sieve)
    if suffix == ".jsonl":
        return _read_jsonl(path, text, problems, sieve)
    if suffix == ".json":
        items = _json_items(path, text, problems)
    else:
        items = _yaml_items(path, text, problems)
    if items is None:
        return []
    return _records_from_tree(path, kind, items, problems, sieve)


def _read_csv(path: Path, kind: Kind, text: str, problems: list[Problem],
              sieve: Sieve) -> Iterator[RawRecord]:
    """The records of a CSV file; a broken row is reported at its line and reading goes
    on at the next line (``rows.csv_rows``)."""
    name = str(path)
    rows = csv_rows(io.StringIO(text, newline=""), wanted=sieve.lines_of(name))
    header = next(rows, None)
    if header is None or header.cells is None:
        problems.append(Problem(name, 1, "", header.error if header else
                                "is empty (expected a header row)", code="file"))
        return
    columns = [h.strip().lower() for h in header.cells]
    bad = False
    for col in columns:
        if col not in kind.fields:
            problems.append(Problem(name, header.line, col, "unknown column; expected: "
                                    + ", ".join(kind.fields) + " (a model extension can add "
                                    "fields: docs/schema.md)", code="file"))
            bad = True
    for req in kind.required:
        if req not in columns:
            problems.append(Problem(name, header.line, req, "required column is missing",
                                    code="file"))
            bad = True
    dupes = {c for c in columns if columns.count(c) > 1}
    for col in sorted(dupes):
        problems.append(Problem(name, header.line, col, "column appears twice", code="file"))
        bad = True
    if bad:
        return
    leave_out = sieve.leave_out
    for line, row, source, error in rows:
        if leave_out(name, line, source):
            continue
        if row is None:
            problems.append(Problem(name, line, "", error))
            continue
        # the non-blank cells (v.strip() without building the stripped copy)
        values = {c: v for c, v in zip(columns, row) if v and not v.isspace()}
        if values:
            yield RawRecord(kind, name, line, values)


def _as_json(value) -> str:
    """A record of a JSON or YAML file as one line of JSON (its text in a rejects file)."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _read_jsonl(path: Path, text: str, problems: list[Problem], sieve: Sieve) -> list[RawRecord]:
    out = []
    for n, obj in json_lines(str(path), text.splitlines(), problems, sieve):
        if not isinstance(obj, dict):
            problems.append(Problem(str(path), n, "", "each line must be a JSON object"))
            continue
        kind = _kind_for_stem(path.stem)
        if kind is None:
            kname = obj.pop("record", None)
            kind = MODEL.by_file.get(str(kname).lower()) if kname else None
            if kind is None:
                problems.append(Problem(str(path), n, "record", "missing or unknown record kind; "
                                        "expected one of: " + ", ".join(MODEL.by_file)))
                continue
        out.append(RawRecord(kind, str(path), n, obj))
    return out


def _json_items(path: Path, text: str, problems: list[Problem]):
    """Parse JSON, keeping the line where each record object starts."""
    decoder = json.JSONDecoder()
    try:
        tree = decoder.decode(text)
        return _with_json_lines(text, tree)
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(str(path), getattr(exc, "lineno", 0), "",
                                f"invalid JSON: {json_reason(exc)}", code="file"))
        return None


def _with_json_lines(text: str, tree):
    """Pair each record of a (valid) JSON document with the line its object starts on."""
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")

    def skip(pos: int) -> int:
        return ws.match(text, pos).end()

    def array_lines(pos: int) -> list:
        out = []
        pos = skip(pos + 1)
        while text[pos] != "]":
            value, end = decoder.raw_decode(text, pos)
            out.append((text.count("\n", 0, pos) + 1, value))
            pos = skip(end)
            if text[pos] == ",":
                pos = skip(pos + 1)
        return out

    pos = skip(0)
    if isinstance(tree, list):
        return {None: array_lines(pos)}
    if not isinstance(tree, dict):
        return tree
    result = {}
    pos = skip(pos + 1)
    while text[pos] != "}":
        key, end = decoder.raw_decode(text, pos)
        pos = skip(skip(end) + 1)  # past the colon
        if text[pos] == "[":
            result[key] = array_lines(pos)
            _, end = decoder.raw_decode(text, pos)
        else:
            result[key], end = decoder.raw_decode(text, pos)
        pos = skip(end)
        if text[pos] == ",":
            pos = skip(pos + 1)
    return result


def _yaml_items(path: Path, text: str, problems: list[Problem]):
    try:
        node = yaml.compose(text, Loader=YamlDataLoader)
        bomb = yaml_expansion(node) if node is not None else None
        if bomb:
            problems.append(Problem(str(path), 0, "", f"invalid YAML: {bomb}"))
            return None
        tree = yaml.load(text, Loader=YamlDataLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(str(path), mark.line + 1 if mark else 0, "",
                                f"invalid YAML: {getattr(exc, 'problem', exc)}", code="file"))
        return None
    except (ValueError, RecursionError) as exc:  # hostile input: huge numbers, deep nesting
        reason = "nested too deeply" if isinstance(exc, RecursionError) else \
            "a number has too many digits" if "digits" in str(exc) else str(exc)
        problems.append(Problem(str(path), 0, "", f"invalid YAML: {reason}"))
        return None
    if node is None:
        return {}

    def seq_lines(seq_node, values, line: int = 1):
        # a list that is not written as a plain sequence here (an alias, a merge key)
        # gets the line of what holds it
        if not isinstance(seq_node, yaml.SequenceNode) or len(seq_node.value) != len(values):
            return [(line, v) for v in values]
        return [(item.start_mark.line + 1, v) for item, v in zip(seq_node.value, values)]

    if isinstance(tree, list):
        return {None: seq_lines(node, tree)}
    if isinstance(tree, dict) and isinstance(node, yaml.MappingNode):
        loader = YamlDataLoader("")
        value_nodes = {}
        for knode, vnode in node.value:
            if knode.tag == "tag:yaml.org,2002:merge":
                continue
            try:
                value_nodes[loader.construct_object(knode, deep=True)] = vnode
            except (yaml.YAMLError, TypeError, ValueError):
                continue
        result = {}
        for key, value in tree.items():
            vnode = value_nodes.get(key)
            line = vnode.start_mark.line + 1 if vnode is not None else 1
            result[key] = seq_lines(vnode, value, line) if isinstance(value, list) else value
        return result
    return tree


def _records_from_tree(path: Path, kind: Kind | None, items, problems: list[Problem],
                       sieve: Sieve):
    out: list[RawRecord] = []
    if not isinstance(items, dict):
        problems.append(Problem(str(path), 1, "", "must hold a list of records or a mapping "
                                "from record kinds to lists", code="file"))
        return out
    for key, entries in items.items():
        k = kind if key is None else MODEL.by_file.get(str(key).lower())
        if k is None:
            if key is None:
                problems.append(Problem(str(path), 1, "", "a bare list needs a file named for "
                                        "its record kind (e.g. firms.json)", code="file"))
            else:
                problems.append(Problem(str(path), 1, str(key), "unknown record kind; expected "
                                        "one of: " + ", ".join(MODEL.by_file), code="file"))
            continue
        if not isinstance(entries, list):
            problems.append(Problem(str(path), 1, str(key), "must be a list of records",
                                    code="file"))
            continue
        for line, value in entries:
            if sieve.leave_out(str(path), line, lambda v=value: _as_json(v)):
                continue
            if not isinstance(value, dict):
                problems.append(Problem(str(path), line, "", "each record must be an object"))
                continue
            bad = [f for f in value if f not in k.fields]
            for f in bad:
                problems.append(Problem(str(path), line, str(f), "unknown field; expected: "
                                        + ", ".join(k.fields)))
            if not bad:
                values = {f: v for f, v in value.items() if v is not None and v != ""}
                out.append(RawRecord(k, str(path), line, values))
    return out
