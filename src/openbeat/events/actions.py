"""The one write path for events, meetings and RSVPs. Views, staff pages and the admin call these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.core import audit, audit_events
from openbeat.core.background import enqueue_with_write
from openbeat.core.contact import clean_contact
from openbeat.core.models import Venue
from openbeat.core.refusals import refusal
from openbeat.events import recurrence
from openbeat.events.models import (
    MAX_WALK_INS,
    RSVP,
    Event,
    Occurrence,
    OccurrenceStatus,
    RSVPStatus,
)
from openbeat.events.tasks import send_rsvp_email

if TYPE_CHECKING:
    from openbeat.core.access import Actor

# Replies whose address confirmed them: they hold a place or a turn, and are told of changes.
LIVE = (RSVPStatus.CONFIRMED, RSVPStatus.WAITLISTED)


def _notify(rsvp_ids: Iterable[int], kind: str) -> None:
    """Queue one email per reply, sent only if the transaction commits."""
    for pk in list(rsvp_ids):
        enqueue_with_write(send_rsvp_email, pk, kind)


def sync_occurrences(event: Event) -> None:
    """Make the dated meetings match the event's start and rule.

    Past meetings are history and never touched; a future meeting that leaves the series is
    deleted when nobody replied, otherwise cancelled and its residents told.
    """
    starts = recurrence.utc_starts(event.start, event.rrule, event.agency.tz)
    length = datetime.timedelta(minutes=event.duration_minutes)
    existing = {occ.original_start: occ for occ in event.occurrences.all()}
    new = []
    for start in starts:
        occurrence = existing.pop(start, None)
        if occurrence is None:
            new.append(
                Occurrence(
                    event=event,
                    agency=event.agency,
                    original_start=start,
                    start=start,
                    end=start + length,
                )
            )
        elif occurrence.end != occurrence.start + length or occurrence.agency_id != event.agency_id:
            occurrence.end = occurrence.start + length
            occurrence.agency = event.agency
            occurrence.save(update_fields=["end", "agency"])
    Occurrence.objects.bulk_create(new)
    now = timezone.now()
    for occurrence in existing.values():
        if occurrence.start <= now:
            continue
        live = list(occurrence.rsvps.filter(status__in=LIVE).values_list("pk", flat=True))
        if live:
            _cancel(occurrence, _("This date was removed from the series."))
            _notify(live, "occurrence_cancelled")
        else:
            occurrence.delete()


def save_event(event: Event, is_new: bool, *, acting_user: Actor | None) -> Event:
    """Save an event and its dated meetings together; an invalid rule changes nothing."""
    recurrence.utc_starts(event.start, event.rrule, event.agency.tz)
    with transaction.atomic():
        before = None if is_new else audit.snapshot(Event.objects.get(pk=event.pk))
        if event.area_id is None:
            event.area = event.venue.find_area()
        event.save()
        sync_occurrences(event)
        audit.record(
            acting_user,
            audit_events.EVENT_CREATE if is_new else audit_events.EVENT_UPDATE,
            event,
            before=before,
            after=audit.snapshot(event),
        )
    return event


def _clean_reply(name: str | None, email: str | None, party_size: Any) -> tuple[str, str, int]:
    name, email = clean_contact(name, email)
    try:
        party_size = int(party_size)
    except (TypeError, ValueError) as exc:
        raise refusal(
            "party_size", _("Please give the number of people coming as a whole number.")
        ) from exc
    most = settings.MAX_PARTY_SIZE
    if not 1 <= party_size <= most:
        raise refusal(
            "party_size",
            _("The number of people coming must be between 1 and %(most)s.") % {"most": most},
        )
    return name, email, party_size


def _confirmed_places(occurrence: Occurrence) -> int:
    taken = occurrence.rsvps.filter(status=RSVPStatus.CONFIRMED).aggregate(n=Sum("party_size"))["n"]
    return taken or 0


def create_rsvp(
    occurrence_id: int,
    name: str | None,
    email: str | None,
    party_size: Any,
    form_nonce: str | None = None,
    language: str = "en",
) -> tuple[RSVP | None, str]:
    """Take a resident's reply to one meeting; the address confirms it by the emailed link.

    Invariants: a reply holds a place (or a turn on the waiting list) only once its address
    confirmed it, so nothing a stranger sees changes with the address typed (`core.emailforms`);
    one live reply per email per meeting; the same form submitted twice makes one reply.

    Returns (rsvp, outcome): "new" and "pending" (asked to confirm; the confirmation is sent
    again), "already" (the address replied before: it is sent its link again), "same" (this
    form was sent before).
    """
    name, email, party_size = _clean_reply(name, email, party_size)
    form_nonce = (form_nonce or "")[:64] or None
    try:
        with transaction.atomic():
            return _create_rsvp_locked(occurrence_id, name, email, party_size, form_nonce, language)
    except IntegrityError:
        # Two submissions raced; the other one won. Answer as if it were this one.
        if form_nonce and (same := RSVP.objects.filter(form_nonce=form_nonce).first()):
            return same, "same"
        return occurrence_rsvp(occurrence_id, email), "pending"


def occurrence_rsvp(occurrence_id: int, email: str) -> RSVP | None:
    """The live (not cancelled) reply of an address to a meeting, or None."""
    return (
        RSVP.objects.filter(occurrence_id=occurrence_id, email=email)
        .exclude(status=RSVPStatus.CANCELLED)
        .first()
    )


def _refuse_if_closed(occurrence: Occurrence, party_size: int) -> None:
    """What no address changes: a meeting cancelled, begun, or smaller than the group."""
    if occurrence.is_cancelled:
        raise refusal(None, _("This meeting has been canceled, so it is not taking replies."))
    if occurrence.start <= timezone.now():
        raise refusal(
            None, _("This meeting has already started or taken place. Choose a later date.")
        )
    capacity = occurrence.event.capacity
    if capacity is not None and party_size > capacity:
        raise refusal(
            "party_size",
            _("This meeting has %(capacity)s places in all; please reply for fewer people.")
            % {"capacity": capacity},
        )


def _create_rsvp_locked(
    occurrence_id: int,
    name: str,
    email: str,
    party_size: int,
    form_nonce: str | None,
    language: str,
) -> tuple[RSVP, str]:
    occurrence = (
        Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence_id)
    )
    if form_nonce and (same := RSVP.objects.filter(form_nonce=form_nonce).first()):
        return same, "same"
    _refuse_if_closed(occurrence, party_size)
    capacity = occurrence.event.capacity
    full = capacity is not None and _confirmed_places(occurrence) + party_size > capacity
    if full and not occurrence.event.waitlist:
        raise refusal(None, _("This meeting is full. Please choose another date."))
    if (existing := occurrence_rsvp(occurrence.pk, email)) is not None:
        pending = existing.status == RSVPStatus.PENDING
        _notify([existing.pk], "confirm" if pending else "already")
        return existing, "pending" if pending else "already"
    rsvp = RSVP.objects.create(
        occurrence=occurrence,
        agency_id=occurrence.agency_id,
        name=name,
        email=email,
        party_size=party_size,
        status=RSVPStatus.PENDING,
        form_nonce=form_nonce,
        language=language[:8],
    )
    _notify([rsvp.pk], "confirm")
    return rsvp, "new"


def _locked(token: str) -> tuple[RSVP, Occurrence]:
    """The reply with this token and its meeting, the meeting's row locked (every change of a
    reply's status waits for the others on the same meeting: places are counted under it)."""
    rsvp = RSVP.objects.get(token=token)
    occurrence = (
        Occurrence.objects.select_for_update().select_related("event").get(pk=rsvp.occurrence_id)
    )
    rsvp.refresh_from_db()
    return rsvp, occurrence


