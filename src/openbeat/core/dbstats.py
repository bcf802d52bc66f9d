"""Planner statistics for SQLite, which keeps none unless asked.

Without them SQLite guesses its plans from the schema alone. At a million concerns it then
looks for duplicates of a report through the category index of every agency (~230 ms a
submission) instead of the location index (~1 ms), and walks the whole map grid's latitude band
for pins. `ANALYZE` with `analysis_limit` samples each index (~0.1 s on that database), so it
runs after every `migrate` and periodically from the worker. PostgreSQL's autovacuum analyses by
itself.
"""

import logging
import threading
from typing import Any

from django.db import connections

logger = logging.getLogger(__name__)

EVERY = 3600  # seconds between two refreshes by the worker
ANALYSIS_LIMIT = 1000  # rows sampled per index: plans as good as a full ANALYZE, far cheaper


def refresh(using: str = "default") -> bool:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True


def after_migrate(
    sender: object, using: str = "default", plan: object = None, **kwargs: Any
) -> None:
    """post_migrate: refresh once `migrate` has run (not after a test's flush: plan is None)."""
    if plan is not None:
        refresh(using)


def refresh_forever(stop: threading.Event) -> None:
    while not stop.wait(EVERY):
        try:
            refresh()
        except Exception:  # statistics must never take the worker down
            logger.exception("Refreshing SQLite's planner statistics failed; trying again later")
