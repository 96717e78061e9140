"""Importing dealgraph changes no process-wide state: the csv module's field size limit
(raised only when a CSV file is read), the recursion limit, YAML's loaders."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import csv, pkgutil, importlib, sys, yaml
before = (csv.field_size_limit(), sys.getrecursionlimit(),
          {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()},
          dict(yaml.SafeLoader.yaml_constructors))
import dealgraph
names = [m.name for m in pkgutil.walk_packages(dealgraph.__path__, "dealgraph.")
         if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
after = (csv.field_size_limit(), sys.getrecursionlimit(),
         {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()},
         dict(yaml.SafeLoader.yaml_constructors))
assert "dealgraph.loaders.ftm" in names and "dealgraph.loaders.mapper" in names, names
assert after == before, [i for i in range(len(before)) if after[i] != before[i]]
print(len(names))
"""


def test_importing_every_module_changes_no_global_state():
    proc = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert int(proc.stdout) > 50
