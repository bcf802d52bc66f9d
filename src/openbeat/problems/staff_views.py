"""Staff pages for problem-solving cases, scoped to the user's agencies."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns.models import Category, Concern
from openbeat.core import translated
from openbeat.core.access import get_for_staff, scoped, staff_agencies
from openbeat.core.models import Area, Role
from openbeat.core.staff_forms import apply_form
from openbeat.events.models import Occurrence
from openbeat.problems import actions
from openbeat.problems.forms import (
    ActionForm,
    ActionStatusForm,
    AnalysisForm,
    LinkForm,
    MeasureForm,
    PhaseForm,
    ProblemForm,
)
from openbeat.problems.models import Problem, ProblemAction
from openbeat.problems.views import problem_context


def _problem_for(request, pk):
    return get_for_staff(
        request.user, Problem.objects.select_related("agency", "area", "co_owner"), pk=pk
    )


def _new_form(request, data=None):
    agencies = staff_agencies(request.user, Role.COORDINATOR)
    return ProblemForm(
        data,
        areas=Area.objects.filter(agency__in=agencies),
        categories=Category.objects.filter(agency__in=agencies, is_sensitive=False),
        initial={"concerns": ", ".join(request.GET.getlist("concern"))},
    )


@login_required
@require_GET
def problem_list(request):
    problems = scoped(request.user, Problem.objects.select_related("agency", "area"))
    return render(request, "staff/problems/list.html", {"problems": problems})


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    agency = staff_agencies(request.user, Role.COORDINATOR).first()
    if agency is None:
        return render(
            request, "staff/problems/list.html", {"problems": [], "cannot_create": True}, status=403
        )
    form = _new_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        concerns = list(scoped(request.user, Concern.objects.all()).filter(pk__in=data["concerns"]))
        missing = set(data["concerns"]) - {c.pk for c in concerns}
        try:
            if missing:
                raise ValidationError(
                    {
                        "concerns": _("Concern #%(id)s is not one of your agency's.")
                        % {"id": min(missing)}
                    }
                )
            problem = actions.create_problem(
                agency,
                data["title"],
                data["summary"],
                data["area"],
                data["boundary"],
                data["categories"],
                concerns,
                acting_user=request.user,
                title_es=data["title_es"],
                summary_es=data["summary_es"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("staff:problem", problem.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/problems/new.html", {"form": form}, status=status)


def _page(request, problem, status=200, **forms):
    context = problem_context(problem)
    context.update(
        {
            "all_actions": problem.actions.all(),
            "analysis_form": forms.get("analysis_form")
            or AnalysisForm(initial=translated.initial(problem, AnalysisForm.base_fields)),
            "phase_form": forms.get("phase_form") or PhaseForm(),
            "action_form": forms.get("action_form") or ActionForm(initial={"is_public": True}),
            "measure_form": forms.get("measure_form") or MeasureForm(),
            "link_form": forms.get("link_form") or LinkForm(),
            "status_form": ActionStatusForm(),
            "staff_linked": problem.concerns.select_related("category").order_by("-created_at"),
            "recent_meetings": scoped(request.user, Occurrence.objects.select_related("event"))
            .filter(start__gte=timezone.now() - datetime.timedelta(days=120))
            .exclude(problems=problem)
            .order_by("start")[:30],
        }
    )
    return render(request, "staff/problems/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk):
    return _page(request, _problem_for(request, pk))


def _handle(request, problem, name, form, run):
    return apply_form(
        request,
        form,
        run,
        reverse("staff:problem", args=[problem.pk]),
        lambda bad: _page(request, problem, status=400, **{name: bad}),
    )


@login_required
@require_POST
def analysis(request, pk):
    problem = _problem_for(request, pk)
    return _handle(
        request,
        problem,
        "analysis_form",
        AnalysisForm(request.POST),
        lambda d: actions.update_analysis(problem, **d, acting_user=request.user),
    )


@login_required
@require_POST
def phase(request, pk):
    problem = _problem_for(request, pk)
    return _handle(
        request,
        problem,
        "phase_form",
        PhaseForm(request.POST),
        lambda d: actions.set_phase(problem, d["phase"], d["note"], acting_user=request.user),
    )


@login_required
@require_POST
def add_action(request, pk):
    problem = _problem_for(request, pk)
    return _handle(
        request,
        problem,
        "action_form",
        ActionForm(request.POST),
        lambda d: actions.add_action(
            problem,
            d["title"],
            d["owner_kind"],
            d["owner_name"],
            d["due_date"],
            is_public=d["is_public"],
            wants_volunteers=d["wants_volunteers"],
            acting_user=request.user,
        ),
    )


@login_required
@require_POST
def action_status(request, pk, action_id):
    problem = _problem_for(request, pk)
    action = get_for_staff(
        request.user, ProblemAction.objects.filter(problem=problem), pk=action_id
    )
    return _handle(
        request,
        problem,
        "status_form",
        ActionStatusForm(request.POST),
        lambda d: actions.set_action_status(action, d["status"], acting_user=request.user),
    )


@login_required
@require_POST
def add_measure(request, pk):
    problem = _problem_for(request, pk)
    return _handle(
        request,
        problem,
        "measure_form",
        MeasureForm(request.POST),
        lambda d: actions.add_measure(
            problem, d["label"], d["value"], d["unit"], acting_user=request.user
        ),
    )


@login_required
@require_POST
def link_from_concern(request, concern_id):
    concern = get_for_staff(request.user, Concern.objects.all(), pk=concern_id)
    problem = get_for_staff(request.user, Problem.objects.all(), pk=request.POST.get("problem"))
    try:
        actions.link_concerns(problem, [concern], acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Added to %(title)s.") % {"title": problem.title})
    return redirect("staff:concern", concern.pk)


@login_required
@require_POST
def meeting(request, pk):
    problem = _problem_for(request, pk)
    occurrence = get_for_staff(
        request.user, Occurrence.objects.all(), pk=request.POST.get("meeting")
    )
    actions.add_meeting(problem, occurrence, acting_user=request.user)
    messages.success(request, _("Saved."))
    return redirect("staff:problem", problem.pk)


@login_required
@require_POST
def link(request, pk):
    problem = _problem_for(request, pk)

    def run(data):
        # Only the owning agencies' concerns can be linked: any other id is "no such concern".
        owners = [problem.agency_id, problem.co_owner_id]
        concern = Concern.objects.filter(pk=data["concern"], agency_id__in=owners).first()
        if concern is None:
            raise ValidationError(_("There is no concern #%(id)s.") % {"id": data["concern"]})
        actions.link_concerns(problem, [concern], acting_user=request.user)

    return _handle(request, problem, "link_form", LinkForm(request.POST), run)
