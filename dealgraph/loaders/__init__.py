"""Loaders: read datasets, validate them against the model and the store, write atomically.

>>> from dealgraph.graph.embedded import EmbeddedStore
>>> from dealgraph.loaders import load_paths, SEED_DIR
>>> store = EmbeddedStore(":memory:")
>>> load_paths(store, [SEED_DIR]).created > 20
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..graph.records import ApplySummary, Batch
from ..graph.store import Store
from .native import read_dataset
from .validate import build_batch

__all__ = ["load_paths", "check_paths", "SEED_DIR"]

SEED_DIR = Path(str(resources.files("dealgraph").joinpath("data/seed")))


def check_paths(store: Store, paths: list) -> Batch:
    """Read and validate ``paths`` against ``store`` without writing; raises LoadError."""
    return build_batch(read_dataset(paths), store)


def load_paths(store: Store, paths: list) -> ApplySummary:
    """Read, validate and write ``paths`` into ``store`` in one atomic write.

    Raises LoadError listing every problem; the store is then unchanged.
    Loading the same files again changes nothing.
    """
    return store.apply(check_paths(store, paths))
