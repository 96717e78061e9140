"""Reading source rows as real exports come: from pipes and stdin, gzip'd, broken CSV.

* ``input_path`` / ``is_input`` accept ``-`` (stdin) and anything that can be read
  once, such as ``/dev/stdin`` or a shell's ``<(…)``, besides regular files;
* ``open_binary`` / ``open_text`` / ``read_text_bytes`` undo gzip compression (recognised
  by its magic bytes, so ``acq.csv.gz`` and a gzip'd pipe both work);
* ``csv_rows`` reads CSV physical line by physical line and gives every row with the
  line it starts on and its source text. A row that breaks — a quoted cell never
  closed (running over the next lines), a row cut short or with cells to spare — is
  reported at its first line, and reading goes on at the very next line, so one
  broken row costs only itself;
* ``Sieve`` is what the readers are told about rows to set aside, and what they
  tell back (each such row's source text, the rows they read).

>>> import io
>>> rows = list(csv_rows(io.StringIO('a,b\\n1,"x\\n2,y\\n3,z\\n')))
>>> [(r.line, r.cells, r.error is not None) for r in rows]
[(1, ['a', 'b'], False), (2, None, True), (3, ['2', 'y'], False), (4, ['3', 'z'], False)]
>>> rows[1].text
'1,"x'
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import stat
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple

__all__ = ["csv_rows", "csv_reader", "CSV_FIELD_LIMIT", "CsvRow", "Sieve", "open_binary",
           "open_text", "read_text_bytes",
           "input_path", "is_input", "base_suffix", "STDIN", "MAX_ROW_LINES"]

STDIN = "-"
# A quoted cell may hold line breaks; one that runs over more lines than this is taken
# for a quote that was never closed.
MAX_ROW_LINES = 1000
GZIP_MAGIC = b"\x1f\x8b"
CSV_FIELD_LIMIT = 10_000_000


def csv_reader(stream, **options):
    """``csv.reader`` that accepts cells up to ``CSV_FIELD_LIMIT`` characters (the csv
    module's default is 131,072). The limit is process-wide, so it is raised here, when a
    CSV file is read, and never lowered; importing dealgraph changes nothing."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    return csv.reader(stream, **options)


def input_path(raw) -> Path:
    """The path to read for a command-line input: ``-`` is standard input."""
    return Path("/dev/stdin") if str(raw) == STDIN else Path(raw)


def is_input(path: Path) -> bool:
    """True for a file that can be read as data: a regular file, or a stream (a pipe,
    ``/dev/stdin``, a shell's ``<(…)``), but not a directory."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or \
        stat.S_ISSOCK(mode)


def is_stream(path: Path) -> bool:
    """True for an input that can be read only once (not a regular file)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def base_suffix(path: Path) -> str:
    """The suffix that says what a file holds, past a ``.gz``: ``a.csv.gz`` -> ``.csv``."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1]


def base_stem(path: Path) -> str:
    """The name without its suffixes: ``firms.csv.gz`` -> ``firms``."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[0]


def open_binary(path: Path):
    """The file's bytes, decompressed if it is gzip'd (a stream is peeked, not rewound)."""
    fh = open(path, "rb")
    try:
        head = fh.peek(2)[:2]
    except (OSError, AttributeError):
        head = b""
    if head == GZIP_MAGIC:
        return gzip.GzipFile(fileobj=fh, mode="rb")
    return fh


def open_text(path: Path, encoding: str = "utf-8-sig"):
    """The file as text with line ends kept (``newline=""``), gzip undone."""
    return io.TextIOWrapper(open_binary(path), encoding=encoding, newline="")


def read_text_bytes(path: Path) -> bytes:
    """All the bytes of a file, gzip undone; raises OSError (a bad gzip stream included)."""
    with open_binary(path) as fh:
        try:
            return fh.read()
        except (EOFError, gzip.BadGzipFile) as exc:
            raise OSError(0, f"is not a complete gzip file ({exc})") from None


class CsvRow(NamedTuple):
    """One row of a CSV file: the line it starts on, its cells (None if it is broken),
    its source text (line ends inside kept, the last one stripped) and what is wrong."""
    line: int
    cells: list[str] | None
    text: str
    error: str | None


class _TooLong(Exception):
    pass


def _strip_end(text: str) -> str:
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith(("\n", "\r")) else text


def csv_rows(fh, delimiter: str = ",", width: int | None = None,
             wanted=frozenset()) -> Iterator[CsvRow]:
    """Every row of a CSV text stream, the header first (line 1, unless blank lines
    come before it). The header's width (or ``width``) is what every row must have.

    A row is broken when the csv module rejects it, when a quoted cell opened on its
    first line runs over following lines and leaves a row of the wrong width (or
    never closes), or when it has fewer cells than the header, or more non-blank
    ones. A broken row is one line: the lines after it are read again as rows of
    their own, which is how reading recovers at the next good row.

    Rows come as ``CsvRow`` tuples; ``text`` is the source text of the header, of a
    broken row and of a row whose line is in ``wanted`` (empty for the others, which
    saves building it for every row of a big file).
    """
    src = iter(fh)
    pending: deque = deque()
    taken: list[str] = []
    append = taken.append

    def feed():  # the physical lines the csv reader pulls, noting those of the current row
        while True:
            if pending:
                line = pending.popleft()
            else:
                line = next(src, None)
                if line is None:
                    return
            append(line)
            if len(taken) > MAX_ROW_LINES:
                raise _TooLong
            yield line

    reader = csv_reader(feed(), delimiter=delimiter, strict=True)
    line = 0
    header_seen = width is not None
    while True:
        taken.clear()
        start = line + 1
        error = None
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _TooLong:
            cells = None
            error = (f"malformed CSV: a quoted cell opened on this line runs over more than "
                     f"{MAX_ROW_LINES} lines; is its closing quote missing?")
        except csv.Error as exc:
            cells = None
            reason = str(exc)
            if "unexpected end of data" in reason or "newline inside string" in reason:
                error = "malformed CSV: a quoted cell opened on this line is never closed"
            elif len(taken) > 1:
                error = (f"malformed CSV: a quoted cell opened on this line is not closed "
                         f"(the quote on line {start + len(taken) - 1} does not end it)")
            else:
                error = f"malformed CSV: {reason}"
        n_lines = len(taken)
        if cells is not None:
            first = cells[0] if cells else ""
            blank = not (first and not first.isspace()) and not any(c.strip() for c in cells)
            if not header_seen:
                line += n_lines
                if blank:
                    continue  # blank lines before the header
                header_seen, width = True, len(cells)
                yield CsvRow(start, cells, _strip_end("".join(taken)), None)
                continue
            if blank:
                line += n_lines
                continue
            n = len(cells)
            if n != width and not (n > width and not any(c.strip() for c in cells[width:])):
                if n_lines > 1:
                    error = (f"malformed CSV: a quoted cell opened on this line runs to line "
                             f"{start + n_lines - 1} and leaves the row with {n} cells; "
                             f"the header has {width}")
                elif n < width:
                    error = (f"row has {n} cells but the header has {width} (cut short, or "
                             "its cells shifted?)")
                else:
                    error = f"row has {n} cells but the header has {width}"
                cells = None
        if cells is None:
            if n_lines > 1:  # read the lines after the first again, as rows of their own
                pending.extendleft(reversed(taken[1:]))
                # a fresh reader (the old one's line source may have run to the end)
                reader = csv_reader(feed(), delimiter=delimiter, strict=True)
            line += 1
            yield CsvRow(start, None, _strip_end(taken[0]) if taken else "", error)
            continue
        line += n_lines
        yield CsvRow(start, cells, _strip_end("".join(taken)) if start in wanted else "", None)


@dataclass
class Sieve:
    """Rows set aside, between the load pipeline and the readers.

    ``skip`` holds the (file, line) of rows to leave out; a reader that meets one
    keeps its source text in ``texts`` instead of reading it. ``files`` collects the
    data files read (a problem in any other file, such as the mapping, cannot be set
    aside) and ``rows`` counts the rows read and not left out.
    """
    skip: set = field(default_factory=set)
    texts: dict = field(default_factory=dict)
    files: set = field(default_factory=set)
    rows: int = 0

    def lines_of(self, file: str) -> frozenset:
        """The lines of ``file`` to set aside."""
        return frozenset(line for f, line in self.skip if f == file) if self.skip else \
            frozenset()

    def leave_out(self, file: str, line: int, text) -> bool:
        """True (keeping the row's text; ``text`` may be a function making it) if the
        row at ``file:line`` is to be set aside; else counts it as read."""
        if self.skip and (file, line) in self.skip:
            self.texts[(file, line)] = text() if callable(text) else text
            return True
        self.rows += 1
        return False
