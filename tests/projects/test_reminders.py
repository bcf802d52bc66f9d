"""The day-before reminder: one per volunteer with a place, sent by the worker's periodic job."""

import datetime

from django.utils import timezone

from openbeat.core.worker import run_periodic_jobs
from openbeat.projects import actions
from openbeat.projects.models import Shift
from openbeat.projects.tasks import queue_due_reminders
from tests import factories
from tests.tasks import drain


def _subjects(mailbox, address):
    return [str(m["Subject"]).strip().split(":")[0] for m in mailbox.to(address)]


def test_each_volunteer_with_a_place_is_reminded_once_the_day_before(town, mailbox):
    project = factories.project(town, slots=2, shifts=2)
    first, later = Shift.objects.filter(role__project=project).order_by("start")
    ann = factories.volunteer(first, email="ann@example.org")
    bob = factories.volunteer(first, email="bob@example.org")
    factories.volunteer(first, email="cy@example.org")  # waiting, then promoted
    factories.volunteer(first, email="dee@example.org", confirm=False)
    factories.volunteer(later, email="eve@example.org")
    actions.cancel_sign_up(bob.token)

    assert queue_due_reminders(now=first.start - datetime.timedelta(hours=30)) == 0
    day_before = first.start - datetime.timedelta(hours=20)
    assert queue_due_reminders(now=day_before) == 2
    assert queue_due_reminders(now=day_before + datetime.timedelta(minutes=5)) == 0
    assert _subjects(mailbox, "ann@example.org") == [
        "Please confirm your sign-up",
        "You're on the shift",
        "Reminder",
    ]
    assert _subjects(mailbox, "cy@example.org")[-1] == "Reminder"
    for address in ("bob@example.org", "dee@example.org", "eve@example.org"):
        assert "Reminder" not in _subjects(mailbox, address), address
    reminder = mailbox.to("ann@example.org")[-1].get_body(("plain",)).get_content()
    assert f"/projects/sign-ups/{ann.token}/" in reminder and "Smyrna Town Hall" in reminder


def test_the_worker_sends_reminders_once_however_often_its_timer_runs(
    town, mailbox, database_tasks
):
    project = factories.project(town)
    role = project.roles.get()
    soon = timezone.now() + datetime.timedelta(hours=3)
    shift = actions.add_shift(
        role, soon, soon + datetime.timedelta(hours=2), "Smyrna Town Hall", 4, acting_user=None
    )
    factories.volunteer(shift, email="ann@example.org")
    changed_mind = factories.volunteer(shift, email="bob@example.org")
    drain()
    mailbox.clear()

    run_periodic_jobs()
    # Bob cancels after his reminder was queued, before the worker got to it: he is not sent it.
    actions.cancel_sign_up(changed_mind.token)
    drain()
    run_periodic_jobs()
    drain()
    assert _subjects(mailbox, "ann@example.org") == ["Reminder"]
    assert mailbox.to("bob@example.org") == []
