from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from openbeat.core import brand, colours


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


@cache_control(public=True, max_age=300)
@require_GET
def brand_css(request: HttpRequest) -> HttpResponse:
    """The site's agency colour as the stylesheet's brand variables (the CSP allows no inline
    style). Empty when the site has no agency colour: site.css's own colours stay."""
    agency = brand.site_agency()
    css = ""
    # Only a colour as the model validates it: a row written past validation (an import, an old
    # row) cannot put anything else in a stylesheet every page loads.
    if agency is not None and colours.is_colour(agency.colour):
        css = f":root {{ --brand: {agency.colour}; --brand-dark: {colours.darker(agency.colour)}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")
