"""The one write path for projects, shifts and volunteer sign-ups.

Capacity: every change to who holds a place on a shift (confirming, cancelling) locks the shift's
row first (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every write transaction is IMMEDIATE,
so writers already queue one at a time), then counts. Confirmed sign-ups never exceed the slots.
"""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openbeat.core import audit, audit_events, translated
from openbeat.core.background import enqueue_with_write
from openbeat.core.contact import clean_contact
from openbeat.core.models import Agency, Area
from openbeat.core.refusals import refusal
from openbeat.events.models import Programme
from openbeat.problems.models import Problem
from openbeat.projects.models import (
    LIVE,
    MAX_SLOTS,
    Project,
    Shift,
    SignUp,
    SignUpStatus,
    VolunteerRole,
)
from openbeat.projects.tasks import send_sign_up_email

if TYPE_CHECKING:
    from openbeat.core.access import Actor

MAX_HOURS = decimal.Decimal(24)
MAX_SHIFT = datetime.timedelta(hours=24)


# -- Staff: projects, roles, shifts, hours --------------------------------------------------------


def _check_project(
    agency: Agency,
    programme: Programme | None,
    problem: Problem | None,
    area: Area | None,
    starts_on: datetime.date | None,
    ends_on: datetime.date | None,
) -> None:
    errors: dict[str, str] = {}
    if programme is None or programme.agency_id != agency.pk:
        errors["programme"] = _("Choose one of your agency's programs.")
    if problem is not None and agency.pk not in {problem.agency_id, problem.co_owner_id}:
        errors["problem"] = _("Choose one of your agency's problems, or none.")
    if area is not None and area.agency_id != agency.pk:
        errors["area"] = _("Choose one of your agency's areas, or none.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The last day must be on or after the first day.")
    if errors:
        raise refusal(errors)


PROJECT_FIELDS = ["title", "goal", "programme", "problem", "area", "starts_on", "ends_on"]


def save_project(project: Project, *, acting_user: Actor | None, **fields: Any) -> Project:
    """Create or change a project; its programme, problem and area must be its agency's."""
    translated.write(project, fields)
    if not translated.text_in(project, "title", "en") or not translated.text_in(
        project, "goal", "en"
    ):
        raise refusal(None, _("Give the project a title and a goal."))
    _check_project(
        project.agency,
        project.programme if project.programme_id else None,
        project.problem,
        project.area,
        project.starts_on,
        project.ends_on,
    )
    is_new = project.pk is None
    with transaction.atomic():
        before = None if is_new else audit.snapshot(Project.objects.get(pk=project.pk))
        project.save()
        audit.record(
            acting_user,
            audit_events.PROJECT_CREATE if is_new else audit_events.PROJECT_UPDATE,
            project,
            before=before,
            after=audit.snapshot(project),
        )
    return project


def add_role(
    project: Project,
    name: str | None,
    description: str | None = "",
    requirements: str | None = "",
    *,
    acting_user: Actor | None,
) -> VolunteerRole:
    name = (name or "").strip()
    if not name:
        raise refusal("name", _("Name the role, e.g. Walker or Walk leader."))
    with transaction.atomic():
        role = VolunteerRole.objects.create(
            project=project,
            agency=project.agency,
            name=name[:120],
            description=(description or "").strip(),
            requirements=(requirements or "").strip(),
        )
        audit.record(
            acting_user, audit_events.PROJECT_ROLE_CREATE, role, after=audit.snapshot(role)
        )
    return role


