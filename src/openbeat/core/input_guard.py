"""Refuse, before any view, input that no view should have to survive: a character stored text
may not hold (openbeat.core.plaintext: NUL, the other controls, lone surrogates) in the path, the
query, a form field or a JSON field, and a JSON body nested deeper than any of ours.

No person types those characters; PostgreSQL cannot store a NUL (it raised a 500) and XML cannot
carry the others (one made a public feed answer 500). A deeply nested JSON body made the parser
itself overflow Python's stack (a 500 on any POST path). Refusing both up front, for every view,
answers the same clear 400 on both databases, in the format the caller speaks: the API's JSON
error body, the HTML error page, or the answer an app declares for its paths in
settings.INPUT_REFUSALS (Open311 answers with its error list), so core imports no app.
"""

import json
import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from openbeat.core import plaintext
from openbeat.core.refusals import Refusal, refusal, refusal_of

# Our JSON bodies are flat objects with a list or an object of answers inside: 32 levels leave
# room for any client, and are far from the stack's limit.
MAX_JSON_DEPTH = 32


def _unfit(field: str, text: str) -> None:
    char = plaintext.first_unfit(text)
    if char is None:
        return
    where = field or _("the address")
    raise refusal(
        field,
        _(
            "Remove the invisible control character %(char)s from %(field)s and send it again; "
            "nothing was saved."
        )
        % {"char": plaintext.code_point(char), "field": where},
    )


def _check_pairs(pairs: Iterable[tuple[str, list[str]]]) -> None:
    for key, values in pairs:
        name = plaintext.clean(key)
        _unfit(name, key)
        for value in values:
            _unfit(name, value)


def _check_json(body: bytes) -> None:
    try:
        data = json.loads(body)
    except RecursionError:
        data = None
        too_deep = True
    except (ValueError, UnicodeDecodeError):
        return  # the view answers unreadable JSON in its own words
    else:
        too_deep = False
    # Walked with a list, not recursion: the depth is ours to decide, not the stack's.
    pending: list[tuple[str, object, int]] = [("body", data, 1)]
    while pending and not too_deep:
        name, value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            too_deep = True
        elif isinstance(value, str):
            _unfit(name, value)
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                _unfit(plaintext.clean(key), key)
                pending.append((key, item, depth + 1))
        elif isinstance(value, list):
            pending.extend((name, item, depth + 1) for item in reversed(value))
    if too_deep:
        raise refusal(
            None,
            _(
                "The JSON body is nested more than %(depth)s levels deep; send a flatter one. "
                "Nothing was saved."
            )
            % {"depth": MAX_JSON_DEPTH},
        )


def check(request: HttpRequest) -> None:
    """Raise a refusal, naming the field, for input no view should receive."""
    _unfit("", request.path)
    _check_pairs(request.GET.lists())
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if request.path.startswith("/api/"):
            # The API reads its body as JSON and refuses a form itself; parsing the form here
            # would leave it no body to read (a 500).
            return
        _check_pairs(request.POST.lists())
    elif content_type == "application/json":
        _check_json(request.body)


class RejectUnfitInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check(request)
        except ValidationError as exc:
            return _answer(request, refusal_of(exc))
        return self.get_response(request)


def _answer(request: HttpRequest, refused: Refusal) -> HttpResponse:
    if request.path.startswith("/api/"):
        errors = [{"field": refused.field, "message": refused.message}] if refused.field else []
        return JsonResponse({"detail": refused.message, "errors": errors}, status=400)
    for pattern, answer in settings.INPUT_REFUSALS:
        match = re.match(pattern, request.path, re.DOTALL)
        if match:
            answer_with: Callable[[re.Match[str], str], HttpResponse] = import_string(answer)
            return answer_with(match, refused.message)
    return render(request, "400.html", {"message": refused.message}, status=400)
