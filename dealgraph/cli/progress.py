"""How the command line shows the library's notes and progress (``dealgraph.report``).

Notes become ``note: ...`` lines on stderr; progress is a rich bar on stderr when
stderr is a terminal, and nothing otherwise (pipes, files, CI logs). ``--quiet``
silences both.
"""

from __future__ import annotations

import sys

import click

from ..report import Reporter, Task

__all__ = ["CliReporter"]


class _BarTask(Task):
    """A transient rich progress bar on stderr, removed when the job ends."""

    def __init__(self, description: str, total: int | None):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn)
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(file=sys.stderr, force_terminal=True),
                             transient=True)
        self._bar.start()
        self._id = self._bar.add_task(description, total=total)
        self._open = True

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._id, n)

    def close(self) -> None:
        if self._open:
            self._open = False
            self._bar.stop()


class CliReporter(Reporter):
    """Notes to stderr and progress bars on a terminal, unless ``quiet``."""

    def __init__(self, quiet: bool = False, terminal: bool | None = None):
        self.quiet = quiet
        self.terminal = sys.stderr.isatty() if terminal is None else terminal

    def note(self, text: str) -> None:
        if not self.quiet:
            from .main import one_line
            click.echo(f"note: {one_line(text)}", err=True)

    def task(self, description: str, total: int | None = None) -> Task:
        if self.quiet or not self.terminal:
            return Task()
        return _BarTask(description, total)
