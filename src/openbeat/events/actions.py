"""The one write path for events, meetings and RSVPs. Views, staff pages and the admin call these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Source
from openbeat.core import audit, audit_events, pagecache, translated
from openbeat.core.background import enqueue_with_write
from openbeat.core.contact import clean_contact, clean_email
from openbeat.core.models import Venue
from openbeat.core.ratelimit import keyed
from openbeat.core.refusals import refusal
from openbeat.events import recurrence
from openbeat.events.models import (
    MAX_ANSWER,
    MAX_QUESTION,
    MAX_WALK_INS,
    RSVP,
    Event,
    Occurrence,
    OccurrenceStatus,
    Question,
    QuestionVote,
    RSVPStatus,
    normalise_check_in_code,
    questions_scope,
)
from openbeat.events.tasks import send_question_email, send_rsvp_email

if TYPE_CHECKING:
    from openbeat.core.access import Actor
    from openbeat.problems.models import Problem

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


def save_event_text(event: Event, fields: Mapping[str, str], *, acting_user: Actor | None) -> Event:
    """Change a series' public text: its title, description and standing agenda in English and
    (optional) Spanish, each in its own column whatever the writer's own language."""
    if not (fields.get("title") or "").strip():
        raise refusal("title", _("Give the meeting a title."))
    names = ("title", "title_es", "description", "description_es", "agenda", "agenda_es")
    translated.write(event, {name: fields.get(name) or "" for name in names if name in fields})
    return save_event(event, is_new=False, acting_user=acting_user)


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


def check_in_by_code(
    occurrence: Occurrence, typed: str, nonce: str | None = None, *, acting_user: Actor | None
) -> tuple[RSVP, bool]:
    """Check in the reply whose QR code (or typed short code) this is: once.

    Invariants: only a code of this meeting's replies is found (the caller already scoped the
    meeting to the officer's agencies); the meeting's day and status rules of `check_in` hold;
    a reply already checked in stays as it was, with its first time. The same form (`nonce`)
    sent again, as a phone's queue may, is answered as the first time.

    Returns (rsvp, first): first is False when the reply was checked in before.
    """
    code = normalise_check_in_code(typed)
    nonce = (nonce or "")[:64] or None
    if not code:
        raise refusal("code", _("Type the code printed beside the QR code, e.g. ACDE-F347."))
    with transaction.atomic():
        rsvp = (
            RSVP.objects.select_for_update()
            .select_related("occurrence__event__agency")
            .filter(occurrence=occurrence, check_in_code=code)
            .first()
        )
        if rsvp is None:
            raise refusal(
                "code",
                _(
                    "No reply to this meeting has the code %(code)s. Check the letters and try again."
                )
                % {"code": code},
            )
        if rsvp.checked_in_at is not None:
            return rsvp, bool(nonce) and rsvp.check_in_nonce == nonce
        check_in(rsvp, present=True, acting_user=acting_user)
        if nonce:
            rsvp.check_in_nonce = nonce
            rsvp.save(update_fields=["check_in_nonce"])
    return rsvp, True


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


# Questions to a meeting (issue #17): asked before it from its page or during it from the room,
# "+1"-ed by neighbours, moderated and answered by the hosting agencies' staff.

QUESTIONS_OPEN_AFTER_END = datetime.timedelta(hours=1)  # the last questions from the room


def questions_open(occurrence: Occurrence) -> bool:
    """Whether a meeting takes questions: from its announcement until an hour after it ends."""
    return (
        not occurrence.is_cancelled
        and timezone.now() < occurrence.end + QUESTIONS_OPEN_AFTER_END
        and occurrence.event.is_published
    )


