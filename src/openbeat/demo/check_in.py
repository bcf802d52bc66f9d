"""Demo data for QR check-in: residents who replied to the last community awareness meeting and
were checked in at the door by their codes (insights count them with the walk-ins), and replies
to the next one, whose pages show the QR code to bring. Written through the real actions at the
moment they happened; loading twice adds nothing."""

import datetime

from django.utils import timezone

from openbeat.demo.clock import at
from openbeat.events import actions
from openbeat.events.models import Event, Occurrence, OccurrenceStatus

PAST_REPLIES = [
    ("Rosa Martínez", "rosa.martinez@example.org", 2, True),
    ("Tom Hughes", "tom.hughes@example.org", 1, True),
    ("Keisha Brown", "keisha.brown@example.org", 1, False),  # replied, did not come
]
NEXT_REPLIES = [
    ("Linda Carter", "linda.carter@example.org", 1),
    ("Jorge Ramírez", "jorge.ramirez@example.org", 3),
]


def _reply(occurrence, name, email, party_size):
    rsvp, _outcome = actions.create_rsvp(occurrence.pk, name, email, party_size, language="en")
    assert rsvp is not None
    return actions.confirm_rsvp(rsvp.token)[0]


def load(meetings: Event, officer) -> None:
    now = timezone.now()
    scheduled = Occurrence.objects.filter(event=meetings, status=OccurrenceStatus.SCHEDULED)
    last = scheduled.filter(end__lte=now).order_by("-start").first()
    upcoming = scheduled.filter(start__gt=now).order_by("start").first()
    if last is not None and not last.rsvps.exists():
        for minutes, (name, email, size, came) in enumerate(PAST_REPLIES):
            with at(last.start - datetime.timedelta(days=6, minutes=-minutes)):
                rsvp = _reply(last, name, email, size)
            if came:
                with at(last.start - datetime.timedelta(minutes=8 - minutes)):
                    actions.check_in_by_code(last, rsvp.check_in_code, acting_user=officer)
    if upcoming is not None and not upcoming.rsvps.exists():
        for name, email, size in NEXT_REPLIES:
            _reply(upcoming, name, email, size)