def _shift_errors(
    start: datetime.datetime, end: datetime.datetime, place: str | None, slots: object
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if start <= timezone.now():
        errors["start"] = _("Choose a start in the future.")
    if end <= start:
        errors["end"] = _("The shift must end after it starts.")
    elif end - start > MAX_SHIFT:
        errors["end"] = _("A shift lasts at most 24 hours; add several shifts for longer.")
    if not (place or "").strip():
        errors["place"] = _("Say where volunteers meet.")
    if not isinstance(slots, int) or not 1 <= slots <= MAX_SLOTS:
        errors["slots"] = _("Places must be a whole number from 1 to %(most)s.") % {
            "most": MAX_SLOTS
        }
    return errors


def add_shift(
    role: VolunteerRole,
    start: datetime.datetime,
    end: datetime.datetime,
    place: str,
    slots: int,
    *,
    acting_user: Actor | None,
) -> Shift:
    """Add a shift: it starts in the future, ends after it starts, lasts a day at most."""
    errors = _shift_errors(start, end, place, slots)
    if errors:
        raise refusal(errors)
    with transaction.atomic():
        shift = Shift.objects.create(
            role=role, agency=role.agency, start=start, end=end, place=place.strip(), slots=slots
        )
        audit.record(
            acting_user, audit_events.PROJECT_SHIFT_CREATE, shift, after=audit.snapshot(shift)
        )
    return shift


def _changeable(shift_id: int) -> Shift:
    """The shift, locked, if it can still be changed or cancelled."""
    shift = Shift.objects.select_for_update().get(pk=shift_id)
    if shift.is_cancelled:
        raise refusal(None, _("This shift is canceled. Add a new shift instead."))
    if shift.has_started:
        raise refusal(None, _("This shift has already started, so it stays as it was."))
    return shift


def change_shift(
    shift: Shift,
    start: datetime.datetime,
    end: datetime.datetime,
    place: str,
    slots: int,
    *,
    acting_user: Actor | None,
) -> Shift:
    """Move a shift, change where it meets or its number of places.

    Everyone holding a place or waiting is emailed when the time or place changes (and will get
    the day-before reminder for the new time); more places go to the waiting list, in order.
    Places cannot drop below the volunteers who already hold one.
    """
    with transaction.atomic():
        shift = _changeable(shift.pk)
        errors = _shift_errors(start, end, place, slots)
        taken = _confirmed_count(shift)
        if "slots" not in errors and slots < taken:
            errors["slots"] = ngettext(
                "%(taken)s volunteer already holds a place: keep at least %(taken)s place, or "
                "ask them to cancel first.",
                "%(taken)s volunteers already hold places: keep at least %(taken)s places, or "
                "ask some to cancel first.",
                taken,
            ) % {"taken": taken}
        if errors:
            raise refusal(errors)
        before = audit.snapshot(shift)
        place = place.strip()
        moved = (shift.start, shift.end, shift.place) != (start, end, place)
        shift.start, shift.end, shift.place, shift.slots = start, end, place, slots
        shift.save(update_fields=["start", "end", "place", "slots"])
        promoted = _promote(shift)
        if moved:
            told = shift.sign_ups.filter(
                status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]
            ).exclude(pk__in=promoted)
            ids = list(told.values_list("pk", flat=True))
            shift.sign_ups.filter(pk__in=ids).update(reminded_at=None)
            for pk in ids:
                enqueue_with_write(send_sign_up_email, pk, "changed")
        audit.record(
            acting_user,
            audit_events.PROJECT_SHIFT_CHANGE,
            shift,
            before=before,
            after=audit.snapshot(shift),
        )
    return shift


def cancel_shift(shift: Shift, reason: str | None, *, acting_user: Actor | None) -> Shift:
    """Call a shift off: every sign-up on it is cancelled, and everyone who held a place or was
    waiting is emailed the reason. Addresses never confirmed are not emailed."""
    reason = (reason or "").strip()
    if not reason:
        raise refusal("reason", _("Say why, in a sentence: the volunteers get it."))
    if len(reason) > 300:
        raise refusal("reason", _("Keep the reason to 300 characters."))
    with transaction.atomic():
        shift = _changeable(shift.pk)
        now = timezone.now()
        shift.cancelled_at, shift.cancel_reason = now, reason
        shift.save(update_fields=["cancelled_at", "cancel_reason"])
        live = shift.sign_ups.filter(status__in=LIVE)
        told = list(
            live.filter(status__in=[SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]).values_list(
                "pk", flat=True
            )
        )
        live.update(status=SignUpStatus.CANCELLED, cancelled_at=now)
        for pk in told:
            enqueue_with_write(send_sign_up_email, pk, "shift_cancelled")
        audit.record(
            acting_user, audit_events.PROJECT_SHIFT_CANCEL, shift, after={"reason": reason}
        )
    return shift


