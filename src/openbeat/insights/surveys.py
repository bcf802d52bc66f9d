"""The one write path for pulse surveys: inviting residents and taking their answers.

An answer is stored with its meeting or concern, area and month only. The invitation that
brought it is marked used, without a time and without a link to the answer, so nothing staff or
the public can see ties an answer to the person who gave it.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.concerns.models import Concern, Status
from openbeat.core.background import enqueue_with_write
from openbeat.core.refusals import refusal
from openbeat.events.models import Occurrence, OccurrenceStatus, RSVPStatus
from openbeat.insights.models import (
    SCALE,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
    Via,
)
from openbeat.insights.stats import ITEMS
from openbeat.insights.tasks import send_survey_invitation

MAX_COMMENT = 2000
INVITE_HOUR = 9  # the morning after a meeting, local time
INVITE_WITHIN = datetime.timedelta(days=7)  # meetings older than this when the worker runs: skipped


def survey_days():
    return datetime.timedelta(days=settings.SURVEY_DAYS)


def month_of(agency, when):
    """The first day of the month `when` falls in, in the agency's time zone."""
    return timezone.localtime(when, agency.tz).date().replace(day=1)


def clean_answers(data):
    """The five items as integers on the scale and the comment, or a refusal."""
    errors, values = {}, {}
    for item in ITEMS:
        raw = str(data.get(item) or "").strip()
        if not raw.isdecimal() or not SCALE[0] <= int(raw) <= SCALE[1]:
            errors[item] = _("Choose one answer from 1 (strongly disagree) to 5 (strongly agree).")
        else:
            values[item] = int(raw)
    comment = (data.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = _(
            "Please shorten your comment to %(most)s characters (it has %(count)s)."
        ) % {"most": MAX_COMMENT, "count": len(comment)}
    if errors:
        raise refusal(errors)
    return values, comment


def meeting_problem(occurrence, now=None):
    """Why this meeting cannot be surveyed now (a message), or None when it can."""
    now = now or timezone.now()
    if occurrence.is_cancelled:
        return _("This meeting was canceled, so there is nothing to give feedback on.")
    if occurrence.start > now:
        return _(
            "This meeting has not happened yet. The feedback form opens when the meeting starts."
        )
    if occurrence.end + survey_days() < now:
        return _("Feedback for this meeting has closed. Thank you for your interest.")
    return None


def meeting_area(occurrence):
    return occurrence.event.area or occurrence.place.find_area()


def _store(agency, kind, via, values, comment, language, occurrence=None, concern=None, area=None):
    return SurveyResponse.objects.create(
        agency=agency,
        area=area,
        kind=kind,
        via=via,
        occurrence=occurrence,
        concern=concern,
        month=month_of(agency, timezone.now()),
        comment=comment,
        language=(language or "en")[:8],
        **values,
    )


def answer_invitation(invitation, data, language="en"):
    """Take the one answer an invitation allows.

    Invariant: an invitation yields at most one answer, even when the form is sent twice at
    once (the claim is a conditional UPDATE in the answer's transaction).
    """
    values, comment = clean_answers(data)
    if invitation.answered:
        raise refusal(None, _("This link has already been used to answer. Thank you!"))
    if invitation.created_at + survey_days() < timezone.now():
        raise refusal(None, _("This survey has closed. Thank you for your interest."))
    occurrence = invitation.occurrence
    concern = invitation.concern
    with transaction.atomic():
        claimed = SurveyInvitation.objects.filter(pk=invitation.pk, answered=False).update(
            answered=True
        )
        if not claimed:
            raise refusal(None, _("This link has already been used to answer. Thank you!"))
        area = meeting_area(occurrence) if occurrence else concern.area if concern else None
        return _store(
            invitation.agency,
            invitation.kind,
            Via.INVITATION,
            values,
            comment,
            language,
            occurrence=occurrence,
            concern=concern,
            area=area,
        )


def answer_walk_in(occurrence, data, language="en"):
    """An answer from the table at a meeting (its QR code), without an invitation."""
    values, comment = clean_answers(data)
    problem = meeting_problem(occurrence)
    if problem:
        raise refusal(None, problem)
    with transaction.atomic():
        return _store(
            occurrence.agency,
            SurveyKind.MEETING,
            Via.WALK_IN,
            values,
            comment,
            language,
            occurrence=occurrence,
            area=meeting_area(occurrence),
        )


def invite_after_closure(concern: Concern) -> SurveyInvitation | None:
    """Ask the reporter of a closed concern how it went, once; call in the closing transaction."""
    if not concern.reporter_email or concern.status == Status.DUPLICATE:
        return None
    invitation, created = SurveyInvitation.objects.get_or_create(
        concern=concern, defaults={"agency": concern.agency, "kind": SurveyKind.CONCERN}
    )
    if created:
        enqueue_with_write(send_survey_invitation, invitation.pk)
    return invitation


def invitation_time(occurrence):
    """9 a.m. local time on the day after the meeting ended."""
    tz = occurrence.agency.tz
    day = timezone.localtime(occurrence.end, tz).date() + datetime.timedelta(days=1)
    return datetime.datetime(day.year, day.month, day.day, INVITE_HOUR, tzinfo=tz)


def _invitees(occurrence):
    """Who is asked: those checked in when staff checked people in, else every confirmed reply."""
    confirmed = occurrence.rsvps.filter(status=RSVPStatus.CONFIRMED)
    came = confirmed.filter(checked_in_at__isnull=False)
    return came if came.exists() else confirmed


def invite_meeting(occurrence):
    """Invite the meeting's residents, each once: returns how many new invitations were queued."""
    queued = 0
    with transaction.atomic():
        invited = SurveyInvitation.objects.filter(occurrence=occurrence).values("rsvp_id")
        for rsvp in _invitees(occurrence).exclude(pk__in=invited).select_for_update():
            invitation, created = SurveyInvitation.objects.get_or_create(
                rsvp=rsvp,
                defaults={
                    "agency": occurrence.agency,
                    "kind": SurveyKind.MEETING,
                    "occurrence": occurrence,
                },
            )
            if created:
                enqueue_with_write(send_survey_invitation, invitation.pk)
                queued += 1
    return queued


def invite_due_meetings(now=None):
    """Invite residents of every meeting whose next morning has come (and is under a week old).

    Run by the worker every few minutes; running it again, or on two workers, sends nothing twice.
    """
    now = now or timezone.now()
    recent = Occurrence.objects.filter(
        status=OccurrenceStatus.SCHEDULED,
        end__gte=now - INVITE_WITHIN,
        end__lte=now,
        rsvps__status="confirmed",
    ).distinct()
    queued = 0
    for occurrence in recent.select_related("agency"):
        if invitation_time(occurrence) <= now:
            queued += invite_meeting(occurrence)
    return queued
