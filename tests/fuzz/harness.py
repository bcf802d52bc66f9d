"""Shared machinery for the schema fuzz tests: the Django WSGI app driven in-process inside the
module's transaction, each case in a savepoint, server tracebacks attached to failures, cases
counted by operation, phase and mode for the summary."""

import collections
import contextlib
import os
import sys
import traceback

from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import run_state_machine_as_test

APP = get_wsgi_application()
# The in-process WSGI transport does not undo gzip, which cached public pages are served in
# to every reader that accepts it (as requests, underneath, says it does).
PLAIN = {"Accept-Encoding": "identity"}

# Deeper local runs: OPENBEAT_FUZZ_SEED=1234 OPENBEAT_FUZZ_SCALE=10 pytest tests/fuzz
# (SCALE multiplies every operation's count). Without a seed the run is derandomized, so CI
# sees the same cases every time.
SEED = os.environ.get("OPENBEAT_FUZZ_SEED")
SCALE = int(os.environ.get("OPENBEAT_FUZZ_SCALE", "1"))

# schema name -> "operation [phase, mode]" -> cases sent, for the summary; schema name ->
# operations that answered a success at least once.
CASES = collections.defaultdict(collections.Counter)
SUCCEEDED = collections.defaultdict(set)


def examples(n):
    return n * SCALE


# Reproducible (derandomized unless a seed is given), no deadline, no example database (the
# world is rebuilt each run), and none of the health checks the world's fixtures trip.
SETTINGS = settings(
    derandomize=SEED is None,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
    print_blob=False,
)


def fuzz_settings(test):
    """SETTINGS, and the seed when one is given, on a schemathesis test."""
    test = SETTINGS(test)
    return test if SEED is None else hypothesis_seed(int(SEED))(test)


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


@contextlib.contextmanager
def isolated():
    """A savepoint rolled back afterwards: each case (or stateful scenario) starts from the same
    world, its writes (rate-limit counts included) undone, and a failed query (PostgreSQL aborts
    the transaction) does not spoil the next."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def count(schema_name, case):
    meta = case.meta
    where = f"{meta.phase.name.value}, {meta.generation.mode.value}" if meta else "by hand"
    CASES[schema_name][f"{case.operation.label} [{where}]"] += 1


def call_and_validate(schema_name, case, errors):
    """Send one generated case and run every check configured on its schema."""
    errors.tracebacks.clear()
    count(schema_name, case)
    with isolated():
        try:
            response = case.call_and_validate(headers=PLAIN)
        except BaseException as failure:
            if errors.tracebacks:
                failure.add_note("Server traceback:\n" + errors.tracebacks[-1])
            raise
    if 200 <= response.status_code < 300:
        SUCCEEDED[schema_name].add(case.operation.label)


def send(operation, errors, **parts):
    """One hand-made case (path_parameters, query, headers, body...) through the app; returns
    the case, the response and the server traceback, if it raised."""
    case = operation.Case(**parts)
    errors.tracebacks.clear()
    with isolated():
        response = case.call(app=APP, headers=PLAIN)
    return case, response, (errors.tracebacks[-1] if errors.tracebacks else "")


def run_stateful(schema_name, schema, errors, prepare, scenarios):
    """Schemathesis' stateful phase: `scenarios` sequences of up to 8 calls along the schema's
    links (explicit or inferred), each in a savepoint rolled back at its end, every check run on
    every response. `prepare(case)` sets keys and steers, as for single cases."""

    class Scenario(schema.as_state_machine()):
        def setup(self):
            self.savepoint = isolated()
            self.savepoint.__enter__()

        def teardown(self):
            self.savepoint.__exit__(None, None, None)

        def before_call(self, case):
            prepare(case)
            count(f"{schema_name} stateful", case)
            errors.tracebacks.clear()

        def get_call_kwargs(self, case):
            return {"headers": PLAIN}

        def validate_response(self, response, case, **kwargs):
            try:
                super().validate_response(response, case, **kwargs)
            except BaseException as failure:
                if errors.tracebacks:
                    failure.add_note("Server traceback:\n" + errors.tracebacks[-1])
                raise

    # Always derandomized: a replayed scenario must meet the same world to shrink.
    run_state_machine_as_test(
        Scenario,
        settings=settings(
            SETTINGS, max_examples=scenarios, stateful_step_count=8, derandomize=True
        ),
    )
