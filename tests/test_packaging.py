"""Every third-party module the package imports is declared in pyproject.toml: as a
dependency, or in an extra when the import is optional (pandas for ``to_pandas``)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "dealgraph"


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(reqs):
        return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-")
                for r in reqs}
    extras = set().union(*(names(v) for v in project["optional-dependencies"].values()))
    return names(project["dependencies"]), extras


def _imported() -> dict[str, str]:
    """Top-level module -> first file importing it, for modules outside the stdlib."""
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                mods = [node.module or ""]
            else:
                continue
            for mod in mods:
                top = mod.split(".")[0]
                if top and top != "dealgraph" and top not in sys.stdlib_module_names:
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_module_is_declared():
    required, extras = _declared()
    dists = packages_distributions()
    missing = []
    for module, where in sorted(_imported().items()):
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not names & (required | extras):
            missing.append(f"{module} (imported by {where}; distributions {sorted(names)})")
    assert not missing, "undeclared imports: " + "; ".join(missing)


def test_optional_imports_are_extras_not_dependencies():
    required, extras = _declared()
    assert "pandas" in extras and "pandas" not in required
