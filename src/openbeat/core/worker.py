"""The task worker, with recovery of tasks a crashed worker left half-done.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again, so a
worker killed mid-task (power cut, OOM, SIGKILL) would drop that email for good. Before it
starts, and every few minutes, our worker puts such tasks back in the queue: at-least-once
delivery, the semantics the rest of OpenBeat relies on ("nothing acknowledged is ever lost").
The same timer runs the periodic jobs (settings.PERIODIC_JOBS), such as volunteer reminders.
"""

import datetime
import logging
import os
import socket
import threading
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from openbeat.core import dbstats

if TYPE_CHECKING:  # imported where it is used: it loads django-tasks-db's models
    from django_tasks_db.management.commands.db_worker import Worker

logger = logging.getLogger(__name__)

# A claim older than this is abandoned even when its worker's machine cannot be checked
# (another server): no OpenBeat task takes anywhere near this long.
LEASE = datetime.timedelta(minutes=30)
SWEEP_EVERY = 300  # seconds


def worker_id() -> str:
    """host:pid:random — enough to tell, on this machine, whether the worker is still alive."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:64]


def alive_here(claimed_by: str) -> bool | None:
    """Whether the worker `host:pid:...` still runs: True, False, or None (another machine)."""
    host, _sep, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None  # cannot tell from here
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def requeue_abandoned(now: datetime.datetime | None = None) -> int:
    """Put back RUNNING tasks whose worker died (on this machine) or whose lease ran out."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    requeued = 0
    with transaction.atomic():
        for task in DBTaskResult.objects.select_for_update().filter(status="RUNNING"):
            claimed_by = task.worker_ids[-1] if task.worker_ids else ""
            alive = alive_here(claimed_by)
            expired = task.started_at is None or now - task.started_at > LEASE
            if alive is False or (alive is None and expired):
                task.status = "READY"
                task.started_at = None
                task.save(update_fields=["status", "started_at"])
                requeued += 1
    if requeued:
        logger.warning("Put %s task(s) left by a stopped worker back in the queue", requeued)
    return requeued


def make_worker(interval: float = 1.0, batch: bool = False) -> "Worker":
    """A worker of the default queue; with `batch`, it runs the tasks due now and returns."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id(),
        excluded_queue_names=[],
    )


def run_periodic_jobs() -> None:
    """Run each job of settings.PERIODIC_JOBS once (e.g. queueing the day-before reminders).

    Jobs must be idempotent: every worker runs them, at start and every SWEEP_EVERY seconds.
    """
    for path in settings.PERIODIC_JOBS:
        try:
            import_string(path)()
        except Exception:  # one failing job must neither stop the others nor the worker
            logger.exception("Periodic job %s failed; trying again later", path)


def _sweep_forever(stop: threading.Event) -> None:
    while not stop.wait(SWEEP_EVERY):
        try:
            requeue_abandoned()
        except Exception:  # a sweep must never take the worker down
            logger.exception("Sweeping abandoned tasks failed; trying again later")
        run_periodic_jobs()


def run_worker(interval: float = 1.0, in_thread: bool = False) -> "Worker":
    """Recover abandoned tasks, then work the queue (in this thread, or a daemon thread)."""
    requeue_abandoned()
    run_periodic_jobs()
    worker = make_worker(interval)
    stop = threading.Event()
    threading.Thread(
        target=_sweep_forever, args=(stop,), daemon=True, name="openbeat-sweeper"
    ).start()
    threading.Thread(
        target=dbstats.refresh_forever, args=(stop,), daemon=True, name="openbeat-statistics"
    ).start()
    if in_thread:
        threading.Thread(target=worker.run, daemon=True, name="openbeat-worker").start()
        return worker
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
    return worker
