"""Schemathesis over /api/v1/openapi.json with every check it has, authenticated with a staff
API key (Smyrna's), against the real app in-process and the fuzz world (town, meetings,
concerns in every state).

What `st run --checks all` runs: the coverage phase (boundary values, each parameter missing,
wrong-typed or out of range, undeclared methods, bodies in other media types), positive and
negative fuzzing, and stateful sequences along the links schemathesis infers from the responses
(report a concern, then read it). Every check applies: no server error; status code, content
type, headers and body as documented; a request the schema allows is taken (2xx, or a 404/409
for what the data says) and one it forbids is refused; an undeclared method is a 405 with
Allow; a staff operation without a key, or with a wrong one, is a 401; a resource just created
can be read. Half the positive cases are aimed at rows and values that exist, so the success
paths run too.
"""

import re
import zlib

import pytest
import schemathesis
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import status_code_conformance

from openbeat.concerns.models import Category, Concern
from openbeat.events import queries as event_queries
from tests.fuzz import harness

pytestmark = pytest.mark.django_db

E = harness.examples
CONFIG = SchemathesisConfig.from_dict(
    {
        # Reading is cheap to cover: the coverage phase already walks every parameter's edges.
        "generation": {"max-examples": E(15)},
        "operations": [
            {"include-name": "POST /api/v1/concerns/", "generation": {"max-examples": E(100)}},
            {
                "include-name": "POST /api/v1/staff/concerns/{concern_id}/status",
                "generation": {"max-examples": E(50)},
            },
        ],
    }
)
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", harness.APP, config=CONFIG)
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}
# Cases are made before the world exists (the coverage phase's at collection): they carry this
# stand-in, and `prepare` puts the world's key in its place before sending.
WORLD_KEY = "ob_00000000_the-world-s-smyrna-key"


@SCHEMA.auth(refresh_interval=None).apply_to(path_regex="^/api/v1/staff/")
class StaffKey:
    """The staff operations' key, given explicitly: ignored_auth then also sends each staff
    request without a key and with a wrong one, and expects a 401 for both."""

    def get(self, case, context):
        return WORLD_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "X-API-Key": data}


@pytest.fixture(scope="module")
def prepare(world):
    """Put the world's key in place, and steer half the positive cases to rows that exist and
    values the server takes. Which half, and which row, follows from the case itself, so a
    replayed case (stateful shrinking) is steered the same way. Schemathesis re-reads a changed
    case's validity, so its checks judge what is sent."""
    pools = {
        "meeting_id": list(event_queries.public_occurrences().values_list("pk", flat=True)),
        "concern_id": list(Concern.objects.filter(agency=world.town.smyrna).values_list("pk")),
    }
    pools["concern_id"] = [pk for (pk,) in pools["concern_id"]]
    slugs = sorted(set(Category.objects.values_list("slug", flat=True)))

    def steer(case, paths=True):
        if (case.headers or {}).get("X-API-Key") == WORLD_KEY:
            case.headers = {**case.headers, "X-API-Key": world.key}
        drawn = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
        if case.meta is None or not case.meta.generation.mode.is_positive or drawn % 2:
            return
        for name, pool in pools.items():
            if paths and name in (case.path_parameters or {}):
                case.path_parameters = {**case.path_parameters, name: pool[drawn % len(pool)]}
        if case.operation.label == "POST /api/v1/concerns/" and isinstance(case.body, dict):
            pin = {"latitude": 39.2995, "longitude": -75.6047}  # Smyrna Town Hall
            case.body = {**case.body, "category": slugs[drawn % len(slugs)], **pin}

    return steer


@SCHEMA.parametrize()
@harness.fuzz_settings
def test_api(case, world, prepare):
    prepare(case)
    harness.call_and_validate("api/v1", case, world.errors)


def test_api_stateful(world, prepare):
    """Sequences along the inferred links: a report, then its public page; a list, then an
    item of it; an item, then its staff view and a status change. The links give the ids."""
    harness.run_stateful(
        "api/v1", SCHEMA, world.errors, lambda case: prepare(case, paths=False), E(40)
    )


def test_every_operation_succeeded_and_every_check_ran():
    """The success paths ran too (their bodies checked against the document), and no check
    was left out. Runs after test_api in this module; alone, it checks the checks only."""
    if harness.CASES.get("api/v1"):
        assert harness.SUCCEEDED["api/v1"] == set(OPERATIONS)
    config = SCHEMA.config.checks_config_for(operation=None, phase=None)
    assert [
        name for name in CHECKS.get_all_names() if not config.get_by_name(name=name).enabled
    ] == []


