"""The JSON API at /api/v1/, assembled from each app's router. OpenAPI at /api/v1/openapi.json."""

from collections.abc import Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from openbeat import __version__
from openbeat.concerns.api import router as concerns_router
from openbeat.concerns.api import staff_router as concerns_staff_router
from openbeat.core import ratelimit
from openbeat.events.api import router as events_router

api = NinjaAPI(
    title="OpenBeat API",
    version="1",
    description=(
        "Community policing data: meetings and neighborhood concerns. Reading public data needs "
        "no key. Staff endpoints take an agency's key in the X-API-Key header "
        f"(`openbeat apikey create`). Server version {__version__}."
    ),
    urls_namespace="api",
)
api.add_router("/events", events_router)
api.add_router("/concerns", concerns_router)
api.add_router("/staff/concerns", concerns_staff_router)


def _field(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc if part not in {"body", "query", "path", "payload"})


@api.exception_handler(ValidationError)
def bad_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    detail = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "Send a valid API key in the X-API-Key header, or sign in as staff."},
        status=401,
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


@api.exception_handler(ratelimit.RateLimited)
def too_many(request: HttpRequest, exc: ratelimit.RateLimited) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": f"Too many requests from this address; try again in {exc.retry_after} seconds."},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)  # RFC 9110: programs wait without parsing text
    return response


@csrf_exempt  # it changes nothing; a POST to a wrong address gets the 404, not a CSRF page
def unrouted(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any other address under /api/v1/ (a negative or non-numeric id, a typo): the API's 404
    body, never the HTML page."""
    return JsonResponse(
        {"detail": "No such API address: check it against /api/v1/docs (ids are whole numbers)."},
        status=404,
    )
