"""Background work for events: every email a resident gets about a meeting."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openbeat.core.background import task
from openbeat.core.mail import send_or_retry, sender
from openbeat.events.ical import calendar_for
from openbeat.events.models import RSVP

# Which kinds of message carry the meeting as a calendar attachment.
KINDS = {
    "confirm": False,
    "already": False,
    "confirmed": True,
    "waitlisted": False,
    "promoted": True,
    "occurrence_cancelled": True,
    "occurrence_moved": True,
}


@task()
def send_rsvp_email(rsvp_id, kind, attempt=0):
    """Tell a resident about their reply; the .ics lets their calendar follow the meeting."""
    rsvp = RSVP.objects.select_related(
        "occurrence__event__agency", "occurrence__venue", "occurrence__event__venue"
    ).get(pk=rsvp_id)
    occurrence = rsvp.occurrence
    event = occurrence.event
    with translation.override(rsvp.language):
        context = {
            "rsvp": rsvp,
            "occurrence": occurrence,
            "event": event,
            "place": occurrence.place,
            "local_start": timezone.localtime(occurrence.start, event.agency.tz),
            "manage_url": settings.BASE_URL + rsvp.get_absolute_url(),
            "event_url": settings.BASE_URL + occurrence.get_absolute_url(),
        }
        subject = render_to_string(f"events/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"events/email/{kind}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[rsvp.email],
        from_email=sender(event.agency),
    )
    if KINDS[kind]:
        message.attach(
            "meeting.ics",
            calendar_for([occurrence], event.title),
            "text/calendar; method=PUBLISH; charset=utf-8",
        )
    send_or_retry(message, send_rsvp_email, [rsvp_id, kind], attempt)
