"""The JSON API at /api/v1/, assembled from each app's router. OpenAPI at /api/v1/openapi.json."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from openbeat import __version__
from openbeat.concerns.api import router as concerns_router
from openbeat.concerns.api import staff_router as concerns_staff_router
from openbeat.events.api import router as events_router

api = NinjaAPI(
    title="OpenBeat API",
    version="1",
    description=(
        "Community policing data: meetings and neighbourhood concerns. Reading public data needs "
        "no key. Staff endpoints take an agency's key in the X-API-Key header "
        f"(`openbeat apikey create`). Server version {__version__}."
    ),
    urls_namespace="api",
)
api.add_router("/events", events_router)
api.add_router("/concerns", concerns_router)
api.add_router("/staff/concerns", concerns_staff_router)


def _field(loc):
    return ".".join(str(part) for part in loc if part not in {"body", "query", "path", "payload"})


@api.exception_handler(ValidationError)
def bad_input(request, exc):
    errors = [{"field": _field(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors]
    detail = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
    )
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(
        request,
        {"detail": "Send a valid API key in the X-API-Key header, or sign in as staff."},
        status=401,
    )


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)
