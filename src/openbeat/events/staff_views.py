"""Staff pages for running a meeting (who replied, who came, the agenda and the minutes), and
the desk that opens the staff side: today's work at a glance."""

import datetime
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns.models import OPEN_STATUSES, Category, Concern, Status
from openbeat.core import translated
from openbeat.core.access import agency_ids, get_for_staff, scoped
from openbeat.core.dates import local_datetime
from openbeat.core.models import Role
from openbeat.core.refusals import refusal, refusal_of
from openbeat.events import actions, queries
from openbeat.events.forms import CancelForm, CheckInCodeForm, EventTextForm, MoveForm, RecordForm
from openbeat.events.models import (
    RSVP,
    Occurrence,
    OccurrenceStatus,
    Question,
    RSVPStatus,
    normalise_check_in_code,
)
from openbeat.events.qr import qr_svg
from openbeat.problems.models import ActionStatus, Phase, Problem, ProblemAction


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
    """The desk: today's work at a glance, then the meetings of the last two weeks and the next
    eight (a monthly series' dates into the year after are the series' page's, not the day's)."""
    now = timezone.now()
    since = now - datetime.timedelta(days=14)
    until = now + datetime.timedelta(weeks=8)
    meetings = (
        scoped(request.user, Occurrence.objects.filter(end__gte=since, start__lte=until))
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
    occurrence,
    record_form=None,
    move_form=None,
    cancel_form=None,
    check_in_error="",
    text_form=None,
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
        "text_form": text_form
        or EventTextForm(
            prefix="text",
            initial=translated.initial(occurrence.event, EventTextForm.base_fields),
        ),
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


SERVICE_WORKER = Path(__file__).parent.parent / "core/static/openbeat/offline-sw.js"


@require_GET
def service_worker(request):
    """The staff meeting pages' service worker (static/openbeat/offline-sw.js), served from
    /staff/meetings/ because a worker's scope is the folder of its address. It holds no data: the
    pages it keeps are cached on the phone as the signed-in officer opened them."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _check_in_page(request, occurrence, form=None, code="", status=200):
    found = None
    if code:
        found = occurrence.rsvps.filter(
            check_in_code=normalise_check_in_code(code), status=RSVPStatus.CONFIRMED
        ).first()
    confirmed = list(occurrence.rsvps.filter(status=RSVPStatus.CONFIRMED))
    # A fresh nonce each time the page is drawn; the phone's script makes one per entry it queues.
    initial = {"code": code, "nonce": secrets.token_urlsafe(16)}
    return render(
        request,
        "staff/check_in.html",
        {
            "occurrence": occurrence,
            "event": occurrence.event,
            "form": form or CheckInCodeForm(initial=initial),
            "found": found,
            "check_in_open": occurrence.has_begun_its_day and not occurrence.is_cancelled,
            "arrived": sum(r.party_size for r in confirmed if r.checked_in_at)
            + occurrence.walk_ins,
            "expected": sum(r.party_size for r in confirmed),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_in_code(request, occurrence_id):
    """Check in at the door by a reply's QR code (the phone's camera) or its typed short code.

    A GET (the officer's camera app opening the QR's link) only shows whose code it is; the
    check-in is the POST, once: a second scan says when the reply was checked in."""
    occurrence = _meeting_for(request, occurrence_id)
    if request.method == "GET":
        return _check_in_page(request, occurrence, code=request.GET.get("code", "")[:32])
    form = CheckInCodeForm(request.POST)
    if not form.is_valid():
        return _check_in_page(request, occurrence, form=form, status=400)
    try:
        rsvp, first = actions.check_in_by_code(
            occurrence,
            form.cleaned_data["code"],
            form.cleaned_data["nonce"],
            acting_user=request.user,
        )
    except ValidationError as exc:
        form.add_error("code", " ".join(exc.messages))
        return _check_in_page(request, occurrence, form=form, status=400)
    when = date_format(
        timezone.localtime(rsvp.checked_in_at, occurrence.event.agency.tz), "TIME_FORMAT"
    )
    people = {"name": rsvp.name, "n": rsvp.party_size, "time": when}
    if first:
        messages.success(
            request,
            ngettext(
                "%(name)s checked in at %(time)s (1 person).",
                "%(name)s checked in at %(time)s (%(n)s people).",
                rsvp.party_size,
            )
            % people,
        )
    else:
        messages.info(request, _("%(name)s was already checked in at %(time)s.") % people)
    return redirect("staff:check_in_code", occurrence.pk)


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
def event_text(request, occurrence_id):
    """The series' title, description and standing agenda, in English and Spanish."""
    occurrence = _meeting_for(request, occurrence_id, Role.COORDINATOR, owner_only=True)
    form = EventTextForm(request.POST, prefix="text")
    if form.is_valid():
        try:
            actions.save_event_text(occurrence.event, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The meeting's text is saved."))
            return redirect("staff:meeting", occurrence.pk)
    context = _meeting_context(occurrence, text_form=form)
    return render(request, "staff/meeting.html", context, status=400)


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


def _question_for(request, occurrence, question_id):
    return get_for_staff(
        request.user,
        Question.objects.filter(occurrence=occurrence).select_related("occurrence__event"),
        pk=question_id,
    )


def _moderation_context(user, occurrence, error_for=None, error=""):
    questions = list(
        Question.objects.filter(occurrence=occurrence)
        .annotate(plus_ones=Count("votes", filter=Q(votes__counts=True)))
        .select_related("concern", "problem", "merged_into")
        .order_by("is_hidden", "-plus_ones", "created_at", "id")
    )
    public_url = settings.BASE_URL + reverse(
        "events:questions", args=[occurrence.event.slug, occurrence.date_key]
    )
    hosts = [occurrence.agency_id, *occurrence.event.co_hosts.values_list("pk", flat=True)]
    return {
        "occurrence": occurrence,
        "event": occurrence.event,
        "questions": questions,
        "open_questions": list(queries.ranked_questions(occurrence)),
        "categories": Category.objects.filter(
            agency_id=occurrence.agency_id, is_active=True
        ).order_by("name"),
        "problems": scoped(user, Problem.objects.exclude(phase=Phase.CLOSED))
        .filter(Q(agency_id__in=hosts) | Q(co_owner_id__in=hosts))
        .order_by("title")[:100],
        "public_url": public_url,
        "qr": qr_svg(public_url),
        "error_for": error_for,
        "error": error,
    }


@login_required
@require_GET
def questions(request, occurrence_id):
    """Moderate a meeting's questions from a phone: answer, hide with a reason, merge, make a
    concern, attach to a problem case."""
    occurrence = _meeting_for(request, occurrence_id)
    return render(request, "staff/questions.html", _moderation_context(request.user, occurrence))


@login_required
@require_POST
def moderate_question(request, occurrence_id, question_id):
    occurrence = _meeting_for(request, occurrence_id)
    question = _question_for(request, occurrence, question_id)
    step = request.POST.get("do", "")
    user = request.user
    try:
        if step == "answer":
            actions.answer_question(question, request.POST.get("answer"), acting_user=user)
            done = _("Answer saved; the asker and +1-ers who confirmed an email are told.")
        elif step == "hide":
            actions.set_question_hidden(
                question, True, request.POST.get("reason"), acting_user=user
            )
            done = _("Question hidden; the reason is kept in the audit log.")
        elif step == "show":
            actions.set_question_hidden(question, False, "", acting_user=user)
            done = _("Question shown again.")
        elif step == "merge":
            into = request.POST.get("into", "")
            kept = None
            if into.isdigit():
                kept = Question.objects.filter(occurrence=occurrence, pk=into).first()
            if kept is None:
                raise refusal("into", _("Choose the question to keep."))
            # A phone's queue may send the same merge twice (docs/offline.md): done is done.
            if question.merged_into_id != kept.pk:
                actions.merge_questions(question, kept, acting_user=user)
            done = _("Merged: its +1s now count on the question kept.")
        elif step == "concern":
            concern = question.concern  # sent twice from a phone's queue: the one it became
            if concern is None:
                concern = actions.question_to_concern(
                    question, request.POST.get("category"), acting_user=user
                )
            done = _("Logged as concern #%(id)s.") % {"id": concern.pk}
        elif step == "problem":
            problem = get_for_staff(user, Problem.objects.all(), pk=request.POST.get("problem"))
            actions.attach_to_problem(question, problem, acting_user=user)
            done = _("Attached to the problem case.")
        else:
            raise refusal(None, _("Choose what to do with the question."))
    except ValidationError as exc:
        context = _moderation_context(user, occurrence, question.pk, refusal_of(exc).message)
        return render(request, "staff/questions.html", context, status=400)
    messages.success(request, done)
    return redirect(reverse("staff:questions", args=[occurrence.pk]) + f"#q{question.pk}")
