"""``python -m dealgraph`` runs the CLI."""

from .cli import main

main()
