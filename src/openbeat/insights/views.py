"""Public pages: the survey (from an emailed link, or from the QR code at a meeting) and an
agency's transparency page."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from openbeat.core import pagecache, ratelimit
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.core.refusals import refusal_of
from openbeat.events.views import meeting_on
from openbeat.hotspots import models as hotspot_models
from openbeat.hotspots import views as hotspot_views
from openbeat.insights import dashboards, presenting, surveys
from openbeat.insights.models import SurveyInvitation, SurveyResponse
from openbeat.insights.stats import ITEMS

WALK_IN_LIMIT = (30, 3600)  # answers per client per hour: a table of neighbours on one Wi-Fi


def _questions(data=None, errors=None):
    """The five items with their labels, the answer given (after a mistake) and any error."""
    data, errors = data or {}, errors or {}
    return [
        {
            "name": item,
            "label": SurveyResponse._meta.get_field(item).verbose_name,
            "value": str(data.get(item, "")),
            "error": errors.get(item),
        }
        for item in ITEMS
    ]


def _survey_page(request, context, status=200, data=None, errors=None):
    errors = errors or {}
    context = {
        "questions": _questions(data, errors),
        "comment": (data or {}).get("comment", ""),
        "comment_error": errors.get("comment"),
        "form_error": errors.get("__all__"),
        "scale": range(1, 6),
        "has_errors": bool(errors),
        "minimum": settings.OPENBEAT_TRUST_MIN_ANSWERS,
        **context,
    }
    return render(request, "insights/survey.html", context, status=status)


def _language():
    return translation.get_language() or settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def survey(request, token):
    """The survey behind an emailed link: one answer per link."""
    invitation = get_object_or_404(
        SurveyInvitation.objects.select_related("agency", "occurrence__event", "concern__category"),
        token=token,
    )
    context = {"invitation": invitation, "occurrence": invitation.occurrence}
    if invitation.answered:
        return render(request, "insights/thanks.html", {"already": True}, status=200)
    if request.method == "GET":
        return _survey_page(request, context)
    try:
        surveys.answer_invitation(invitation, request.POST, _language())
    except ValidationError as exc:
        return _survey_page(request, context, 400, request.POST, refusal_of(exc).errors)
    return render(request, "insights/thanks.html", {"agency": invitation.agency})


@require_http_methods(["GET", "POST"])
def walk_in(request, slug, date_key):
    """The survey from the QR code on a meeting's table: no link needed, rate limited."""
    occurrence = meeting_on(slug, date_key)
    context = {"occurrence": occurrence, "walk_in": True}
    problem = surveys.meeting_problem(occurrence)
    if problem:
        return render(request, "insights/closed.html", {"message": problem, **context}, status=400)
    if request.method == "GET":
        return _survey_page(request, context)
    try:
        ratelimit.hit("survey.walk_in", ratelimit.client_key(request), *WALK_IN_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    try:
        surveys.answer_walk_in(occurrence, request.POST, _language())
    except ValidationError as exc:
        return _survey_page(request, context, 400, request.POST, refusal_of(exc).errors)
    return render(request, "insights/thanks.html", {"agency": occurrence.agency})


def _transparency_scopes(request, slug):
    """The site (the agency's own details), the agency's dashboards and its hotspot map; None
    for no agency."""
    agency_id = pagecache.agency_id_for_slug(slug)
    if agency_id is None:
        return None
    return [pagecache.SITE, dashboards.page_scope(agency_id), hotspot_models.page_scope(agency_id)]


@require_GET
@public_page(scopes=_transparency_scopes)
def transparency(request, slug):
    """An agency's public record: meetings, concerns, response times, trust, problem cases and
    hotspots.

    Read from the stored snapshot (one row, see dashboards.py) and the stored hotspot map (its
    row and significant cells), never from the concerns: the worker asks for a new map when it
    refreshes the snapshot (insights.dashboards).
    """
    agency = get_object_or_404(Agency, slug=slug)
    snapshot = dashboards.snapshot_for(agency)
    context = {"agency": agency, "snapshot": snapshot}
    if snapshot is not None:
        context["d"] = presenting.dashboard(snapshot.data)
        context.update(hotspot_views.hotspot_context(agency, ask_for_refresh=False))
    return render(request, "insights/transparency.html", context)