def confirm_rsvp(token: str) -> tuple[RSVP, bool]:
    """The address confirmed its reply: a place, or the waiting list when the meeting is full.

    Invariant: confirmed places never exceed the meeting's capacity. Confirming again changes
    nothing. Returns (rsvp, changed).
    """
    with transaction.atomic():
        rsvp, occurrence = _locked(token)
        if rsvp.status == RSVPStatus.CANCELLED:
            raise refusal(
                None,
                _("This reply was canceled. Reply again on the meeting's page if you can come."),
            )
        if rsvp.status != RSVPStatus.PENDING:
            return rsvp, False
        _refuse_if_closed(occurrence, rsvp.party_size)
        capacity = occurrence.event.capacity
        status = RSVPStatus.CONFIRMED
        if capacity is not None and _confirmed_places(occurrence) + rsvp.party_size > capacity:
            if not occurrence.event.waitlist:
                raise refusal(None, _("This meeting is full. Please choose another date."))
            status = RSVPStatus.WAITLISTED
        rsvp.status = status
        rsvp.confirmed_at = timezone.now()
        rsvp.save(update_fields=["status", "confirmed_at"])
        _notify([rsvp.pk], "confirmed" if status == RSVPStatus.CONFIRMED else "waitlisted")
    return rsvp, True


