"""The ``dealgraph`` command line (click). Commands live in one module per topic."""

from . import core  # noqa: F401  (registers its commands)
from .main import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console entry point."""
    cli(prog_name="dealgraph")
