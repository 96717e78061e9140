"""Errors that reach users: each prints as one or more clear lines, never a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

__all__ = ["DealgraphError", "Problem", "LoadError", "NotFound", "StoreUnavailable",
           "ParameterError", "ERROR", "WARNING", "errors_of", "warnings_of", "count_by_code"]

ERROR = "error"
WARNING = "warning"

_NAME_FIELD = re.compile(r"\$\{(\w+)\}")


class DealgraphError(Exception):
    """Base of every error the CLI reports as a message instead of a traceback.

    A message may name parameters of the library as ``${name}`` when ``params`` maps
    each such name to how the library spells it (``{"hops": "hops"}``); ``str()`` gives
    the library's spelling and ``render(flags)`` another one, so that the CLI can say
    ``--hops`` where Python says ``hops``:

    >>> exc = ParameterError("${hops}: must be between 0 and 6", params={"hops": "hops"})
    >>> str(exc), exc.render({"hops": "--hops"})
    ('hops: must be between 0 and 6', '--hops: must be between 0 and 6')
    """

    def __init__(self, *args, params: dict[str, str] | None = None):
        self.template = str(args[0]) if args and params else None
        self.params = dict(params or {})
        if self.template is not None:
            args = (self.render(),) + tuple(args[1:])
        super().__init__(*args)

    def render(self, names: dict[str, str] | None = None) -> str:
        """The message with each ``${name}`` spelled as in ``names`` (else as the library
        spells it)."""
        if self.template is None:
            return str(self)
        names = {**self.params, **(names or {})}
        return _NAME_FIELD.sub(lambda m: names.get(m.group(1), m.group(0))
                               if m.group(1) in self.params else m.group(0), self.template)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with input: where (file, line, field) and what.

    ``severity`` is ``error`` (the record, or with ``code == "file"`` the whole
    file, cannot be loaded) or ``warning`` (the record is loaded; the message says
    what was done with the value). ``code`` names the kind of problem in a few
    words (``end-before-start``, ``implausible-date``...): summaries count
    warnings by it. Any reader or check reports a warning by appending
    ``Problem.warning(...)`` to the problems it returns; the load pipeline keeps
    them apart from errors (and ``strict`` loads turn them into errors).

    >>> w = Problem.warning("d.csv", 3, "end", "2020 is before announced 2021; dropped",
    ...                     "end-before-start")
    >>> w.is_warning, str(w)
    (True, "d.csv:3: field 'end': 2020 is before announced 2021; dropped")
    >>> w.as_error().severity
    'error'
    """
    file: str
    line: int
    field: str
    message: str
    severity: str = ERROR
    code: str = ""

    @classmethod
    def warning(cls, file: str, line: int, field: str, message: str, code: str) -> "Problem":
        """A warning: the record is loaded anyway; ``code`` says what kind of warning."""
        return cls(file, line, field, message, WARNING, code)

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    @property
    def whole_file(self) -> bool:
        """True for a problem with a file as a whole (unreadable, bad header): it stops
        a load even when bad rows are set aside."""
        return self.line <= 0 or self.code == "file"

    def as_error(self) -> "Problem":
        """This problem as an error (what a strict load makes of a warning)."""
        return self if self.severity == ERROR else replace(self, severity=ERROR)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"


class LoadError(DealgraphError):
    """Input was rejected; ``problems`` lists every problem found, and nothing was written."""

    def __init__(self, problems: list[Problem], hint: str = "", skippable: bool = False):
        self.problems = sorted(problems)
        self.hint = hint  # what the user can do about it, in one line (may be empty)
        # True when some problems are in rows that a load with skip_bad_rows would set aside
        self.skippable = skippable
        super().__init__("\n".join(str(p) for p in self.problems))


def errors_of(problems) -> list[Problem]:
    """The problems that are errors."""
    return [p for p in problems if p.severity != WARNING]


def warnings_of(problems) -> list[Problem]:
    """The problems that are warnings."""
    return [p for p in problems if p.severity == WARNING]


def count_by_code(problems) -> dict[str, int]:
    """How many problems of each ``code`` (``other`` for those without one), by code."""
    out: dict[str, int] = {}
    for p in problems:
        key = p.code or "other"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))


class NotFound(DealgraphError):
    """A name or id matched nothing, or more than one thing."""


class StoreUnavailable(DealgraphError):
    """The store could not be opened or reached (bad path, server down, wrong password)."""


class ParameterError(DealgraphError):
    """A query or command parameter is missing or has the wrong type or range."""