PENDING_KEPT = datetime.timedelta(days=7)


def forget_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Replies whose address never confirmed them hold no place and are not kept: deleted a week
    after they were made (a worker's periodic job; a second run finds nothing)."""
    cutoff = (now or timezone.now()) - PENDING_KEPT
    deleted, _counts = RSVP.objects.filter(
        status=RSVPStatus.PENDING, created_at__lt=cutoff
    ).delete()
    return deleted


def _promote_waitlist(occurrence: Occurrence) -> list[int]:
    """Give freed places to the waiting list in the order people joined it."""
    capacity = occurrence.event.capacity
    free = None if capacity is None else capacity - _confirmed_places(occurrence)
    promoted = []
    for waiting in occurrence.rsvps.filter(status=RSVPStatus.WAITLISTED).order_by(
        "created_at", "id"
    ):
        if free is not None and waiting.party_size > free:
            continue
        waiting.status = RSVPStatus.CONFIRMED
        waiting.promoted_at = timezone.now()
        waiting.save(update_fields=["status", "promoted_at"])
        promoted.append(waiting.pk)
        if free is not None:
            free -= waiting.party_size
    _notify(promoted, "promoted")
    return promoted


def cancel_rsvp(token: str) -> tuple[RSVP, list[int]]:
    """Cancel a reply by its private token and offer the freed places to the waiting list."""
    with transaction.atomic():
        rsvp, occurrence = _locked(token)
        if rsvp.status == RSVPStatus.CANCELLED:
            return rsvp, []
        if occurrence.start <= timezone.now():
            raise refusal(
                None, _("This meeting has already taken place, so the reply stays as it was.")
            )
        rsvp.status = RSVPStatus.CANCELLED
        rsvp.cancelled_at = timezone.now()
        rsvp.save(update_fields=["status", "cancelled_at"])
        promoted = _promote_waitlist(occurrence)
    return rsvp, promoted


def check_in(rsvp: RSVP, present: bool = True, *, acting_user: Actor | None) -> RSVP:
    """Mark a reply as arrived (or not) at the meeting: from the meeting's day, never cancelled."""
    occurrence = rsvp.occurrence
    if occurrence.is_cancelled:
        raise refusal(None, _("This meeting is canceled: there is no one to check in."))
    if not occurrence.has_begun_its_day:
        raise refusal(None, _("Check-in opens on the day of the meeting."))
    if rsvp.status != RSVPStatus.CONFIRMED:
        raise refusal(None, _("Only confirmed replies can be checked in."))
    with transaction.atomic():
        before = audit.snapshot(rsvp, exclude=("name", "email"))
        rsvp.checked_in_at = timezone.now() if present else None
        rsvp.save(update_fields=["checked_in_at"])
        audit.record(
            acting_user,
            audit_events.RSVP_CHECK_IN if present else audit_events.RSVP_UNDO_CHECK_IN,
            rsvp,
            before=before,
            after=audit.snapshot(rsvp, exclude=("name", "email")),
        )
    return rsvp


def update_record(
    occurrence: Occurrence, agenda: str, minutes: str, walk_ins: int, *, acting_user: Actor | None
) -> Occurrence:
    """Save a meeting's agenda, minutes and walk-in count.

    The agenda is written ahead; people who walked in are counted from the meeting's day on.
    """
    if walk_ins < 0 or walk_ins > MAX_WALK_INS:
        raise refusal(
            "walk_ins", _("Walk-ins must be a number from 0 to %(most)s.") % {"most": MAX_WALK_INS}
        )
    if walk_ins != occurrence.walk_ins and not occurrence.has_begun_its_day:
        raise refusal(
            "walk_ins", _("Walk-ins are counted from the day of the meeting; leave 0 until then.")
        )
    with transaction.atomic():
        before = audit.snapshot(occurrence)
        occurrence.agenda = agenda
        occurrence.minutes = minutes
        occurrence.walk_ins = walk_ins
        occurrence.save(update_fields=["agenda", "minutes", "walk_ins"])
        audit.record(
            acting_user,
            audit_events.OCCURRENCE_RECORD,
            occurrence,
            before=before,
            after=audit.snapshot(occurrence),
        )
    return occurrence


def _cancel(occurrence: Occurrence, note: str) -> None:
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.note = note
    occurrence.sequence += 1
    occurrence.save(update_fields=["status", "note", "sequence"])


def cancel_occurrence(
    occurrence: Occurrence, note: str, *, acting_user: Actor | None
) -> Occurrence:
    """Cancel one date, saying why; everyone who replied is told by email, with the reason."""
    if occurrence.is_past:
        raise refusal(None, _("A meeting that has already taken place cannot be canceled."))
    if occurrence.is_cancelled:
        raise refusal(None, _("This meeting is already canceled."))
    if not note.strip():
        raise refusal("note", _("Say why, for the residents who replied."))
    with transaction.atomic():
        before = audit.snapshot(occurrence)
        _cancel(occurrence, note)
        live = occurrence.rsvps.filter(status__in=LIVE).values_list("pk", flat=True)
        _notify(live, "occurrence_cancelled")
        audit.record(
            acting_user,
            audit_events.OCCURRENCE_CANCEL,
            occurrence,
            before=before,
            after=audit.snapshot(occurrence),
        )
    return occurrence


def move_occurrence(
    occurrence: Occurrence,
    start: datetime.datetime,
    venue: Venue | None,
    note: str,
    *,
    acting_user: Actor | None,
) -> Occurrence:
    """Move one date to another time or venue; everyone who replied is told by email.

    Invariant: a new venue is one of the host's or a co-host's venues.
    """
    if venue is not None:
        hosts = {
            occurrence.event.agency_id,
            *occurrence.event.co_hosts.values_list("pk", flat=True),
        }
        if venue.agency_id not in hosts:
            raise refusal("venue", _("Choose a venue of an agency that hosts this meeting."))
    if occurrence.is_past:
        raise refusal(None, _("A meeting that has already taken place cannot be moved."))
    if start <= timezone.now():
        raise refusal("start", _("Choose a new time in the future."))
    with transaction.atomic():
        before = audit.snapshot(occurrence)
        length = occurrence.end - occurrence.start
        occurrence.start = start
        occurrence.end = start + length
        occurrence.venue = venue if venue and venue.pk != occurrence.event.venue_id else None
        occurrence.note = note
        occurrence.sequence += 1
        occurrence.save(update_fields=["start", "end", "venue", "note", "sequence"])
        live = occurrence.rsvps.filter(status__in=LIVE).values_list("pk", flat=True)
        _notify(live, "occurrence_moved")
        audit.record(
            acting_user,
            audit_events.OCCURRENCE_MOVE,
            occurrence,
            before=before,
            after=audit.snapshot(occurrence),
        )
    return occurrence
