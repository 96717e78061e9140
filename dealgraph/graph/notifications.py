"""What becomes of Neo4j's notifications: nothing by default, one summarised line on request.

The server attaches notifications to query results (``01N52 … The property `end`
does not exist`` for every optional property no node has yet), and the driver
logs each one as a warning, which Python prints on stderr: tens of kilobytes for
a three-row answer. ``driver_config`` asks the server not to send them at all
(the driver's ``notifications_min_severity``); with ``verbose`` it asks for
warnings only and ``TALLY`` counts them instead of printing them, so the command
line can print ``summary()`` as one line at the end.
"""

from __future__ import annotations

import logging
from collections import Counter

__all__ = ["driver_config", "TALLY", "summary"]

LOGGER = "neo4j.notifications"


def driver_config(verbose: bool = False) -> dict:
    """Keyword arguments for ``GraphDatabase.driver``: no notifications unless ``verbose``;
    never the driver's own warnings."""
    return {"notifications_min_severity": "WARNING" if verbose else "OFF",
            "warn_notification_severity": "OFF"}


class _Tally(logging.Handler):
    """Counts the notifications the driver logs, by GQL status code and description."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.counts: Counter = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        note = getattr(record.args[0], "notification", None) if record.args else None
        code = getattr(note, "gql_status", None) or "notification"
        text = (getattr(note, "status_description", None) or "").split(". ")[0][:80]
        self.counts[(code, text)] += 1

    def reset(self) -> None:
        self.counts.clear()


TALLY = _Tally()
_logger = logging.getLogger(LOGGER)
_logger.addHandler(TALLY)
_logger.setLevel(logging.DEBUG)
_logger.propagate = False  # never to stderr through Python's last-resort handler


def summary() -> str | None:
    """One line about the notifications counted since the last ``TALLY.reset()``, the
    most frequent first; None if there were none."""
    if not TALLY.counts:
        return None
    total = sum(TALLY.counts.values())
    common = TALLY.counts.most_common(3)
    parts = "; ".join(f"{code} x{n}{': ' + text if text else ''}" for (code, text), n in common)
    more = f"; {len(TALLY.counts) - 3} other kinds" if len(TALLY.counts) > 3 else ""
    return f"Neo4j sent {total} notification{'s' if total != 1 else ''} ({parts}{more})"
