from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns import queries as concern_queries
from openbeat.concerns.models import CATEGORIES
from openbeat.core import pagecache, ratelimit
from openbeat.core.emailforms import answer_by_email
from openbeat.core.pagecache import public_page
from openbeat.events.models import Question
from openbeat.outreach.actions import stop_following_problem
from openbeat.problems import actions, analysis
from openbeat.problems.models import OwnerKind, Phase, Problem, Volunteer, page_scope
from openbeat.problems.tasks import read_opt_out_token

VOLUNTEER_LIMIT = (20, 3600)


@require_GET
def index(request):
    problems = Problem.objects.select_related("agency", "area").order_by("area__name", "-opened_at")
    return render(request, "problems/index.html", {"problems": problems})


def problem_context(problem):
    """Everything the public page shows; computed charts included."""
    series = analysis.charts(analysis.concerns_for(problem), problem.agency.tz)
    return {
        "problem": problem,
        "phases": [(value, label, problem.phase == value) for value, label in Phase.choices],
        "actions": problem.actions.filter(is_public=True),
        "measures": problem.measures.filter(is_public=True),
        "history": problem.phase_changes.all(),
        "linked": concern_queries.public_concerns()
        .filter(problems=problem)
        .order_by("-created_at")[:50],
        "meetings": problem.meetings.public().select_related("event__agency"),
        "questions": Question.objects.public()
        .filter(problem=problem)
        .select_related("occurrence__event__agency"),
        "assessment": analysis.before_after(problem),
        "min_days": analysis.MIN_WINDOW_DAYS,
        "max_days": analysis.MAX_WINDOW_DAYS,
        "min_concerns": analysis.MIN_TO_JUDGE,
        "reports": series,
        "charts": [
            ("chart-month", _("Concerns per month"), analysis.bar_chart(series["month"])),
            ("chart-hour", _("By hour of day"), analysis.bar_chart(series["hour"])),
            ("chart-day", _("By day of week"), analysis.bar_chart(series["weekday"])),
        ],
        "community": OwnerKind.COMMUNITY,
        "projects": problem.projects.filter(is_published=True).select_related("programme"),
    }


def _problem_scopes(request, pk):
    owners = pagecache.memo(
        f"problem-owners:{pk}",
        lambda: Problem.objects.filter(pk=pk).values_list("agency_id", "co_owner_id").first(),
        ttl=pagecache.VERSION_TTL,
    )
    if owners is None:
        return None
    return [page_scope(pk), *(pagecache.agency_scope(a) for a in owners if a), CATEGORIES]


@require_GET
@public_page(scopes=_problem_scopes)
def detail(request, pk):
    problem = get_object_or_404(Problem.objects.select_related("agency", "area", "co_owner"), pk=pk)
    return render(request, "problems/detail.html", problem_context(problem))


# No CSRF token: the page carrying this form is served from the page cache to everyone, and the
# offer needs no session to ride on (no account; it counts only once confirmed by email).
@csrf_exempt
@require_POST
def volunteer(request, pk, action_id):
    problem = get_object_or_404(Problem, pk=pk)
    action = get_object_or_404(problem.actions, pk=action_id, is_public=True)
    try:
        ratelimit.hit("problem.volunteer", ratelimit.client_key(request), *VOLUNTEER_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    try:
        actions.volunteer(
            action,
            request.POST.get("name"),
            request.POST.get("email"),
            translation.get_language() or "en",
        )
    except ValidationError as exc:
        # Shown beside the form the resident used (the page opens at it), not at the top.
        context = problem_context(problem)
        context.update(
            {
                "volunteer_action": action.pk,
                "volunteer_errors": exc.messages,
                "volunteer_data": {
                    "name": request.POST.get("name", ""),
                    "email": request.POST.get("email", ""),
                },
            }
        )
        return render(request, "problems/detail.html", context, status=400)
    return answer_by_email(request, problem)


@require_http_methods(["GET", "POST"])
def volunteer_confirm(request, token):
    offer = Volunteer.objects.select_related("action__problem").filter(token=token).first()
    if offer is None:
        raise Http404(_("This confirmation link is not known."))
    if request.method == "POST":
        try:
            actions.confirm_volunteer(token)
        except ValidationError as exc:
            context = {"offer": offer, "refusal": " ".join(exc.messages)}
            return render(request, "problems/confirm.html", context, status=400)
        messages.success(request, _("Confirmed. The organizers will be in touch."))
        return redirect(offer.action.problem)
    return render(request, "problems/confirm.html", {"offer": offer})


@require_http_methods(["GET", "POST"])
def opt_out(request, token):
    try:
        problem_id, email = read_opt_out_token(token)
    except signing.BadSignature as exc:
        raise Http404(_("This link is not valid.")) from exc
    problem = get_object_or_404(Problem, pk=problem_id)
    if request.method == "POST":
        stop_following_problem(problem, email)
        messages.success(request, _("Done: no more email about this problem."))
        return redirect(problem)
    return render(request, "problems/opt_out.html", {"problem": problem})
