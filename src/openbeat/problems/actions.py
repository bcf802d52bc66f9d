"""The one write path for problem-solving cases."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.concerns.models import Category, Concern
from openbeat.core import audit, audit_events, geo, translated
from openbeat.core.background import enqueue_with_write
from openbeat.core.models import Agency, Area
from openbeat.core.refusals import refusal
from openbeat.events.models import Occurrence
from openbeat.outreach.actions import problem_phase_changed
from openbeat.problems.analysis import before_after
from openbeat.problems.models import (
    PHASE_ORDER,
    ActionStatus,
    Measure,
    OwnerKind,
    Phase,
    PhaseChange,
    Problem,
    ProblemAction,
    Volunteer,
)
from openbeat.problems.tasks import send_volunteer_confirmation

if TYPE_CHECKING:
    from openbeat.core.access import Actor

ANALYSIS_FIELDS = [
    "place",
    "place_managers",
    "targets",
    "guardians",
    "offenders",
    "handlers",
    "why_here_now",
]


def _agencies(problem: Problem) -> set[int]:
    return {problem.agency_id} | ({problem.co_owner_id} if problem.co_owner_id else set())


def _check_concerns(problem: Problem, concerns: Iterable[Concern]) -> None:
    foreign = [c.pk for c in concerns if c.agency_id not in _agencies(problem)]
    if foreign:
        raise refusal(
            "concerns",
            _(
                "Concern #%(id)s belongs to another agency; only your agency's concerns can be linked."
            )
            % {"id": foreign[0]},
        )


def _check_boundary(boundary: Any) -> Any:
    if boundary in (None, ""):
        return None
    try:
        geo.validate_polygon(boundary)
    except ValidationError as exc:
        raise refusal("boundary", exc.messages) from exc
    return boundary


def create_problem(
    agency: Agency,
    title: str | None,
    summary: str | None,
    area: Area | None = None,
    boundary: Any = None,
    categories: Iterable[Category] = (),
    concerns: Iterable[Concern] = (),
    co_owner: Agency | None = None,
    *,
    acting_user: Actor | None,
    title_es: str = "",
    summary_es: str = "",
) -> Problem:
    """Open a case in the scanning phase, from the concerns that revealed it."""
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title or not summary:
        raise refusal(None, _("Give the problem a title and a public summary."))
    if area is not None and area.agency_id not in {agency.pk, getattr(co_owner, "pk", None)}:
        raise refusal("area", _("Choose one of your agency's areas."))
    problem = Problem(
        agency=agency, co_owner=co_owner, area=area, boundary=_check_boundary(boundary)
    )
    translated.write(
        problem,
        {"title": title[:200], "summary": summary, "title_es": title_es, "summary_es": summary_es},
    )
    _check_concerns(problem, concerns)
    with transaction.atomic():
        problem.save()
        problem.categories.set(categories)
        problem.concerns.set(concerns)
        # No stored note: the page says "Problem opened." in each reader's language.
        PhaseChange.objects.create(problem=problem, agency=agency, to_phase=Phase.SCANNING)
        audit.record(
            acting_user, audit_events.PROBLEM_CREATE, problem, after=audit.snapshot(problem)
        )
    return problem


def link_concerns(
    problem: Problem, concerns: Sequence[Concern], *, acting_user: Actor | None
) -> None:
    _check_concerns(problem, concerns)
    with transaction.atomic():
        problem.concerns.add(*concerns)
        audit.record(
            acting_user,
            audit_events.PROBLEM_LINK,
            problem,
            after={"concerns": [c.pk for c in concerns]},
        )


def add_meeting(problem: Problem, occurrence: Occurrence, *, acting_user: Actor | None) -> None:
    """Record that the problem was discussed at a meeting (its agenda links back here).

    Invariant: the meeting is hosted or co-hosted by an agency that owns the problem.
    """
    hosts = {occurrence.agency_id, *occurrence.event.co_hosts.values_list("pk", flat=True)}
    if not hosts & _agencies(problem):
        raise refusal(
            "meeting", _("Choose a meeting of your agency; this one is another agency's.")
        )
    with transaction.atomic():
        problem.meetings.add(occurrence)
        audit.record(
            acting_user, audit_events.PROBLEM_MEETING, problem, after={"meeting": occurrence.pk}
        )


def update_analysis(problem: Problem, *, acting_user: Actor | None, **fields: Any) -> None:
    unknown = (
        set(fields)
        - set(ANALYSIS_FIELDS)
        - {"summary", "title", "boundary", "closeout_story"}
        - {"summary_es", "title_es", "closeout_story_es"}
    )
    if unknown:
        raise refusal(None, _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    if "boundary" in fields:
        fields["boundary"] = _check_boundary(fields["boundary"])
    with transaction.atomic():
        before = audit.snapshot(problem)
        translated.write(problem, fields)
        problem.save()
        audit.record(
            acting_user,
            audit_events.PROBLEM_ANALYSIS,
            problem,
            before=before,
            after=audit.snapshot(problem),
        )


def set_phase(
    problem: Problem, phase: str, note: str = "", *, acting_user: Actor | None
) -> PhaseChange:
    """Move the case along SARA one step (or reopen it); followers are told, once each.

    Closing needs an assessment: the case must be in assessment, with a close-out story and at
    least one recorded measure or a before/after comparison with enough data to judge.
    """
    if phase not in Phase.values:
        raise refusal("phase", _("Choose a phase from the list."))
    current = PHASE_ORDER.index(problem.phase)
    wanted = PHASE_ORDER.index(phase)
    reopening = problem.phase == Phase.CLOSED and phase in (Phase.ANALYSIS, Phase.RESPONSE)
    if wanted == current or (wanted != current + 1 and not reopening and wanted != current - 1):
        raise refusal(
            "phase",
            _(
                "A problem moves one step at a time: from %(now)s it can go to the next phase, "
                "back one, or be reopened after closing."
            )
            % {"now": problem.get_phase_display()},
        )
    if phase == Phase.CLOSED:
        if not problem.closeout_story.strip():
            raise refusal("phase", _("Write the public close-out story before closing."))
        compared = before_after(problem)
        if not problem.measures.exists() and not (compared and compared["judged"]):
            raise refusal(
                "phase",
                _(
                    "Record at least one result (a measure) before closing: the assessment is what "
                    "tells residents whether the response worked."
                ),
            )
    with transaction.atomic():
        previous = problem.phase
        problem.phase = phase
        now = timezone.now()
        if phase == Phase.RESPONSE and problem.response_started_at is None:
            problem.response_started_at = now
        problem.closed_at = now if phase == Phase.CLOSED else None
        problem.save(update_fields=["phase", "response_started_at", "closed_at"])
        change = PhaseChange.objects.create(
            problem=problem,
            agency=problem.agency,
            from_phase=previous,
            to_phase=phase,
            note=note.strip(),
        )
        problem_phase_changed(problem, change)
        audit.record(
            acting_user,
            audit_events.PROBLEM_PHASE,
            problem,
            before={"phase": previous},
            after={"phase": phase, "note": note},
        )
    return change


def add_action(
    problem: Problem,
    title: str | None,
    owner_kind: str,
    owner_name: str | None,
    due_date: datetime.date | None = None,
    officer: User | None = None,
    is_public: bool = True,
    wants_volunteers: bool = False,
    *,
    acting_user: Actor | None,
) -> ProblemAction:
    """Add a step to the response plan; every step has an owner and no due date in the past.

    Invariant: an officer who owns the step is an active staff member of an agency that owns
    the problem.
    """
    errors: dict[str, str] = {}
    if officer is not None and not (
        officer.is_active and officer.staff_roles.filter(agency_id__in=_agencies(problem)).exists()
    ):
        errors["officer"] = _("Choose an officer of an agency that owns this problem.")
    if not (title or "").strip():
        errors["title"] = _("Say what will be done.")
    if owner_kind not in OwnerKind.values:
        errors["owner_kind"] = _("Choose who owns it: police, community or a partner agency.")
    if not (owner_name or "").strip() and officer is None:
        errors["owner_name"] = _(
            "Name the owner: an officer or unit, a group or business, or the partner agency."
        )
    if due_date is not None and due_date < timezone.localdate():
        errors["due_date"] = _("The due date is in the past. Choose today or a later date.")
    if wants_volunteers and owner_kind != OwnerKind.COMMUNITY:
        errors["wants_volunteers"] = _("Only community actions take volunteers.")
    if errors:
        raise refusal(errors)
    owner = (owner_name or "").strip()
    if not owner and officer is not None:
        owner = (officer.get_full_name() or officer.username).strip()
    with transaction.atomic():
        action = ProblemAction.objects.create(
            problem=problem,
            agency=problem.agency,
            title=(title or "").strip()[:200],
            owner_kind=owner_kind,
            owner_name=owner[:200],
            officer=officer,
            due_date=due_date,
            is_public=is_public,
            wants_volunteers=wants_volunteers,
        )
        audit.record(
            acting_user, audit_events.PROBLEM_ACTION_CREATE, action, after=audit.snapshot(action)
        )
    return action


def set_action_status(action: ProblemAction, status: str, *, acting_user: Actor | None) -> None:
    if status not in ActionStatus.values:
        raise refusal("status", _("Choose a status from the list."))
    with transaction.atomic():
        before = {"status": action.status}
        action.status = status
        action.save(update_fields=["status"])
        audit.record(
            acting_user,
            audit_events.PROBLEM_ACTION_STATUS,
            action,
            before=before,
            after={"status": status},
        )


def add_measure(
    problem: Problem,
    label: str | None,
    value: Any,
    unit: str | None = "",
    *,
    acting_user: Actor | None,
) -> Measure:
    if not (label or "").strip():
        raise refusal("label", _("Say what was measured."))
    with transaction.atomic():
        measure = Measure.objects.create(
            problem=problem,
            agency=problem.agency,
            label=(label or "").strip()[:200],
            value=value,
            unit=(unit or "").strip()[:40],
        )
        audit.record(
            acting_user, audit_events.PROBLEM_MEASURE, measure, after=audit.snapshot(measure)
        )
    return measure


def volunteer(
    action: ProblemAction, name: str | None, email: str | None, language: str = "en"
) -> tuple[Volunteer, str]:
    """A resident offers to help with a community action; they confirm by email.

    The answer does not depend on the address (`core.emailforms`): an address that offered
    before is emailed again (its confirmation, or that it is confirmed already) and nothing
    else changes. Returns (volunteer, outcome): "new", "pending" or "already".
    """
    name, email = (name or "").strip(), (email or "").strip().lower()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Please tell us your name.")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Please enter an email address such as name@example.com.")
    if not (
        action.wants_volunteers and action.is_public and action.owner_kind == OwnerKind.COMMUNITY
    ):
        errors["action"] = _("This action is not looking for volunteers.")
    elif (
        action.status in (ActionStatus.DONE, ActionStatus.DROPPED)
        or action.problem.phase == Phase.CLOSED
    ):
        errors["action"] = _("This action has ended; thank you for offering.")
    if errors:
        raise refusal(errors)
    with transaction.atomic():
        offer, created = Volunteer.objects.get_or_create(
            action=action,
            email=email,
            defaults={"agency": action.agency, "name": name[:120], "language": language[:8]},
        )
        if offer.confirmed_at is not None:
            enqueue_with_write(send_volunteer_confirmation, offer.pk, "volunteer_already")
            return offer, "already"
        enqueue_with_write(send_volunteer_confirmation, offer.pk)
    return offer, "new" if created else "pending"


def confirm_volunteer(token: str) -> Volunteer:
    """The volunteer's address confirmed the offer; an action that has ended (or stopped
    taking volunteers) since the offer is not signed up to any more."""
    offer = Volunteer.objects.select_related("action__problem").get(token=token)
    if offer.confirmed_at is None and not offer.action.takes_volunteers:
        raise refusal(None, _("This action has ended; thank you for offering."))
    if offer.confirmed_at is None:
        offer.confirmed_at = timezone.now()
        offer.save(update_fields=["confirmed_at"])
    return offer
