"""Emails to volunteers, and the sweep that queues the day-before reminders."""

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from openbeat.core.background import enqueue_with_write, task
from openbeat.core.mail import send_or_retry, sender
from openbeat.projects.models import SignUp, SignUpStatus

KINDS = (
    "confirm",
    "already",
    "confirmed",
    "waitlisted",
    "promoted",
    "reminder",
    "changed",
    "shift_cancelled",
)
REMIND_WITHIN = datetime.timedelta(hours=24)


@task()
def send_sign_up_email(sign_up_id, kind, attempt=0):
    """Tell a volunteer about their sign-up; every message carries their private link."""
    signed = SignUp.objects.select_related("shift__role__project__agency", "shift__agency").get(
        pk=sign_up_id
    )
    if kind == "reminder" and signed.status != SignUpStatus.CONFIRMED:
        return  # cancelled since the reminder was queued
    if kind == "changed" and signed.status not in (SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED):
        return  # cancelled since
    shift = signed.shift
    project = shift.role.project
    with translation.override(signed.language):
        context = {
            "sign_up": signed,
            "shift": shift,
            "role": shift.role,
            "project": project,
            "agency": project.agency,
            "local_start": timezone.localtime(shift.start, shift.agency.tz),
            "local_end": timezone.localtime(shift.end, shift.agency.tz),
            "manage_url": settings.BASE_URL + signed.get_absolute_url(),
            "confirm_url": settings.BASE_URL + reverse("projects:confirm", args=[signed.token]),
            "project_url": settings.BASE_URL + project.get_absolute_url(),
        }
        subject = render_to_string(f"projects/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"projects/email/{kind}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[signed.email],
        from_email=sender(project.agency),
    )
    send_or_retry(message, send_sign_up_email, [sign_up_id, kind], attempt)


def queue_due_reminders(now=None):
    """Queue one reminder for each confirmed volunteer whose shift starts within a day.

    Idempotent: a sign-up is marked reminded in the same transaction that queues its email (the
    task row commits with the mark), so running this twice, or in two workers at once, sends
    one reminder per sign-up. Returns how many were queued.
    """
    now = now or timezone.now()
    due = SignUp.objects.filter(
        status=SignUpStatus.CONFIRMED,
        reminded_at__isnull=True,
        shift__start__gt=now,
        shift__start__lte=now + REMIND_WITHIN,
    ).values_list("pk", flat=True)
    queued = 0
    for pk in list(due):
        with transaction.atomic():
            # The conditional update is the claim: a second sweep finds nothing left to mark.
            claimed = SignUp.objects.filter(
                pk=pk, status=SignUpStatus.CONFIRMED, reminded_at__isnull=True
            ).update(reminded_at=now)
            if claimed:
                enqueue_with_write(send_sign_up_email, pk, "reminder")
                queued += claimed
    return queued
