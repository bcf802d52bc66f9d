"""Shared machinery for the schema fuzz tests: the Django WSGI app driven in-process inside the
test's transaction, server tracebacks captured, known server errors told apart, cases counted."""

import collections
import dataclasses
import os
import re
import sys
import traceback

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed

APP = get_wsgi_application()
# The in-process WSGI transport does not undo gzip, which cached public pages are served in
# to every reader that accepts it (as requests, underneath, says it does).
PLAIN = {"Accept-Encoding": "identity"}

# Deeper local runs: OPENBEAT_FUZZ_EXAMPLES=500 OPENBEAT_FUZZ_SEED=1234 pytest tests/fuzz
# Without a seed the run is derandomized, so CI sees the same cases every time.
EXAMPLES = int(os.environ.get("OPENBEAT_FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("OPENBEAT_FUZZ_SEED")

# schema name -> operation label -> cases sent; schema name -> known bug -> times hit, and
# the first case that hit it (as a curl command) for the summary.
CASES = collections.defaultdict(collections.Counter)
KNOWN_HITS = collections.defaultdict(collections.Counter)
KNOWN_FIRST = {}


@dataclasses.dataclass(frozen=True)
class KnownBug:
    """A server error already reported: its 500 is tolerated in the fuzz run (and counted) while
    an xfail(strict) test pins the exact input, so that a fix shows up as an XPASS to clean up.
    `pattern` is searched in the server's traceback, so nothing else passes for it."""

    name: str
    pattern: str

    def explains(self, tb):
        return re.search(self.pattern, tb, re.DOTALL) is not None


class ServerErrors:
    """Tracebacks of the exceptions Django turned into 500s while a case ran."""

    def __init__(self):
        self.tracebacks = []

    def __call__(self, sender, request=None, **kwargs):
        self.tracebacks.append("".join(traceback.format_exception(*sys.exc_info())))


def connect():
    """Serve in-process inside the test's transaction, as Django's test client does: a finished
    request must not close the connection that holds the test's data."""
    errors = ServerErrors()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(errors)
    return errors


def disconnect(errors):
    signals.got_request_exception.disconnect(errors)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def fuzz(schema_name, operation, strategy, errors, *, checks, known=(), examples=None):
    """Send up to `examples` cases drawn from `strategy` to the app and validate each response.

    Returns the status codes seen, for the caller's reachability assertions.
    """
    label = operation.label
    seen = []

    @settings(
        max_examples=examples or EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
        print_blob=False,
    )
    @given(case=strategy)
    def run(case):
        errors.tracebacks.clear()
        # Each case starts from the same world: its writes (rate-limit counts included) are
        # rolled back to a savepoint, which also keeps a failed query (PostgreSQL aborts the
        # transaction) from spoiling the next case.
        with transaction.atomic():
            response = case.call(app=APP, headers=PLAIN)
            transaction.set_rollback(True)
        CASES[schema_name][label] += 1
        seen.append(response.status_code)
        if response.status_code == 500 and errors.tracebacks:
            bug = next((b for b in known if b.explains(errors.tracebacks[-1])), None)
            if bug is not None:
                KNOWN_HITS[schema_name][bug.name] += 1
                KNOWN_FIRST.setdefault(bug.name, case.as_curl_command())
                return
        try:
            case.validate_response(
                response, checks=checks, headers=PLAIN, transport_kwargs={"app": APP}
            )
        except Exception as failure:
            if errors.tracebacks:
                failure.add_note("Server traceback:\n" + errors.tracebacks[-1])
            raise

    if SEED is not None:
        run = hypothesis_seed(int(SEED))(run)
    run()
    return seen


def send(operation, errors, **parts):
    """One hand-made case (path_parameters, query, headers, body...) through the app; returns
    the response and the server traceback, if it raised."""
    case = operation.Case(**parts)
    errors.tracebacks.clear()
    with transaction.atomic():
        response = case.call(app=APP, headers=PLAIN)
        transaction.set_rollback(True)
    return case, response, (errors.tracebacks[-1] if errors.tracebacks else "")


class KnownServerError(AssertionError):
    """The 500 a KnownBug describes; a strict xfail expects exactly this."""


def known_case(label, parts, bug, case_id, when=True):
    """A pytest param pinning `bug` to one input; `when` limits it to the database it breaks."""
    return pytest.param(
        label,
        parts,
        bug,
        marks=pytest.mark.xfail(when, strict=True, raises=KnownServerError, reason=bug.name),
        id=case_id,
    )


def assert_no_server_error(operation, errors, bug, **parts):
    """Send one case; a 500 is a KnownServerError when `bug` explains its traceback, else a
    plain failure (a new bug hiding behind an old one's input)."""
    case, response, tb = send(operation, errors, **parts)
    if response.status_code >= 500:
        message = f"{operation.label} answered {response.status_code} to {case.as_curl_command()}"
        if bug.explains(tb):
            raise KnownServerError(f"{message}\n{tb}")
        raise AssertionError(f"{message}, not as {bug.name!r}:\n{tb}")
    return response
