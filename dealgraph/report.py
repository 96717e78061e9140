"""Notes and progress from library work, shown (or not) by whoever called it.

Long jobs (loads, exports, maps, whole-graph queries) open a ``task`` and advance
it; lookups that had to guess (``Yahoo`` taken as ``Yahoo!``) leave a ``note``.
The library never prints: by default both go nowhere. The command line installs
a ``Reporter`` that draws a progress bar on a terminal's stderr and prints notes
as ``note: ...`` lines, unless ``--quiet``; a notebook or script may install its
own with ``reporting(...)``.

>>> seen = []
>>> class Collect(Reporter):
...     def note(self, text): seen.append(text)
>>> with reporting(Collect()):
...     note("taken as Yahoo!")
...     with task("reading", total=2) as t:
...         t.advance(2)
>>> seen
['taken as Yahoo!']
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Reporter", "Task", "note", "task", "reporting", "current"]


class Task:
    """One job's progress; ``advance`` by units done. Closing it twice is harmless."""

    def advance(self, n: int = 1) -> None:
        """``n`` more units done."""

    def close(self) -> None:
        """The job is over (done or abandoned)."""

    def __enter__(self) -> "Task":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Reporter:
    """Where notes and progress go; this base class drops both."""

    def note(self, text: str) -> None:
        """A one-line remark about how a request was understood."""

    def task(self, description: str, total: int | None = None) -> Task:
        """Start a job of ``total`` units (None when unknown)."""
        return Task()


_CURRENT: ContextVar[Reporter] = ContextVar("dealgraph_reporter", default=Reporter())


def current() -> Reporter:
    """The reporter in force."""
    return _CURRENT.get()


def note(text: str) -> None:
    """Leave a note with the reporter in force."""
    _CURRENT.get().note(text)


def task(description: str, total: int | None = None) -> Task:
    """Start a job with the reporter in force; use it as a context manager."""
    return _CURRENT.get().task(description, total)


@contextmanager
def reporting(reporter: Reporter):
    """Send notes and progress to ``reporter`` inside the block."""
    token = _CURRENT.set(reporter)
    try:
        yield reporter
    finally:
        _CURRENT.reset(token)
