"""Staff pages for running a meeting: who replied, who came, the agenda and the minutes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from openbeat.core.access import agency_ids, get_for_staff, scoped
from openbeat.core.dates import local_datetime
from openbeat.core.models import Role
from openbeat.events import actions
from openbeat.events.forms import CancelForm, MoveForm, RecordForm
from openbeat.events.models import RSVP, Occurrence, RSVPStatus


def _meeting_for(request, occurrence_id, minimum=Role.OFFICER, owner_only=False):
    """A meeting the user's agency hosts or co-hosts; moving or cancelling is the host's alone."""
    queryset = Occurrence.objects.select_related("event__agency", "event__venue", "venue")
    return get_for_staff(
        request.user, queryset, minimum=minimum, owner_only=owner_only, pk=occurrence_id
    )


@login_required
@require_GET
def home(request):
    since = timezone.now() - timezone.timedelta(days=14)
    meetings = (
        scoped(request.user, Occurrence.objects.filter(end__gte=since))
        .select_related("event__agency", "event__venue", "venue")
        .order_by("start")[:50]
    )
    # Retention is a coordinator's page: officers would only meet a refusal.
    sees_retention = bool(agency_ids(request.user, Role.COORDINATOR))
    return render(
        request, "staff/home.html", {"meetings": meetings, "sees_retention": sees_retention}
    )


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
        actions.check_in(request.user, rsvp, present=present)
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
            request.user,
            occurrence,
            form.cleaned_data["agenda"],
            form.cleaned_data["minutes"],
            form.cleaned_data["walk_ins"],
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
            actions.cancel_occurrence(request.user, occurrence, form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Meeting cancelled; everyone who replied is being emailed.")
            )
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
                request.user, occurrence, start, None, form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Meeting moved; everyone who replied is being emailed."))
            return redirect("staff:meeting", occurrence.pk)
    return render(
        request, "staff/meeting.html", _meeting_context(occurrence, move_form=form), status=400
    )