def log_hours(sign_up: SignUp, hours: Any, *, acting_user: Actor | None) -> SignUp:
    """Record the hours a volunteer worked: only for a confirmed sign-up on a shift that has
    begun, from 0 (did not come) to 24."""
    try:
        hours = decimal.Decimal(str(hours)).quantize(decimal.Decimal("0.01"))
    except (decimal.InvalidOperation, ValueError, TypeError) as exc:
        raise refusal("hours", _("Give the hours as a number, e.g. 2.5.")) from exc
    if not decimal.Decimal(0) <= hours <= MAX_HOURS:
        raise refusal("hours", _("Hours must be from 0 to 24 for one shift."))
    with transaction.atomic():
        sign_up = SignUp.objects.select_for_update().select_related("shift").get(pk=sign_up.pk)
        if sign_up.status != SignUpStatus.CONFIRMED:
            raise refusal(
                "hours", _("Hours can only be logged for a volunteer with a confirmed place.")
            )
        if not sign_up.shift.has_started:
            raise refusal("hours", _("This shift has not started yet; log hours once it has."))
        before = {"hours": None if sign_up.hours is None else str(sign_up.hours)}
        sign_up.hours = hours
        sign_up.save(update_fields=["hours"])
        audit.record(
            acting_user,
            audit_events.PROJECT_HOURS,
            sign_up,
            before=before,
            after={"hours": str(hours)},
        )
    return sign_up


# -- Residents: sign up, confirm, cancel ----------------------------------------------------------


PENDING_KEPT = datetime.timedelta(days=7)


