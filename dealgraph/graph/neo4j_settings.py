"""Where and how to reach Neo4j: the settings both ``backends.open_store`` and
``neo4j_store.Neo4jStore`` use, in a module of their own so that neither of those
imports the other (``open_store`` imports the Neo4j store, and with it the driver,
only when Neo4j is asked for).

>>> Neo4jSettings(uri="bolt://db:7687", password="x").resolved().uri
'bolt://db:7687'
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["Neo4jSettings"]


@dataclass
class Neo4jSettings:
    """Where and how to reach Neo4j; unset fields come from the environment."""
    uri: str | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    notifications: bool = False  # count the server's notifications (see notifications.py)

    def resolved(self) -> "Neo4jSettings":
        env = os.environ
        return Neo4jSettings(
            uri=self.uri or env.get("NEO4J_URI") or "bolt://127.0.0.1:7687",
            user=self.user or env.get("NEO4J_USER") or "neo4j",
            password=self.password if self.password is not None else env.get("NEO4J_PASSWORD"),
            database=self.database or env.get("NEO4J_DATABASE") or None,
            notifications=self.notifications,
        )