def ask_question(
    occurrence: Occurrence,
    text: str | None,
    *,
    name: str | None = "",
    show_name: bool = False,
    email: str | None = "",
    voter: str = "",
    form_nonce: str | None = None,
    language: str = "en",
) -> tuple[Question, bool]:
    """Take a resident's question to a meeting. Returns (question, created).

    Invariants: the name is shown only when the asker chose it (and then a name is given); the
    email is never shown and is sent the answer only once it confirms it from the emailed link;
    the same form submitted twice makes one question.
    """
    text = (text or "").strip()
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Write your question.")
    elif len(text) > MAX_QUESTION:
        errors["text"] = _("Please shorten your question to %(most)s characters.") % {
            "most": MAX_QUESTION
        }
    if len(name) > 120:
        errors["name"] = _("Please shorten your name to 120 characters.")
    elif show_name and not name:
        errors["name"] = _("Give the name to show, or untick the box to ask without it.")
    address = ""
    try:
        address = clean_email(email, required=False)
    except ValidationError as exc:
        errors["email"] = exc.messages[0]
    if errors:
        raise refusal(errors)
    if not questions_open(occurrence):
        raise refusal(None, _("This meeting is not taking questions: it is over or canceled."))
    form_nonce = (form_nonce or "")[:64] or None
    if form_nonce and (same := Question.objects.filter(form_nonce=form_nonce).first()):
        return same, False
    try:
        with transaction.atomic():
            question = Question.objects.create(
                occurrence=occurrence,
                agency_id=occurrence.agency_id,
                text=text,
                asker_name=name,
                show_name=bool(show_name),
                asker_email=address,
                voter=voter[:32],
                language=language[:8],
                form_nonce=form_nonce,
            )
            pagecache.bump(questions_scope(occurrence))
            if address:
                enqueue_with_write(send_question_email, "question_confirm", "question", question.pk)
    except IntegrityError:
        if form_nonce and (same := Question.objects.filter(form_nonce=form_nonce).first()):
            return same, False
        raise
    return question, True


def plus_one(
    question: Question, voter: str, email: str | None = "", language: str = "en"
) -> tuple[QuestionVote | None, str]:
    """A neighbour's "+1" on a question. Returns (vote or None, outcome).

    One per person: a browser's second +1, or its asker's, counts nothing ("already",
    "asker"). The count never depends on the email typed; an address given is emailed either
    the link that confirms it (it is then sent the answer) or, when it already asked or +1-ed
    this question, a note saying so (`core.emailforms`).
    """
    email = clean_email(email, required=False)
    if not voter:
        raise refusal(None, _("Your browser refused the cookie that counts one +1 per person."))
    if not question.is_public:
        raise refusal(None, _("This question is no longer open for +1s."))
    if question.is_answered or not questions_open(question.occurrence):
        raise refusal(None, _("This question is answered or the meeting is over: no more +1s."))
    with transaction.atomic():
        Question.objects.select_for_update().filter(pk=question.pk).first()
        vote: QuestionVote | None
        if voter == question.voter:
            vote, outcome = None, "asker"
        else:
            vote, created = QuestionVote.objects.get_or_create(
                question=question,
                voter=voter,
                defaults={"agency_id": question.agency_id, "language": language[:8]},
            )
            outcome = "counted" if created else "already"
            if created:
                pagecache.bump(questions_scope(question.occurrence))
        if email:
            _email_for_vote(question, vote, email, language)
    return vote, outcome


def _email_for_vote(
    question: Question, vote: QuestionVote | None, email: str, language: str
) -> None:
    if question.asker_email == email:
        enqueue_with_write(send_question_email, "question_already", "question", question.pk)
        return
    holder = question.votes.filter(email=email).first()
    if holder is not None:
        enqueue_with_write(send_question_email, "question_already", "vote", holder.pk)
        return
    if vote is None or vote.email:  # the asker's browser, or a browser that gave another address
        vote = QuestionVote.objects.create(
            question=question,
            agency_id=question.agency_id,
            voter=f"email:{ratelimit_key(email)}"[:32],
            email=email,
            language=language[:8],
            counts=False,  # an address added from a browser that counted already: no 2nd +1
        )
    else:
        vote.email = email
        vote.language = language[:8]
        vote.save(update_fields=["email", "language"])
    enqueue_with_write(send_question_email, "vote_confirm", "vote", vote.pk)


def ratelimit_key(value: str) -> str:
    return keyed(value)[:24]


def vote_counts(questions: Iterable[Question]) -> dict[int, int]:
    """The number of +1s of each question, by id."""
    rows = (
        QuestionVote.objects.filter(question__in=[q.pk for q in questions], counts=True)
        .values("question")
        .annotate(n=Count("pk"))
    )
    return {row["question"]: row["n"] for row in rows}


