import math
import secrets

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.concerns import actions, duplicates, queries
from openbeat.concerns.forms import ConcernForm, ContestForm, FlagForm, SupportForm
from openbeat.concerns.models import CLOSED_STATUSES, Category, Concern, Photo, Supporter
from openbeat.concerns.questions import answers_from_post
from openbeat.core import ratelimit
from openbeat.core.models import Area

PAGE_SIZE = 20
PIN_PAGE_SIZE = 500

SUBMIT_LIMIT = (10, 3600)  # concerns per client per hour
SUPPORT_LIMIT = (30, 3600)
FLAG_LIMIT = (20, 3600)


def _public_concern(pk):
    return get_object_or_404(queries.with_public_detail(queries.public_concerns()), pk=pk)


def _category_filter_choices():
    names = dict(
        Category.objects.filter(is_sensitive=False, is_active=True).values_list("slug", "name")
    )
    return sorted(
        ({"slug": slug, "name": _(name)} for slug, name in names.items()), key=lambda c: c["name"]
    )


@require_GET
def concern_list(request):
    status = request.GET.get("status") or ""
    category = request.GET.get("category") or ""
    area_id = request.GET.get("area") or ""
    area = None
    errors = []
    if status not in {"", "open", "closed"}:
        errors.append(_("Status must be open or closed."))
    if category and not Category.objects.filter(slug=category, is_sensitive=False).exists():
        errors.append(_("There is no such category. Choose one from the list."))
    if area_id:
        area = Area.objects.filter(pk=area_id).first() if area_id.isdigit() else None
        if area is None:
            errors.append(_("There is no such neighbourhood. Choose one from the list."))
    concerns = (
        queries.public_concerns().none()
        if errors
        else queries.search(queries.public_concerns(), status, category, area)
    )
    page = Paginator(concerns.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "concerns/list.html",
        {
            "page": page,
            "errors": errors,
            "status": status,
            "category": category,
            "area": area,
            "categories": _category_filter_choices(),
            "areas": Area.objects.select_related("agency"),
            "query": query.urlencode(),
        },
        status=400 if errors else 200,
    )


@require_GET
def pins(request):
    """Pins for the visible map only: ?bbox=west,south,east,north&page=N (500 a page)."""
    try:
        west, south, east, north = (float(v) for v in request.GET.get("bbox", "").split(","))
    except ValueError:
        return JsonResponse({"error": _("Give bbox=west,south,east,north in degrees.")}, status=400)
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        return JsonResponse({"error": _("The bbox is not a box on the map.")}, status=400)
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        return JsonResponse({"error": _("page must be a whole number.")}, status=400)
    concerns = (
        queries.in_bbox(
            Concern.objects.filter(is_private=False, is_hidden=False, category__is_sensitive=False),
            south,
            west,
            north,
            east,
        )
        .select_related("category")
        .order_by("-created_at", "-id")
    )
    start = (max(number, 1) - 1) * PIN_PAGE_SIZE
    chunk = list(concerns[start : start + PIN_PAGE_SIZE + 1])
    items = []
    for concern in chunk[:PIN_PAGE_SIZE]:
        lat, lon = concern.public_point()
        items.append(
            {
                "id": concern.pk,
                "lat": lat,
                "lon": lon,
                "category": concern.category.display_name,
                "status": concern.get_status_display(),
                "url": concern.get_absolute_url(),
            }
        )
    return JsonResponse(
        {"pins": items, "next_page": number + 1 if len(chunk) > PIN_PAGE_SIZE else None}
    )


@require_GET
def detail(request, pk):
    concern = _public_concern(pk)
    return render(
        request,
        "concerns/detail.html",
        {
            "concern": concern,
            "point": concern.public_point(),
            "support_form": SupportForm(),
            "flag_form": FlagForm(),
            "map_points": _point(concern),
        },
    )


def _point(concern):
    point = concern.public_point()
    if point is None:
        return []
    return [
        {
            "lat": point[0],
            "lon": point[1],
            "name": concern.category.display_name,
            "title": f"#{concern.pk}",
            "url": concern.get_absolute_url(),
        }
    ]


def _form_context(form, suggestions=()):
    return {
        "form": form,
        "suggestions": suggestions,
        "areas": Area.objects.select_related("agency"),
    }


