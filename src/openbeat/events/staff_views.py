"""Staff pages for running a meeting (who replied, who came, the agenda and the minutes), and
the desk that opens the staff side: today's work at a glance."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openbeat.concerns.models import OPEN_STATUSES, Concern, Status
from openbeat.core.access import agency_ids, get_for_staff, scoped
from openbeat.core.dates import local_datetime
from openbeat.core.models import Role
from openbeat.events import actions
from openbeat.events.forms import CancelForm, MoveForm, RecordForm
from openbeat.events.models import RSVP, Occurrence, OccurrenceStatus, RSVPStatus
from openbeat.problems.models import ActionStatus, ProblemAction


def _meeting_for(request, occurrence_id, minimum=Role.OFFICER, owner_only=False):
    """A meeting the user's agency hosts or co-hosts; moving or cancelling is the host's alone."""
    queryset = Occurrence.objects.select_related("event__agency", "event__venue", "venue")
    return get_for_staff(
        request.user, queryset, minimum=minimum, owner_only=owner_only, pk=occurrence_id
    )


# A concern no one has acknowledged after this long is late (the desk shows it in red).
ACKNOWLEDGE_WITHIN = datetime.timedelta(days=3)


def _waiting_concerns(user, now):
    """Open concerns of the user's agencies: not yet acknowledged, by age; in hand; flagged."""
    day_ago, late = now - datetime.timedelta(days=1), now - ACKNOWLEDGE_WITHIN
    new = Q(status=Status.SUBMITTED)
    return scoped(user, Concern.objects.filter(status__in=OPEN_STATUSES)).aggregate(
        today=Count("pk", filter=new & Q(created_at__gt=day_ago)),
        recent=Count("pk", filter=new & Q(created_at__lte=day_ago, created_at__gt=late)),
        late=Count("pk", filter=new & Q(created_at__lte=late)),
        in_hand=Count("pk", filter=~new),
    )


def _next_meetings(user, now):
    """The next meetings with their replies: people coming, places, waiting list."""
    live = ~Q(rsvps__status=RSVPStatus.CANCELLED)
    return (
        scoped(user, Occurrence.objects.filter(end__gt=now, status=OccurrenceStatus.SCHEDULED))
        .select_related("event__agency", "event__venue", "venue")
        .annotate(
            coming=Sum("rsvps__party_size", filter=live & Q(rsvps__status=RSVPStatus.CONFIRMED)),
            waiting=Count("rsvps", filter=Q(rsvps__status=RSVPStatus.WAITLISTED)),
        )
        .order_by("start")[:5]
    )


def _actions_due(user, today):
    """Problem-solving steps due within a week, or overdue, that are not done."""
    return (
        scoped(
            user,
            ProblemAction.objects.filter(
                status__in=[ActionStatus.PLANNED, ActionStatus.UNDER_WAY],
                due_date__lte=today + datetime.timedelta(days=7),
            ),
        )
        .select_related("problem")
        .order_by("due_date", "id")[:10]
    )


@login_required
@require_GET
def home(request):
    """The desk: today's work at a glance, then the meetings of the last two weeks and ahead."""
    now = timezone.now()
    since = now - datetime.timedelta(days=14)
    meetings = (
        scoped(request.user, Occurrence.objects.filter(end__gte=since))
        .select_related("event__agency", "event__venue", "venue")
        .order_by("start")[:50]
    )
    today = timezone.localdate(now)
    context = {
        "meetings": meetings,
        "waiting": _waiting_concerns(request.user, now),
        "next_meetings": _next_meetings(request.user, now),
        "actions_due": _actions_due(request.user, today),
        "today": today,
        "late_days": ACKNOWLEDGE_WITHIN.days,
        # Retention is a coordinator's page: officers would only meet a refusal.
        "sees_retention": bool(agency_ids(request.user, Role.COORDINATOR)),
    }
    return render(request, "staff/home.html", context)


