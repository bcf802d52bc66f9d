"""Hostile input at every URL pattern: oversized numbers, deep nesting and control characters get
a 4xx that says what to fix, never a 500, and text no writer can carry is refused naming its field.

The requests are the access matrix's (every URL pattern Django routes, filled from its world),
asked by someone the pattern answers (the public, the link's holder, or a superuser):

- every numeric path argument (ids, and the date of a meeting) and every query parameter the
  view reads (watched as it answers a plain request; the API's from its OpenAPI document; not
  the admin's, which are Django's own and not public) is sent each of OVERSIZED;
- every POST path gets a JSON body nested 50,000 deep (the edge's 400), the same as plain text,
  its form fields each holding a deeply nested JSON text with a field name nested 2,000 deep,
  and its fields each holding each of OVERSIZED (as JSON numbers too, where it reads JSON);
- every public POST path gets each control character (and, for JSON bodies, a lone surrogate)
  in a field: a 400 naming that field and the character (tests/core/test_input_guard.py shows
  that nothing is stored).

A new URL pattern is covered as soon as the access matrix has its row.
"""

import json
import logging
import re
from collections import Counter

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client

from openbeat.api.api import api
from tests import factories
from tests.security.test_access_matrix import TABLE, _kwargs, _pattern, _url, _value, cells
from tests.security.test_hostile_text import CONTROLS
from tests.security.world import PEOPLE

pytestmark = pytest.mark.django_db

OVERSIZED = (
    "99999999999999999999",  # past 2**63: SQLite's and PostgreSQL's integers
    "-1e999",  # minus infinity as a float
    "NaN",  # passes no comparison, so a range check written as `x < low or x > high` lets it in
    "99999999999999999999,1e999,-1e999,NaN",  # lists: a box, a pair of numbers
    "9999-12-31",  # the last day Python can hold: a day later overflows
    "0001-01-01T00:00:00+14:00",  # the first instant, before UTC can hold it
    "²",  # a digit to str.isdigit(), not a number to int()
)
HUGE_ID = "99999999999999999999"
DEEP = "[" * 50_000
DEEP_TEXT = '{"a":' * 5_000 + "[" * 5_000  # a form field some view may read as JSON
DEEP_NAME = "x" + "[a]" * 2_000
READERS = ("anonymous", "resident", "smyrna_key", "superuser")
PUBLIC_READERS = ("anonymous", "resident", "smyrna_key")  # what reaches the public edge
CHECKED = Counter()


def _requests(world, method):
    """One cell per URL pattern, call and fixed URL values (a format, a dataset), filled with
    an object of one agency, by the first reader it answers: the payloads test how the view
    reads its input, which is the same whichever of its objects it is about."""
    people = {p.name: p for p in PEOPLE}
    for key in TABLE:
        for name in READERS:
            chosen = {}
            for cell in cells(world, key, people[name]):
                reached = _reached(cell.call.rule(cell.person, cell.thing, cell.fixed))
                mine = cell.thing is None or cell.thing.owner in ("smyrna", None)
                if cell.call.method == method and reached and mine:
                    chosen.setdefault((str(cell.call), tuple(cell.fixed.items())), cell)
            if chosen:
                yield from chosen.values()
                break


def _reached(expect):
    """Whether the request reaches the view's own work (a 400 is the view refusing the data)."""
    refused = expect.status in (401, 403, 404)
    return not refused and not (expect.location or "").startswith(("/staff/login", "/admin/"))


def _send(client, url, method, data=None, body=None, content_type=None):
    """One request, rolled back: every request sees the same world."""
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, data or {})
        elif body is not None:
            response = client.post(url, body, content_type=content_type)
        else:
            response = client.post(url, data or {})
        content = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response.status_code, content.decode("utf-8", errors="replace")


def _verdict(status, body):
    """What is wrong with an answer to bad input: a 5xx, or a 4xx without a message."""
    if status >= 500:
        return f"answered {status}"
    if 400 <= status < 500 and not re.sub(r"<[^>]+>|\s", "", body):
        return f"answered {status} without a message"
    return None


class WatchedQuery:
    """Records the names read from any QueryDict while a view answers (the query string's
    readers), by wrapping Django's QueryDict methods: a spy, it changes no answer."""

    READERS = ("get", "getlist", "__getitem__", "__contains__")

    def __init__(self, monkeypatch):
        self.names = set()
        self.active = False
        for reader in self.READERS:
            self._wrap(monkeypatch, reader)

    def _wrap(self, monkeypatch, reader):
        original = getattr(QueryDict, reader)
        watcher = self

        def watched(query, name, *args, **kwargs):
            if watcher.active and isinstance(name, str):
                watcher.names.add(name)
            return original(query, name, *args, **kwargs)

        monkeypatch.setattr(QueryDict, reader, watched)

    def read_by(self, client, url, query):
        """The names the view reads while answering a plain GET."""
        self.names, self.active = set(), True
        try:
            _send(client, url, "GET", query)
        finally:
            self.active = False
        return self.names


@pytest.fixture(scope="module")
def clients(world):
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a 500 is the finding, reported with its URL
    found = {name: Client(raise_request_exception=False) for name in READERS}
    factories.sign_in(found["superuser"], world.users["superuser"])
    found["smyrna_key"].defaults["HTTP_X_API_KEY"] = world.keys["smyrna_key"]
    yield found
    log.setLevel(level)


def _numeric_arguments(kwargs):
    """Each numeric path argument (an id, the year of a date) made oversized, one at a time."""
    for name, value in kwargs.items():
        text = str(value)
        if text.isdigit():
            yield name, {**kwargs, name: HUGE_ID}
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            yield name, {**kwargs, name: HUGE_ID + text[4:]}
            yield name, {**kwargs, name: "9999-12-31"}


