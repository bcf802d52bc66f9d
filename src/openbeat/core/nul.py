"""Refuse a request that carries a NUL character (0x00) in its path, query or form/JSON fields.

No person types one, PostgreSQL cannot store one in a text column (it raised a 500), and SQLite
would store a value that ends early for some readers. Refusing it up front, for every view,
answers the same clear 400 on both databases, in the format the caller speaks: the API's JSON
error body, the Open311 error list, or the HTML error page.
"""

import json
import re

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

NUL = "\x00"
_OPEN311 = re.compile(r"^/open311/v2/.*\.(json|xml)$")


def _field_with_nul(request):
    """The name of the first field holding a NUL, '' for the path, or None when there is none."""
    if NUL in request.path:
        return ""
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            return key.replace(NUL, "")
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            if NUL in key or any(NUL in v for v in values):
                return key.replace(NUL, "")
    elif content_type == "application/json":
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return None  # the view answers unreadable JSON in its own words
        return _json_field_with_nul(body)
    return None


def _json_field_with_nul(value, name="body"):
    if isinstance(value, str):
        return name if NUL in value else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((name, v) for v in value)
    else:
        return None
    for key, item in items:
        if NUL in str(key):
            return str(key).replace(NUL, "")
        found = _json_field_with_nul(item, str(key))
        if found is not None:
            return found
    return None


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _field_with_nul(request)
        if field is None:
            return self.get_response(request)
        where = _("the address") if field == "" else field
        message = _(
            "Remove the NUL character (0x00) from %(field)s and send it again; nothing was saved."
        ) % {"field": where}
        if request.path.startswith("/api/"):
            errors = [{"field": field, "message": message}] if field else []
            return JsonResponse({"detail": message, "errors": errors}, status=400)
        match = _OPEN311.match(request.path)
        if match:
            from openbeat.open311.render import errors as open311_errors

            return open311_errors(match.group(1), 400, message)
        return render(request, "400.html", {"message": message}, status=400)
