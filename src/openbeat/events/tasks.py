"""Background work for events: every email a resident gets about a meeting."""

from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from openbeat.core.background import task
from openbeat.core.mail import send_or_retry, sender
from openbeat.events.ical import calendar_for
from openbeat.events.models import RSVP, Question, QuestionVote
from openbeat.events.qr import check_in_png

# Which kinds of message hold a place, and so carry the reply's QR code for check-in.
WITH_CHECK_IN = {"confirmed", "promoted"}
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


def _check_in_image(rsvp):
    """The QR code as an inline PNG part: mail apps show it with the text (most mail apps
    block images fetched from a link, so it travels with the message). The text says the code
    in letters too, and the reply's page shows the same QR code."""
    image = MIMEImage(check_in_png(rsvp), "png")
    image.add_header("Content-Disposition", "inline", filename="check-in-code.png")
    image.add_header("Content-ID", "<check-in-code>")
    return image


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
    if kind in WITH_CHECK_IN:
        message.attach(_check_in_image(rsvp))
    send_or_retry(message, send_rsvp_email, [rsvp_id, kind], attempt)


@task()
def send_question_email(kind, target, pk, attempt=0):
    """Tell an asker ("question") or a +1-er ("vote") about a question to a meeting: confirm the
    address, "you already asked or +1-ed it", or the answer."""
    if target == "question":
        question = Question.objects.select_related("occurrence__event__agency").get(pk=pk)
        address, language, token = question.asker_email, question.language, question.token
    else:
        vote = QuestionVote.objects.select_related("question__occurrence__event__agency").get(pk=pk)
        question = vote.question
        address, language, token = vote.email, vote.language, vote.token
    if not address:
        return
    occurrence = question.occurrence
    event = occurrence.event
    with translation.override(language):
        context = {
            "question": question,
            "occurrence": occurrence,
            "event": event,
            "local_start": timezone.localtime(occurrence.start, event.agency.tz),
            "confirm_url": settings.BASE_URL + reverse("question_email", args=[token]),
            "question_url": settings.BASE_URL + question.get_absolute_url(),
            "meeting_url": settings.BASE_URL + occurrence.get_absolute_url(),
        }
        subject = render_to_string(f"events/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"events/email/{kind}.txt", context)
    message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[address])
    send_or_retry(message, send_question_email, [kind, target, pk], attempt)