# Inputs that once answered 500 (offsets past 2**63-1, NUL characters on PostgreSQL) or were
# taken against the schema (a date of 0), pinned with the 400 each must give now, on both
# databases, with what to fix.
TOO_BIG = 2**63
NUL_FIX = "Remove the invisible control character"
FORMER_FAILURES = [
    ("GET /api/v1/events/", {"query": {"offset": TOO_BIG}}, "offset: Input should be less"),
    ("GET /api/v1/concerns/", {"query": {"offset": TOO_BIG}}, "offset: Input should be less"),
    (
        "GET /api/v1/staff/concerns/",
        {"query": {"offset": TOO_BIG}, "headers": {"X-API-Key": "KEY"}},
        "offset: Input should be less",
    ),
    ("GET /api/v1/events/", {"query": {"agency": "smyrna\x00"}}, NUL_FIX),
    ("GET /api/v1/concerns/", {"query": {"category": "noise\x00"}}, NUL_FIX),
    (
        "POST /api/v1/concerns/",
        {
            "body": {
                "category": "noise",
                "description": "Loud\x00music",
                "latitude": 39.3,
                "longitude": -75.6,
            }
        },
        NUL_FIX,
    ),
    ("POST /api/v1/concerns/", {"body": {"category": "noise\x00", "description": "L"}}, NUL_FIX),
    (
        "POST /api/v1/staff/concerns/{concern_id}/status",
        {
            "path_parameters": {"concern_id": "CONCERN"},
            "headers": {"X-API-Key": "KEY"},
            "body": {"status": "in_progress", "note": "On\x00it"},
        },
        NUL_FIX,
    ),
    ("GET /api/v1/events/", {"query": {"start": "0"}}, "start: Write the date as YYYY-MM-DD"),
    ("GET /api/v1/events/", {"query": {"end": "1700000000"}}, "end: Write the date as"),
]


def _fill(value, world):
    """Put the world's key and a Smyrna concern id where a case says KEY or CONCERN."""
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    if value == "KEY":
        return world.key
    if value == "CONCERN":
        return Concern.objects.filter(agency=world.town.smyrna).order_by("pk").first().pk
    return value


def test_former_failures_are_400s_that_say_what_to_fix(world):
    wrong = []
    for label, parts, hint in FORMER_FAILURES:
        case, response, tb = harness.send(OPERATIONS[label], world.errors, **_fill(parts, world))
        body = response.content.decode()
        if response.status_code != 400 or hint not in body:
            wrong.append(f"{case.as_curl_command()}: {response.status_code} {body[:200]} {tb}")
    assert wrong == []


# Each operation declares the errors it answers (openbeat.api.errors); one input each, checked
# with schemathesis' own status code conformance.
ERRORS = {
    "GET /api/v1/events/": ({"query": {"limit": 0}}, 400),
    "GET /api/v1/events/{meeting_id}": ({"path_parameters": {"meeting_id": 999999}}, 404),
    "GET /api/v1/concerns/": ({"query": {"area": 999999}}, 404),
    "POST /api/v1/concerns/": ({"body": {"category": "noise", "description": "x"}}, 400),
    "GET /api/v1/concerns/{concern_id}": ({"path_parameters": {"concern_id": 999999}}, 404),
    "GET /api/v1/staff/concerns/": ({}, 401),
    "GET /api/v1/staff/concerns/{concern_id}": (
        {"path_parameters": {"concern_id": "CONCERN"}, "headers": {"X-API-Key": "ob_x_y"}},
        401,
    ),
    # A wrong key on a write is a 401 "send a valid key", not the session's CSRF failure.
    "POST /api/v1/staff/concerns/{concern_id}/status": (
        {
            "path_parameters": {"concern_id": "CONCERN"},
            "headers": {"X-API-Key": "ob_x_y"},
            "body": {"status": "resolved"},
        },
        401,
    ),
}


def test_error_statuses_are_declared(world):
    wrong = []
    for label, (parts, status) in ERRORS.items():
        case, response, _tb = harness.send(OPERATIONS[label], world.errors, **_fill(parts, world))
        if response.status_code != status:
            wrong.append(f"{label}: {response.status_code}, not {status}")
            continue
        try:
            case.validate_response(
                response, checks=[status_code_conformance], transport_kwargs={"app": harness.APP}
            )
        except AssertionError as failure:
            wrong.append(f"{label}: {failure}")
    assert wrong == [], re.sub(r"\s+", " ", str(wrong))
