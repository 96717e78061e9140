"""What every reader of outside data hands to validation: ``RawRecord`` (one record
with the file and line it came from) and ``Reading`` (the records of a load with the
problems the reader found itself); and what the readers share: the data files a list of
paths names (``data_files``), JSON files of objects (``json_objects``, ``json_lines``)
and YAML without its surprises (``YamlDataLoader``)."""

from __future__ import annotations

import json
import re

import yaml
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import Problem
from ..graph.model import Kind
from .rows import Sieve, base_suffix, input_path, is_input, open_text


# Files of rows set aside by a load (docs/mapping.md); never read as data from a directory.
REJECTS_SUFFIX = ".rejects.csv"


@dataclass(slots=True)
class RawRecord:
    """One record as a reader found it: its kind, the file and line it came from (so that
    validation can say where a problem is), and its values, not yet checked."""
    kind: Kind
    file: str
    line: int
    values: dict


@dataclass
class Reading:
    """What a reader of outside data found: records for ``build_batch``, the problems it
    saw itself, the (file, line, field) of values it dropped after reporting them (so that
    validation does not report them again as missing), and what it skipped, by type."""
    records: Iterable[RawRecord]  # a list, MappedRecords, or (native, streamed) an iterator
    problems: list[Problem] = field(default_factory=list)
    covered: set[tuple[str, int, str]] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)


def data_files(paths, problems: list[Problem], suffixes: tuple[str, ...], holds: str, *,
               skip: tuple[str, ...] = (), order=None) -> Iterator[Path]:
    """The files ``paths`` name: a file as given, and a directory's files whose suffix
    (under any ``.gz``) is in ``suffixes``, other than rejects files and the names in
    ``skip``, sorted by ``order`` (else by name). A directory without any (``holds`` names
    what it should hold) and a path that does not exist are problems."""
    for raw in paths:
        path = input_path(raw)
        if path.is_dir():
            files = sorted((p for p in path.iterdir()
                            if p.is_file() and p.name not in skip
                            and base_suffix(p) in suffixes
                            and not p.name.lower().endswith(REJECTS_SUFFIX)), key=order)
            if not files:
                problems.append(Problem(str(path), 0, "", f"holds no {holds} files"))
            yield from files
        elif is_input(path):
            yield path
        else:
            problems.append(Problem(str(path), 0, "", "no such file or directory"))


class YamlDataLoader(yaml.SafeLoader):
    """YAML 1.1 safe loading without its surprises, for data and mapping files: dates
    stay text (``2023-01-05``), and only ``true``/``false`` are booleans (``NO`` is
    Norway)."""


YamlDataLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
YamlDataLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"),
                                     list("tf"))


def json_objects(path: Path, problems: list[Problem], sieve: Sieve | None = None
                 ) -> Iterator[tuple[int, Any]]:
    """(line, value) of each top-level value of a JSON Lines file, or of each item of a
    JSON array file. JSON Lines are read line by line; an array is read whole. Lines
    ``sieve`` sets aside are left out. The file may be gzip'd or a stream."""
    with open_text(path) as fh:
        head = []
        first = ""
        while True:
            ch = fh.read(1)
            head.append(ch)
            if not ch or not ch.isspace():
                first = ch
                break
        start = "".join(head)
        if first == "[":
            text = start + fh.read()
            yield from _array_items(str(path), text, problems)
            return
        yield from json_lines(str(path), _prepend(start, fh), problems, sieve)


def json_lines(file: str, lines: Iterable[str], problems: list[Problem],
               sieve: Sieve | None = None) -> Iterator[tuple[int, Any]]:
    """(line, value) of each non-blank line of JSON Lines text (``lines``, with or without
    their line ends), from line 1; a line that is not JSON is a problem of ``file``, and
    lines ``sieve`` sets aside are left out."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if sieve is not None and sieve.leave_out(file, n, line.rstrip("\r\n")):
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            problems.append(Problem(file, n, "", f"invalid JSON: {json_reason(exc)}"))
            continue
        yield n, value


def _prepend(start: str, fh) -> Iterator[str]:
    """The lines of ``fh`` with ``start`` (text already read from it) put back in front."""
    first = next(fh, "")
    yield start + first
    yield from fh


def _array_items(file: str, text: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    ws = re.compile(r"[ \t\n\r]*")
    pos = ws.match(text, text.index("[") + 1).end()
    try:
        while pos < len(text) and text[pos] != "]":
            value, end = decoder.raw_decode(text, pos)
            yield text.count("\n", 0, pos) + 1, value
            pos = ws.match(text, end).end()
            if pos < len(text) and text[pos] == ",":
                pos = ws.match(text, pos + 1).end()
            elif pos < len(text) and text[pos] != "]":
                raise json.JSONDecodeError("expected ',' or ']'", text, pos)
        if pos >= len(text):
            raise json.JSONDecodeError("unterminated array", text, pos)
        if text[pos + 1:].strip():
            raise json.JSONDecodeError("extra data after the array", text, pos + 1)
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(file, getattr(exc, "lineno", 0), "",
                                f"invalid JSON: {json_reason(exc)}"))


def json_reason(exc: Exception) -> str:
    """What is wrong with a JSON text, for a problem message: the decoder's message, or
    the limit that hostile input hit (nesting depth, digits of a number)."""
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return "a number has too many digits" if "digits" in str(exc) else str(exc)


def yaml_expansion(node, unique_limit: int = 0) -> str | None:
    """Why a composed YAML document must not be used, or None: its aliases expand it to
    far more values than it holds (an "alias bomb", e.g. nine levels of nine aliases:
    387 million values from 90 lines). Counted per node once, so in bounded time."""
    sizes: dict[int, int] = {}

    def size(n) -> int:
        got = sizes.get(id(n))
        if got is not None:
            return got
        sizes[id(n)] = 1  # a node that holds itself counts once
        if isinstance(n, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in n.value)
        elif isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size(v) for v in n.value)
        else:
            total = 1
        sizes[id(n)] = total
        return total

    total = size(node)
    limit = 10 * len(sizes) + 10_000 + unique_limit
    if total > limit:
        return (f"its aliases (*name) expand it to {total:,} values from {len(sizes):,}; "
                "write the values out instead")
    return None
