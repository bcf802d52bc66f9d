"""The one write path for problem-solving cases."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.core import audit, geo
from openbeat.core.background import enqueue_with_write
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

ANALYSIS_FIELDS = [
    "place",
    "place_managers",
    "targets",
    "guardians",
    "offenders",
    "handlers",
    "why_here_now",
]


def _agencies(problem):
    return {problem.agency_id} | ({problem.co_owner_id} if problem.co_owner_id else set())


def _check_concerns(problem, concerns):
    foreign = [c.pk for c in concerns if c.agency_id not in _agencies(problem)]
    if foreign:
        raise ValidationError(
            {
                "concerns": _(
                    "Concern #%(id)s belongs to another agency; only your agency's concerns can be linked."
                )
                % {"id": foreign[0]}
            }
        )


def _check_boundary(boundary):
    if boundary in (None, ""):
        return None
    try:
        geo.validate_polygon(boundary)
    except ValidationError as exc:
        raise ValidationError({"boundary": exc.messages}) from exc
    return boundary


def create_problem(
    actor,
    agency,
    title,
    summary,
    area=None,
    boundary=None,
    categories=(),
    concerns=(),
    co_owner=None,
):
    """Open a case in the scanning phase, from the concerns that revealed it."""
    title, summary = (title or "").strip(), (summary or "").strip()
    if not title or not summary:
        raise ValidationError(_("Give the problem a title and a public summary."))
    if area is not None and area.agency_id not in {agency.pk, getattr(co_owner, "pk", None)}:
        raise ValidationError({"area": _("Choose one of your agency's areas.")})
    problem = Problem(
        agency=agency,
        co_owner=co_owner,
        title=title[:200],
        summary=summary,
        area=area,
        boundary=_check_boundary(boundary),
    )
    _check_concerns(problem, concerns)
    with transaction.atomic():
        problem.save()
        problem.categories.set(categories)
        problem.concerns.set(concerns)
        # No stored note: the page says "Problem opened." in each reader's language.
        PhaseChange.objects.create(problem=problem, agency=agency, to_phase=Phase.SCANNING)
        audit.record(actor, "problem.create", problem, after=audit.snapshot(problem))
    return problem


def link_concerns(actor, problem, concerns):
    _check_concerns(problem, concerns)
    with transaction.atomic():
        problem.concerns.add(*concerns)
        audit.record(actor, "problem.link", problem, after={"concerns": [c.pk for c in concerns]})


def add_meeting(actor, problem, occurrence):
    """Record that the problem was discussed at a meeting (its agenda links back here)."""
    with transaction.atomic():
        problem.meetings.add(occurrence)
        audit.record(actor, "problem.meeting", problem, after={"meeting": occurrence.pk})


def unlink_concern(actor, problem, concern):
    with transaction.atomic():
        problem.concerns.remove(concern)
        audit.record(actor, "problem.unlink", problem, before={"concerns": [concern.pk]})


def update_analysis(actor, problem, **fields):
    unknown = (
        set(fields) - set(ANALYSIS_FIELDS) - {"summary", "title", "boundary", "closeout_story"}
    )
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    if "boundary" in fields:
        fields["boundary"] = _check_boundary(fields["boundary"])
    with transaction.atomic():
        before = audit.snapshot(problem)
        for name, value in fields.items():
            setattr(problem, name, value.strip() if isinstance(value, str) else value)
        problem.save()
        audit.record(
            actor, "problem.analysis", problem, before=before, after=audit.snapshot(problem)
        )


def set_phase(actor, problem, phase, note=""):
    """Move the case along SARA one step (or reopen it); followers are told, once each.

    Closing needs an assessment: the case must be in assessment, with a close-out story and at
    least one recorded measure or a before/after comparison with enough data to judge.
    """
    if phase not in Phase.values:
        raise ValidationError({"phase": _("Choose a phase from the list.")})
    current = PHASE_ORDER.index(problem.phase)
    wanted = PHASE_ORDER.index(phase)
    reopening = problem.phase == Phase.CLOSED and phase in (Phase.ANALYSIS, Phase.RESPONSE)
    if wanted == current or (wanted != current + 1 and not reopening and wanted != current - 1):
        raise ValidationError(
            {
                "phase": _(
                    "A problem moves one step at a time: from %(now)s it can go to the next phase, "
                    "back one, or be reopened after closing."
                )
                % {"now": problem.get_phase_display()}
            }
        )
    if phase == Phase.CLOSED:
        if not problem.closeout_story.strip():
            raise ValidationError({"phase": _("Write the public close-out story before closing.")})
        compared = before_after(problem)
        if not problem.measures.exists() and not (compared and compared["judged"]):
            raise ValidationError(
                {
                    "phase": _(
                        "Record at least one result (a measure) before closing: the assessment is what "
                        "tells residents whether the response worked."
                    )
                }
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
            actor,
            "problem.phase",
            problem,
            before={"phase": previous},
            after={"phase": phase, "note": note},
        )
    return change


def add_action(
    actor,
    problem,
    title,
    owner_kind,
    owner_name,
    due_date=None,
    officer=None,
    is_public=True,
    wants_volunteers=False,
):
    """Add a step to the response plan; every step has an owner and no due date in the past."""
    errors = {}
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
        raise ValidationError(errors)
    with transaction.atomic():
        action = ProblemAction.objects.create(
            problem=problem,
            agency=problem.agency,
            title=title.strip()[:200],
            owner_kind=owner_kind,
            owner_name=(owner_name or officer.get_full_name() or officer.username).strip()[:200],
            officer=officer,
            due_date=due_date,
            is_public=is_public,
            wants_volunteers=wants_volunteers,
        )
        audit.record(actor, "problem.action.create", action, after=audit.snapshot(action))
    return action


def set_action_status(actor, action, status):
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    with transaction.atomic():
        before = {"status": action.status}
        action.status = status
        action.save(update_fields=["status"])
        audit.record(
            actor, "problem.action.status", action, before=before, after={"status": status}
        )


def add_measure(actor, problem, label, value, unit=""):
    if not (label or "").strip():
        raise ValidationError({"label": _("Say what was measured.")})
    with transaction.atomic():
        measure = Measure.objects.create(
            problem=problem,
            agency=problem.agency,
            label=label.strip()[:200],
            value=value,
            unit=(unit or "").strip()[:40],
        )
        audit.record(actor, "problem.measure", measure, after=audit.snapshot(measure))
    return measure


def volunteer(action, name, email, language="en"):
    """A resident offers to help with a community action; they confirm by email.

    The answer does not depend on the address (`core.emailforms`): an address that offered
    before is emailed again (its confirmation, or that it is confirmed already) and nothing
    else changes. Returns (volunteer, outcome): "new", "pending" or "already".
    """
    name, email = (name or "").strip(), (email or "").strip().lower()
    errors = {}
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
        raise ValidationError(errors)
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


def confirm_volunteer(token):
    """The volunteer's address confirmed the offer; an action that has ended (or stopped
    taking volunteers) since the offer is not signed up to any more."""
    offer = Volunteer.objects.select_related("action__problem").get(token=token)
    if offer.confirmed_at is None and not offer.action.takes_volunteers:
        raise ValidationError(_("This action has ended; thank you for offering."))
    if offer.confirmed_at is None:
        offer.confirmed_at = timezone.now()
        offer.save(update_fields=["confirmed_at"])
    return offer