def _meeting_context(
    occurrence, record_form=None, move_form=None, cancel_form=None, check_in_error=""
):
    rsvps = list(occurrence.rsvps.exclude(status=RSVPStatus.CANCELLED).order_by("name", "id"))
    confirmed = [r for r in rsvps if r.status == RSVPStatus.CONFIRMED]
    tz = occurrence.event.agency.tz
    return {
        "occurrence": occurrence,
        "event": occurrence.event,
        "confirmed": confirmed,
        "waitlisted": [r for r in rsvps if r.status == RSVPStatus.WAITLISTED],
        "expected": sum(r.party_size for r in confirmed),
        "arrived": sum(r.party_size for r in confirmed if r.checked_in_at) + occurrence.walk_ins,
        "record_form": record_form
        or RecordForm(
            initial={
                "agenda": occurrence.agenda,
                "minutes": occurrence.minutes,
                "walk_ins": occurrence.walk_ins,
            }
        ),
        "cancel_form": cancel_form or CancelForm(),
        "check_in_error": check_in_error,
        "check_in_open": occurrence.has_begun_its_day and not occurrence.is_cancelled,
        "move_form": move_form
        or MoveForm(
            initial={
                "start": timezone.localtime(occurrence.start, tz).replace(tzinfo=None),
                "note": occurrence.note,
            }
        ),
    }


@login_required
@require_GET
def meeting(request, occurrence_id):
    occurrence = _meeting_for(request, occurrence_id)
    return render(request, "staff/meeting.html", _meeting_context(occurrence))


@login_required
@require_POST
def check_in(request, occurrence_id):
    occurrence = _meeting_for(request, occurrence_id)
    rsvp = get_for_staff(
        request.user, RSVP.objects.filter(occurrence=occurrence), pk=request.POST.get("rsvp")
    )
    present = request.POST.get("present") == "1"
    try:
        actions.check_in(rsvp, present=present, acting_user=request.user)
    except ValidationError as exc:
        context = _meeting_context(occurrence, check_in_error=" ".join(exc.messages))
        return render(request, "staff/meeting.html", context, status=400)
    if present:
        messages.success(request, _("%(name)s checked in.") % {"name": rsvp.name})
    else:
        messages.success(request, _("Check-in undone for %(name)s.") % {"name": rsvp.name})
    return redirect("staff:meeting", occurrence.pk)


@login_required
@require_POST
def record(request, occurrence_id):
    occurrence = _meeting_for(request, occurrence_id)
    form = RecordForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "staff/meeting.html",
            _meeting_context(occurrence, record_form=form),
            status=400,
        )
    try:
        actions.update_record(
            occurrence,
            form.cleaned_data["agenda"],
            form.cleaned_data["minutes"],
            form.cleaned_data["walk_ins"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        context = _meeting_context(occurrence, record_form=form)
        return render(request, "staff/meeting.html", context, status=400)
    messages.success(request, _("Agenda, minutes and attendance saved."))
    return redirect("staff:meeting", occurrence.pk)


@login_required
@require_POST
def cancel(request, occurrence_id):
    occurrence = _meeting_for(request, occurrence_id, Role.COORDINATOR, owner_only=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            actions.cancel_occurrence(
                occurrence, form.cleaned_data["note"], acting_user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Meeting canceled; everyone who replied is being emailed."))
            return redirect("staff:meeting", occurrence.pk)
    return render(
        request, "staff/meeting.html", _meeting_context(occurrence, cancel_form=form), status=400
    )


@login_required
@require_POST
def move(request, occurrence_id):
    occurrence = _meeting_for(request, occurrence_id, Role.COORDINATOR, owner_only=True)
    form = MoveForm(request.POST)
    if form.is_valid():
        start = local_datetime(form.cleaned_data["start"], occurrence.event.agency.tz)
        try:
            actions.move_occurrence(
                occurrence, start, None, form.cleaned_data["note"], acting_user=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Meeting moved; everyone who replied is being emailed."))
            return redirect("staff:meeting", occurrence.pk)
    return render(
        request, "staff/meeting.html", _meeting_context(occurrence, move_form=form), status=400
    )
