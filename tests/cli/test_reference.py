"""docs/cli.md is generated from the commands' help and must be current."""

from pathlib import Path

from dealgraph.cli import cli
from dealgraph.cli.reference import render_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current():
    assert DOC.read_text(encoding="utf-8") == render_reference(), \
        "docs/cli.md is stale: python -m dealgraph.cli.reference > docs/cli.md"


def test_every_command_has_an_example_in_its_help():
    for name, command in cli.commands.items():
        assert "Example" in (command.help or ""), f"{name} has no example in its help"
