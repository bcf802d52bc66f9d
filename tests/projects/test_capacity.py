"""50 residents sign up for a 10-place shift at the same moment: exactly 10 get a place.

Real threads, each with its own database connection. Every thread signs up and confirms,
released together by a barrier, so the confirmations (which take the places) race for the
shift's row: PostgreSQL's row lock (SELECT ... FOR UPDATE) and SQLite's IMMEDIATE transactions
must each let one at a time count the places.

PostgreSQL: the suite's database. SQLite: a fresh file database in a child process, set up as
in production (the suite's SQLite lives in shared-cache memory, whose locking is not production's).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from openbeat.projects.models import Shift, SignUpStatus
from tests import factories
from tests.projects.crowd import crowd

RESIDENTS = 50
SLOTS = 10
CHECKOUT = Path(__file__).resolve().parents[2]


def _expected():
    return [SignUpStatus.CONFIRMED] * SLOTS + [SignUpStatus.WAITLISTED] * (RESIDENTS - SLOTS)


@pytest.mark.django_db(transaction=True)
def test_fifty_at_once_for_ten_places_on_postgresql(town):
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite; the SQLite test below covers it")
    shift = Shift.objects.get(role__project=factories.project(town, slots=SLOTS))
    errors = crowd(shift.pk, RESIDENTS)
    assert not errors, errors
    # In the order places were given: the first ten to confirm hold them, the rest wait.
    statuses = shift.sign_ups.order_by("confirmed_at", "id").values_list("status", flat=True)
    assert list(statuses) == _expected()


def test_fifty_at_once_for_ten_places_on_sqlite(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OPENBEAT_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        OPENBEAT_DATA_DIR=str(tmp_path),
        OPENBEAT_TASKS="database",  # emails stay queued: this test is about places
        PYTHONPATH=str(CHECKOUT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.projects.crowd", str(RESIDENTS), str(SLOTS)],
        env=env,
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["journal_mode"] == "wal"
    assert not result["errors"], result["errors"]
    assert result["statuses"] == _expected()
