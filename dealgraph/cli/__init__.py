"""The ``dealgraph`` command line (click). Commands live in one module per topic."""

from . import core  # noqa: F401  (registers its commands)
from . import map as _map  # noqa: F401  (registers the map command)
from . import export as _export  # noqa: F401
from . import query as _query  # noqa: F401
from .main import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console entry point."""
    cli(prog_name="dealgraph")
