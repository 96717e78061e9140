"""Errors that reach users: each prints as one or more clear lines, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DealgraphError", "Problem", "LoadError", "NotFound", "StoreUnavailable",
           "ParameterError"]


class DealgraphError(Exception):
    """Base of every error the CLI reports as a message instead of a traceback."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with input: where (file, line, field) and what."""
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"


class LoadError(DealgraphError):
    """Input was rejected; ``problems`` lists every problem found, and nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class NotFound(DealgraphError):
    """A name or id matched nothing, or more than one thing."""


class StoreUnavailable(DealgraphError):
    """The store could not be opened or reached (bad path, server down, wrong password)."""


class ParameterError(DealgraphError):
    """A query or command parameter is missing or has the wrong type or range."""