def forget_unconfirmed_question_emails(now: datetime.datetime | None = None) -> int:
    """Addresses given with a question or a +1 that never confirmed are not kept: blanked a week
    after they were given (a worker's periodic job; a second run finds nothing). A +1 stays
    counted; a row kept only for its address goes."""
    cutoff = (now or timezone.now()) - PENDING_KEPT
    old = {"email_confirmed_at__isnull": True, "created_at__lt": cutoff}
    with transaction.atomic():
        asked = Question.objects.filter(**old).exclude(asker_email="").update(asker_email="")
        followers, _counts = QuestionVote.objects.filter(**old, counts=False).delete()
        voted = QuestionVote.objects.filter(**old).exclude(email="").update(email="")
    return asked + followers + voted


def confirm_question_email(token: str) -> tuple[Question | QuestionVote, bool]:
    """An address confirmed it wants the answer (the asker's or a +1-er's). Confirming again
    changes nothing. Returns (record, changed); QuestionVote.DoesNotExist for an unknown token."""
    with transaction.atomic():
        record: Question | QuestionVote | None = (
            Question.objects.select_for_update().filter(token=token).first()
        )
        if record is None:
            record = QuestionVote.objects.select_for_update().get(token=token)
        if record.email_confirmed_at is not None:
            return record, False
        record.email_confirmed_at = timezone.now()
        record.save(update_fields=["email_confirmed_at"])
    return record, True


def _question_snapshot(question: Question) -> dict[str, Any]:
    saved = audit.snapshot(question, exclude=("asker_name", "asker_email", "token", "form_nonce"))
    return saved or {}


def set_question_hidden(
    question: Question, hidden: bool, reason: str | None, *, acting_user: Actor | None
) -> Question:
    """Hide (never delete) a question, with the reason kept in the audit log; or show it again."""
    reason = (reason or "").strip()
    if hidden and not reason:
        raise refusal("reason", _("Give the reason for hiding it; it is kept in the audit log."))
    with transaction.atomic():
        before = _question_snapshot(question)
        question.is_hidden = hidden
        question.hidden_reason = reason[:300] if hidden else ""
        question.save(update_fields=["is_hidden", "hidden_reason"])
        audit.record(
            acting_user,
            audit_events.QUESTION_HIDE if hidden else audit_events.QUESTION_SHOW,
            question,
            before=before,
            after={**_question_snapshot(question), "reason": reason},
            agency=question.agency,
        )
    return question


def merge_questions(duplicate: Question, kept: Question, *, acting_user: Actor | None) -> Question:
    """Merge a duplicate into the question kept: its +1s (and its asker, as a +1) move there,
    and nobody is counted twice: a browser or an address that is already on the kept question
    adds nothing. The duplicate's asker and +1-ers are then sent the kept question's answer."""
    if duplicate.pk == kept.pk:
        raise refusal("into", _("Choose another question to merge this one into."))
    if duplicate.occurrence_id != kept.occurrence_id:
        raise refusal("into", _("Choose a question of the same meeting."))
    if kept.merged_into_id is not None or duplicate.merged_into_id is not None:
        raise refusal("into", _("That question was merged already; choose the one it went into."))
    with transaction.atomic():
        before = _question_snapshot(duplicate)
        voters = {kept.voter, *kept.votes.values_list("voter", flat=True)} - {""}
        emails = {kept.asker_email, *kept.votes.values_list("email", flat=True)} - {""}
        incoming = list(duplicate.votes.all())
        moved = 0
        if duplicate.voter or duplicate.asker_email:
            incoming.append(
                QuestionVote(
                    voter=duplicate.voter or f"asker:{duplicate.pk}",
                    email=duplicate.asker_email,
                    language=duplicate.language,
                    email_confirmed_at=duplicate.email_confirmed_at,
                )
            )
        for vote in incoming:
            if vote.voter in voters:
                if vote.pk:
                    vote.delete()
                continue
            if vote.email and vote.email in emails:  # counted there by another browser
                if vote.pk:
                    vote.delete()
                continue
            voters.add(vote.voter)
            if vote.email:
                emails.add(vote.email)
            vote.question = kept
            vote.agency_id = kept.agency_id
            vote.save()
            moved += 1
            if kept.is_answered and vote.email and vote.email_confirmed_at:
                # Merged into a question answered already: they are sent its answer now.
                enqueue_with_write(send_question_email, "question_answered", "vote", vote.pk)
        duplicate.merged_into = kept
        duplicate.save(update_fields=["merged_into"])
        audit.record(
            acting_user,
            audit_events.QUESTION_MERGE,
            duplicate,
            before=before,
            after={**_question_snapshot(duplicate), "votes_moved": moved},
            agency=duplicate.agency,
        )
    return kept