def test_oversized_numbers_in_every_path_and_query_parameter(world, clients, monkeypatch):
    watcher = WatchedQuery(monkeypatch)
    found = []
    for cell in _requests(world, "GET"):
        client = clients[cell.person.name]
        pattern = _pattern(cell.key)
        kwargs = _kwargs(cell, pattern)
        query = _value(cell.call.query, cell)
        for name, oversized in _numeric_arguments(kwargs):
            url = _url(pattern, oversized)
            CHECKED["path arguments"] += 1
            problem = _verdict(*_send(client, url, "GET", query))
            if problem:
                found.append(f"{cell.key} ({url}), {name} oversized: {problem}")
        url = _url(pattern, kwargs)
        for name in sorted(_query_names(watcher, cell, client, url, query)):
            for value in OVERSIZED:
                CHECKED["query parameters × values"] += 1
                problem = _verdict(*_send(client, url, "GET", {**query, name: value}))
                if problem:
                    found.append(f"{cell.key} ({url}?{name}={value}): {problem}")
    CHECKED["GET requests"] = sum(
        CHECKED[k] for k in ("path arguments", "query parameters × values")
    )
    assert not found, f"{len(found)} answers to oversized numbers:\n" + "\n".join(found)


def _query_names(watcher, cell, client, url, query):
    """The query parameters a view reads: the API's from its OpenAPI document (django-ninja
    reads the query string whole), the admin's none (Django's own, and not public), the rest
    watched as the view answers a plain GET."""
    if cell.key.startswith("admin"):
        return set()
    if cell.key.startswith("api:"):
        return API_QUERY.get(_api_operation(url), set())
    return watcher.read_by(client, url, query)


def _api_operations():
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    return {
        re.sub(r"\{\w+\}", "[^/]+", path): {
            p["name"] for p in operations.get("get", {}).get("parameters", []) if p["in"] == "query"
        }
        for path, operations in document["paths"].items()
    }


API_QUERY = {}


def _api_operation(url):
    if not API_QUERY:
        API_QUERY.update(_api_operations())
    return next((path for path in API_QUERY if re.fullmatch(path, url)), None)


def _query_string(query):
    return ("?" + "&".join(f"{k}={v}" for k, v in query.items())) if query else ""


def test_deep_nesting_and_oversized_numbers_on_every_post_path(world, clients):
    found = []
    for cell in _requests(world, "POST"):
        client = clients[cell.person.name]
        pattern = _pattern(cell.key)
        url = _url(pattern, _kwargs(cell, pattern)) + _query_string(_value(cell.call.query, cell))
        data = _value(cell.call.data, cell)
        status, body = _send(client, url, "POST", body=DEEP, content_type="application/json")
        CHECKED["POST payloads"] += 1
        if status != 400 or "nested more than" not in body:
            found.append(f"{cell.key} ({url}), JSON nested 50,000 deep: answered {status}")
        payloads = {
            "the same as plain text": {"body": DEEP, "content_type": "text/plain"},
            "deep JSON text in every field, and a field name nested 2,000 deep": {
                "data": {**dict.fromkeys(data, DEEP_TEXT), DEEP_NAME: "1"}
            },
            **{
                f"{value} in every field": {"data": dict.fromkeys(data or ["id"], value)}
                for value in OVERSIZED
            },
        }
        if cell.call.as_json:
            # JSON numbers a parser may take for floats: past 2**63, infinite, not a number.
            for number in ("99999999999999999999", "-1e999", "NaN", "Infinity"):
                body = "{" + ",".join(f'"{name}": {number}' for name in data) + "}"
                payloads[f"the JSON number {number} in every field"] = {
                    "body": body,
                    "content_type": "application/json",
                }
        for what, payload in payloads.items():
            CHECKED["POST payloads"] += 1
            problem = _verdict(*_send(client, url, "POST", **payload))
            if problem:
                found.append(f"{cell.key} ({url}), {what}: {problem}")
    assert not found, f"{len(found)} answers to hostile payloads:\n" + "\n".join(found)


def test_control_characters_are_refused_on_every_public_post_path(world, clients):
    found = []
    for cell in _requests(world, "POST"):
        if cell.person.name not in PUBLIC_READERS:
            continue
        client = clients[cell.person.name]
        pattern = _pattern(cell.key)
        url = _url(pattern, _kwargs(cell, pattern))
        data = {**_value(cell.call.query, cell), **_value(cell.call.data, cell)}
        field = next(iter(data), "comment")
        cases = [(char, {"data": {**data, field: f"Text{char}more"}}) for char in CONTROLS]
        if cell.call.as_json:
            # A lone surrogate only travels as a JSON escape; UTF-8 forms cannot carry one.
            body = json.dumps({**data, field: "Text\ud800more"})
            cases.append(("\ud800", {"body": body, "content_type": "application/json"}))
        for char, payload in cases:
            if cell.call.as_json and "data" in payload:
                payload = {"body": json.dumps(payload["data"]), "content_type": "application/json"}
            CHECKED["control characters × public POST paths"] += 1
            status, body = _send(client, url, "POST", **payload)
            allowed = char in "\t\n\r"
            if allowed:
                problem = _verdict(status, body)
            elif status != 400 or f"U+{ord(char):04X}" not in body or field not in body:
                problem = f"answered {status} without naming U+{ord(char):04X} and {field}"
            else:
                problem = None
            if problem:
                found.append(f"{cell.key} ({url}), U+{ord(char):04X} in {field}: {problem}")
    assert not found, f"{len(found)} answers to control characters:\n" + "\n".join(found)
