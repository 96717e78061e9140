"""Choosing and opening a store from options and the environment.

``DEALGRAPH_BACKEND`` (``embedded`` or ``neo4j``) picks the store; the embedded
store lives at ``DEALGRAPH_STORE`` (default ``dealgraph.db``); Neo4j is reached
with ``NEO4J_URI``, ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE``.

>>> store = open_store("embedded", path=":memory:")
>>> store.backend
'embedded'
"""

from __future__ import annotations

import os

from ..errors import StoreUnavailable
from .neo4j_settings import Neo4jSettings
from .store import Store

__all__ = ["open_store", "Neo4jSettings", "BACKENDS", "DEFAULT_STORE"]

BACKENDS = ("embedded", "neo4j")
DEFAULT_STORE = "dealgraph.db"


def open_store(backend: str | None = None, path: str | None = None,
               neo4j: Neo4jSettings | None = None) -> Store:
    """Open the store named by ``backend`` (or ``DEALGRAPH_BACKEND``; default embedded)."""
    backend = (backend or os.environ.get("DEALGRAPH_BACKEND") or "embedded").lower()
    if backend == "embedded":
        from .embedded import EmbeddedStore
        return EmbeddedStore(path or os.environ.get("DEALGRAPH_STORE") or DEFAULT_STORE)
    if backend == "neo4j":
        from .neo4j_store import Neo4jStore
        return Neo4jStore((neo4j or Neo4jSettings()).resolved())
    raise StoreUnavailable(f"unknown backend {backend!r} (expected one of: {', '.join(BACKENDS)})")
