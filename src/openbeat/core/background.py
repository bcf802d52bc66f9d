"""Background work: the standard task decorator and the one way actions queue side effects.

`task` is django.tasks from Django 6, the django-tasks backport before.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import OperationalError, transaction

try:
    from django.tasks import Task, task
except ImportError:  # Django 5.2
    # The backport has the same API; the checker reads django.tasks's declarations for both.
    from django_tasks import task  # type: ignore[no-redef]
    from django_tasks.base import Task  # type: ignore[assignment]

__all__ = ["Task", "WriteBusy", "enqueue_with_write", "optional_write", "task"]


def _stored_with_the_write(backend: object) -> bool:
    # The database backend writes the task row in the caller's transaction: it commits with the
    # write it belongs to (a crash just after commit loses nothing) or rolls back with it.
    return type(backend).__module__.startswith("django_tasks_db")


def enqueue_with_write(task_function: Task[..., Any], *args: Any) -> None:
    """Queue a side effect of the current write: it runs if, and only if, the write commits."""
    if _stored_with_the_write(task_function.get_backend()):
        task_function.enqueue(*args)
    else:
        transaction.on_commit(lambda: task_function.enqueue(*args))


class WriteBusy(Exception):
    """The database was busy with another write; the optional write was skipped."""


def _busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return "locked" in text or "lock timeout" in text or "lock_timeout" in text


@contextmanager
def optional_write(seconds: float = 1.0) -> Iterator[None]:
    """A transaction for a write a page may skip (asking for a background refresh): it waits at
    most `seconds` for the database's write lock (SQLite) or a row lock (PostgreSQL), then
    raises WriteBusy, rolled back, instead of keeping a reader waiting behind the worker.
    """
    connection = transaction.get_connection()
    millis = max(1, int(seconds * 1000))
    try:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout")
                before = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA busy_timeout={millis}")
            try:
                with transaction.atomic():
                    yield
            finally:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA busy_timeout={int(before)}")
        else:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{millis}ms"])
                yield
    except OperationalError as exc:
        if _busy(exc):
            raise WriteBusy(str(exc)) from exc
        raise