def answer_question(question: Question, answer: str | None, *, acting_user: Actor | None) -> bool:
    """Mark a question answered with a short public answer. The first answer is emailed to its
    asker and +1-ers whose addresses confirmed (each address once); correcting it later is not.
    Returns whether emails were queued."""
    answer = (answer or "").strip()
    if not answer:
        raise refusal("answer", _("Write the answer residents will read."))
    if len(answer) > MAX_ANSWER:
        raise refusal(
            "answer", _("Please shorten the answer to %(most)s characters.") % {"most": MAX_ANSWER}
        )
    if question.merged_into_id is not None:
        raise refusal("answer", _("Answer the question this one was merged into."))
    if question.answered_at is not None and question.answer == answer:
        return False  # the same answer again (a phone's queue sent it twice): nothing changes
    with transaction.atomic():
        before = _question_snapshot(question)
        first = question.answered_at is None
        question.answer = answer
        if first:
            question.answered_at = timezone.now()
        question.save(update_fields=["answer", "answered_at"])
        if first:
            sent: set[str] = set()
            if question.asker_email and question.email_confirmed_at:
                sent.add(question.asker_email)
                enqueue_with_write(
                    send_question_email, "question_answered", "question", question.pk
                )
            for vote in question.votes.filter(email_confirmed_at__isnull=False).exclude(email=""):
                if vote.email not in sent:
                    sent.add(vote.email)
                    enqueue_with_write(send_question_email, "question_answered", "vote", vote.pk)
        audit.record(
            acting_user,
            audit_events.QUESTION_ANSWER,
            question,
            before=before,
            after=_question_snapshot(question),
            agency=question.agency,
        )
    return first


def question_to_concern(
    question: Question, category: str | None, *, acting_user: Actor | None
) -> Any:
    """Make a question a concern in one step: its words, the meeting's place, raised at the
    meeting; the question links to the concern and the concern's page to the question. The
    asker becomes the reporter only by a confirmed address (their updates), never by name
    unless they chose to show it."""
    if question.concern_id is not None:
        raise refusal(None, _("This question is already a concern."))
    occurrence = question.occurrence
    data = {
        "description": question.text,
        "category": category or "",
        "venue": str(occurrence.place.pk),
        "name": question.public_name,
        "email": question.asker_email if question.email_confirmed_at else "",
        "nonce": "",
    }
    with transaction.atomic():
        concern, _created = concern_actions.submit_concern(
            data,
            source=Source.MEETING,
            occurrence=occurrence,
            language=question.language,
            acting_user=acting_user,
        )
        before = _question_snapshot(question)
        question.concern = concern
        question.save(update_fields=["concern"])
        audit.record(
            acting_user,
            audit_events.QUESTION_CONCERN,
            question,
            before=before,
            after=_question_snapshot(question),
            agency=question.agency,
        )
        pagecache.bump(*concern.page_scopes())
    return concern


def attach_to_problem(
    question: Question, problem: Problem, *, acting_user: Actor | None
) -> Question:
    """Attach a question to a problem case (SARA): the case's page lists the question and the
    question links to the case. The case must be one an agency hosting the meeting owns."""
    occurrence = question.occurrence
    hosts = {occurrence.agency_id, *occurrence.event.co_hosts.values_list("pk", flat=True)}
    owners = {problem.agency_id, problem.co_owner_id} - {None}
    if not hosts & owners:
        raise refusal("problem", _("Choose a problem case of an agency hosting this meeting."))
    with transaction.atomic():
        before = _question_snapshot(question)
        question.problem = problem
        question.save(update_fields=["problem"])
        audit.record(
            acting_user,
            audit_events.QUESTION_PROBLEM,
            question,
            before=before,
            after={**_question_snapshot(question), "problem": problem.pk},
            agency=question.agency,
        )
        pagecache.bump(*problem.page_scopes())  # type: ignore[no-untyped-call]
    return question
