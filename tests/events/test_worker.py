"""The production email path: the task is stored in the database and sent by the worker."""

import pytest
from django.utils import timezone

from tests import factories
from tests.tasks import drain


def test_confirmation_waits_in_the_queue_until_the_worker_sends_it(town, mailbox, database_tasks):
    from django_tasks_db.models import DBTaskResult

    occurrence = factories.event(town).occurrences.get()
    factories.rsvp(occurrence, email="queued@example.org", confirm=False)
    assert DBTaskResult.objects.count() == 1
    assert mailbox.to("queued@example.org") == []
    drain()
    (message,) = mailbox.to("queued@example.org")
    assert message["Subject"].startswith("Confirm your reply")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_an_smtp_outage_retries_later_instead_of_losing_the_email(
    town, mailbox, database_tasks, settings
):
    from django_tasks_db.models import DBTaskResult

    occurrence = factories.event(town).occurrences.get()
    factories.rsvp(occurrence, email="outage@example.org", confirm=False)
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there: connection refused
    drain()
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["args"][-1] == 1 and retry.run_after > timezone.now()
    assert mailbox.to("outage@example.org") == []
    settings.EMAIL_PORT = good_port
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # the hour has passed
    drain()
    assert len(mailbox.to("outage@example.org")) == 1


def test_a_reply_rolled_back_leaves_no_email_queued(town, mailbox, database_tasks):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    occurrence = factories.event(town).occurrences.get()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        factories.rsvp(occurrence, email="rolled-back@example.org", confirm=False)
        assert DBTaskResult.objects.count() == 1  # queued with the write...
        raise Abort
    assert DBTaskResult.objects.count() == 0  # ...and gone with it
    drain()
    assert mailbox.to("rolled-back@example.org") == []


def test_tasks_left_by_a_dead_worker_go_back_in_the_queue(town, mailbox, database_tasks):
    import datetime
    import os
    import socket
    import subprocess
    import sys

    from django_tasks_db.models import DBTaskResult

    from openbeat.core.worker import requeue_abandoned

    occurrence = factories.event(town).occurrences.get()
    for i in range(4):
        factories.rsvp(occurrence, email=f"claimed{i}@example.org", confirm=False)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    host = socket.gethostname()
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    claims = [
        (f"{host}:{dead}:x", timezone.now()),
        (f"{host}:{os.getpid()}:x", timezone.now()),
        ("elsewhere:1:x", timezone.now()),
        ("elsewhere:1:x", long_ago),
    ]
    tasks = list(DBTaskResult.objects.order_by("enqueued_at"))
    for task, (worker, started) in zip(tasks, claims, strict=True):
        DBTaskResult.objects.filter(pk=task.pk).update(
            status="RUNNING", worker_ids=[worker], started_at=started
        )
    assert requeue_abandoned() == 2  # the dead local worker's, and the one past its lease
    states = [DBTaskResult.objects.get(pk=t.pk).status for t in tasks]
    assert states == ["READY", "RUNNING", "RUNNING", "READY"]
    drain()
    assert (
        len(mailbox.to("claimed0@example.org")) == 1
        and len(mailbox.to("claimed3@example.org")) == 1
    )
