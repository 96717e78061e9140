"""What every reader of outside data hands to validation: ``RawRecord`` (one record
with the file and line it came from) and ``Reading`` (the records of a load with the
problems the reader found itself), and reading JSON files of objects
(``json_objects``), shared by the mapped and FollowTheMoney readers."""

from __future__ import annotations

import json
import re

import yaml
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import Problem
from ..graph.model import Kind
from .rows import Sieve, open_text


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
        file = str(path)
        for n, line in enumerate(_prepend(start, fh), 1):
            if not line.strip():
                continue
            if sieve is not None and sieve.leave_out(file, n, line.rstrip("\r\n")):
                continue
            try:
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:
                problems.append(Problem(str(path), n, "", f"invalid JSON: {_json_reason(exc)}"))
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
                                f"invalid JSON: {_json_reason(exc)}"))


def _json_reason(exc: Exception) -> str:
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