def forget_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Sign-ups whose address was never confirmed hold no place and are not kept: deleted a
    week after they were made (a worker's periodic job; a second run finds nothing)."""
    cutoff = (now or timezone.now()) - PENDING_KEPT
    deleted, _counts = SignUp.objects.filter(
        status=SignUpStatus.PENDING, created_at__lt=cutoff
    ).delete()
    return deleted


def _open_shift(shift_id: int) -> Shift:
    """The shift, locked, if residents may still sign up for it."""
    shift = (
        Shift.objects.select_for_update()
        .select_related("role__project")
        .filter(pk=shift_id, role__project__is_published=True)
        .first()
    )
    if shift is None:
        raise refusal("shift", _("Choose one of the shifts listed."))
    if shift.is_cancelled:
        raise refusal("shift", _("This shift is canceled. Choose another shift."))
    if shift.has_started:
        raise refusal(
            "shift", _("This shift has already started or taken place. Choose a later shift.")
        )
    return shift


def sign_up(
    shift_id: Any,
    name: str | None,
    email: str | None,
    meets_requirements: bool = False,
    form_nonce: str | None = None,
    language: str = "en",
) -> tuple[SignUp, str]:
    """Take a resident's offer for one shift; they confirm by the link emailed to them.

    Invariants: one live sign-up per email per shift; the same form sent twice makes one
    sign-up; a role with requirements needs the resident to say they meet them; the answer
    does not depend on the address (`core.emailforms`): an address already signed up is sent
    its link again ("already"), one waiting for its confirmation the confirmation ("pending").
    Returns (sign_up, outcome): "new", "pending", "already", or "same" (this form, again).
    """
    name, email = clean_contact(name, email)
    form_nonce = (form_nonce or "")[:64] or None
    try:
        with transaction.atomic():
            if form_nonce and (same := SignUp.objects.filter(form_nonce=form_nonce).first()):
                return same, "same"
            shift = _open_shift(shift_id)
            if shift.role.requirements and not meets_requirements:
                raise refusal(
                    "meets_requirements",
                    _("This role asks for: %(requirements)s Tick the box if you meet it.")
                    % {"requirements": shift.role.requirements},
                )
            existing = shift.sign_ups.filter(email=email, status__in=LIVE).first()
            if existing is not None:
                pending = existing.status == SignUpStatus.PENDING
                enqueue_with_write(
                    send_sign_up_email, existing.pk, "confirm" if pending else "already"
                )
                return existing, "pending" if pending else "already"
            created = SignUp.objects.create(
                shift=shift,
                agency_id=shift.agency_id,
                name=name,
                email=email,
                form_nonce=form_nonce,
                language=language[:8],
            )
            enqueue_with_write(send_sign_up_email, created.pk, "confirm")
            return created, "new"
    except IntegrityError:
        # Two submissions raced; the other one won. Answer as if it were this one.
        if form_nonce and (same := SignUp.objects.filter(form_nonce=form_nonce).first()):
            return same, "same"
        return SignUp.objects.get(shift_id=shift_id, email=email, status__in=LIVE), "pending"


def _locked(token: str) -> tuple[SignUp, Shift]:
    """The sign-up with this token and its shift, the shift's row locked; 404s are the caller's."""
    found = SignUp.objects.filter(token=token).values_list("shift_id", flat=True).first()
    if found is None:
        raise SignUp.DoesNotExist
    shift = Shift.objects.select_for_update().select_related("role__project").get(pk=found)
    return SignUp.objects.get(token=token), shift


def _confirmed_count(shift: Shift) -> int:
    return shift.sign_ups.filter(status=SignUpStatus.CONFIRMED).count()


def confirm_sign_up(token: str) -> tuple[SignUp, bool]:
    """The resident confirmed their address: give them a place, or the waiting list when full.

    Confirming twice changes nothing. Returns (sign_up, changed).
    """
    with transaction.atomic():
        signed, shift = _locked(token)
        if signed.status == SignUpStatus.CANCELLED:
            raise refusal(
                None,
                _(
                    "This sign-up was canceled. Sign up again on the project's page if you can help."
                ),
            )
        if signed.status != SignUpStatus.PENDING:
            return signed, False
        if shift.has_started:
            raise refusal(
                None, _("This shift has already started or taken place. Choose a later shift.")
            )
        full = _confirmed_count(shift) >= shift.slots
        signed.status = SignUpStatus.WAITLISTED if full else SignUpStatus.CONFIRMED
        signed.confirmed_at = timezone.now()
        signed.save(update_fields=["status", "confirmed_at"])
        enqueue_with_write(send_sign_up_email, signed.pk, signed.status)
    return signed, True


def _promote(shift: Shift) -> list[int]:
    """Give free places to the waiting list, in the order addresses were confirmed."""
    free = shift.slots - _confirmed_count(shift)
    if free <= 0:
        return []
    waiting = list(
        shift.sign_ups.filter(status=SignUpStatus.WAITLISTED).order_by("confirmed_at", "id")[:free]
    )
    now = timezone.now()
    for person in waiting:
        person.status = SignUpStatus.CONFIRMED
        person.promoted_at = now
        person.save(update_fields=["status", "promoted_at"])
        enqueue_with_write(send_sign_up_email, person.pk, "promoted")
    return [person.pk for person in waiting]


def cancel_sign_up(token: str) -> tuple[SignUp, list[int]]:
    """Cancel by the private link; a freed place goes to the first on the waiting list.

    A link already used to cancel changes nothing and says so. Returns (sign_up, promoted ids).
    """
    with transaction.atomic():
        signed, shift = _locked(token)
        if signed.status == SignUpStatus.CANCELLED:
            raise refusal(None, _("This sign-up is already canceled. Nothing was changed."))
        if shift.has_started:
            raise refusal(
                None,
                _("This shift has already started or taken place, so the sign-up stays as it was."),
            )
        signed.status = SignUpStatus.CANCELLED
        signed.cancelled_at = timezone.now()
        signed.save(update_fields=["status", "cancelled_at"])
        promoted = _promote(shift)
    return signed, promoted
