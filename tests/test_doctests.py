"""Every docstring example in the package runs, so the examples cannot go stale.

One test per module of ``dealgraph`` with examples (``__main__`` is left out:
importing it runs the command line). A failing example is printed by doctest.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dealgraph

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples(name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(name)
    return [t for t in doctest.DocTestFinder(exclude_empty=True).find(module, name)
            if t.examples]


def _modules() -> list[str]:
    """The modules with examples."""
    names = ["dealgraph"] + [info.name for info in
                             pkgutil.walk_packages(dealgraph.__path__, "dealgraph.")
                             if not info.name.endswith("__main__")]
    return sorted(name for name in names if _examples(name))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name):
    tests = _examples(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