@require_http_methods(["GET", "POST"])
def new(request):
    if request.method == "GET":
        form = ConcernForm(initial={"nonce": secrets.token_urlsafe(16)})
        return render(request, "concerns/new.html", _form_context(form))
    form = ConcernForm(request.POST, request.FILES)
    if request.POST.get("website"):
        # A bot filled the hidden field: answer like a success, store nothing.
        return render(request, "concerns/received.html", {"concern": None})
    try:
        ratelimit.hit("concern.submit", ratelimit.client_key(request), *SUBMIT_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    data = request.POST.dict()
    data["attributes"] = answers_from_post(request.POST)
    nonce = (data.get("nonce") or "")[:64]
    if nonce and (same := Concern.objects.filter(form_nonce=nonce).first()):
        return redirect("concerns:track", same.tracking_token)  # the same form, sent twice
    if not data.get("confirm_new"):
        suggestions = _suggest(data)
        if suggestions:
            form = ConcernForm(initial={**data, "confirm_new": True})
            return render(request, "concerns/new.html", _form_context(form, suggestions))
    try:
        concern, _created = actions.submit_concern(
            data, request.FILES.getlist("photos"), language=translation.get_language() or "en"
        )
    except actions.ConcernRefused as refused:
        form.show_refusal(refused.errors)
        return render(request, "concerns/new.html", _form_context(form), status=400)
    messages.success(
        request, _("Received. Thank you. Keep this page's address to follow your concern.")
    )
    return redirect("concerns:track", concern.tracking_token)


def _suggest(data):
    try:
        lat, lon = float(data.get("latitude") or "x"), float(data.get("longitude") or "x")
    except ValueError:
        return []
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return []  # submit_concern explains what is wrong with the location
    return duplicates.similar_open_concerns(
        data.get("category") or "", lat, lon, data.get("description") or ""
    )


@require_POST
def support(request, pk):
    concern = _public_concern(pk)
    try:
        ratelimit.hit("concern.support", ratelimit.client_key(request), *SUPPORT_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    try:
        supporter, created = actions.support(
            concern, request.POST.get("email"), translation.get_language() or "en"
        )
    except actions.ConcernRefused as refused:
        messages.error(request, " ".join(refused.errors.values()))
        return redirect(concern)
    if created:
        messages.success(request, _("Thank you: your voice is added to this concern."))
    else:
        messages.info(request, _("You already support this concern."))
    if supporter.email:
        return redirect("concerns:track", supporter.token)
    return redirect(concern)


@require_POST
def flag(request, pk):
    concern = _public_concern(pk)
    try:
        ratelimit.hit("concern.flag", ratelimit.client_key(request), *FLAG_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    try:
        actions.flag(concern, request.POST.get("reason"))
    except actions.ConcernRefused as refused:
        messages.error(request, " ".join(refused.errors.values()))
    else:
        messages.success(request, _("Thank you. A moderator will look at it."))
    return redirect(concern)


def _by_token(token):
    concern = (
        Concern.objects.select_related("category", "agency", "area")
        .filter(tracking_token=token)
        .first()
    )
    if concern is not None:
        return concern, True
    supporter = (
        Supporter.objects.select_related("concern__category", "concern__agency")
        .filter(token=token)
        .first()
    )
    if supporter is None:
        raise Http404(_("This tracking link is not known. Check that it was copied whole."))
    return supporter.concern, False


@require_http_methods(["GET", "POST"])
def track(request, token):
    concern, is_reporter = _by_token(token)
    form = ContestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            actions.contest(token, request.POST.get("reason"))
        except actions.ConcernRefused as refused:
            for field, message in refused.errors.items():
                form.add_error(field if field in form.fields else None, message)
            status = 400
        else:
            messages.success(
                request, _("Thank you. The concern is open again and staff have been told.")
            )
            return redirect("concerns:track", token)
    return render(
        request,
        "concerns/track.html",
        {
            "concern": concern,
            "is_reporter": is_reporter,
            "form": form,
            "history": queries.public_history(concern),
            "is_public": concern.is_public,
            "can_contest": concern.status in CLOSED_STATUSES and concern.status != "duplicate",
        },
        status=status,
    )


@require_GET
def photo(request, pk):
    item = get_object_or_404(
        Photo.objects.select_related("concern__category"),
        pk=pk,
        is_hidden=False,
        concern__is_private=False,
        concern__is_hidden=False,
        concern__category__is_sensitive=False,
    )
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="concern-{item.concern_id}-{item.pk}.jpg"'
    response["Cache-Control"] = "public, max-age=86400"
    return response
