"""SIGKILL the worker in the middle of an announcement's fan-out: the next run mails everyone
left, and every subscriber gets the announcement exactly once.

The real worker (`openbeat worker`, production settings, its own data folder and database)
sends to a real SMTP server. The sink holds one message's DATA unanswered — the worker is then
inside a batch, with earlier emails of the batch accepted and marked, this one handed to SMTP
but not accepted, the rest of the batch claimed — and the test kills the worker's process group
there. Two workers are then started together: they put back the dead worker's task and its
claimed rows, and share what is left.

OPENBEAT_FANOUT_KILL_SUBSCRIBERS sets the number of subscribers (default 1,500, so that two send tasks share it);
OPENBEAT_KILL_SEED replays the same kill point.
"""

import logging
import os
import random
import secrets
import sys
import time
from collections import Counter

import pytest

from tests.durability.test_kill import HoldingSink, Service, _database, _manage

SUBSCRIBERS = int(os.environ.get("OPENBEAT_FANOUT_KILL_SUBSCRIBERS") or 1500)

SETUP = """
from openbeat.core.models import Agency
from openbeat.outreach import actions
from openbeat.outreach.models import Announcement, Subscription
agency = Agency.objects.create(name="Smyrna Police Department", slug="smyrna-pd")
# Subscribers as their confirmations left them (confirming each one would queue its own email).
Subscription.objects.bulk_create(
    Subscription(agency=agency, email=f"fanout-{run}-{i:05d}@example.org", status="active")
    for i in range(COUNT)
)
item = actions.save_announcement(
    Announcement(agency=agency),
    {"title": "Community Policing Unit", "body": "Meet us."},
    acting_user=None,
)
actions.publish(item, acting_user=None)
"""


def _counts(query, data_dir):
    rows = query(data_dir, "SELECT status, COUNT(*) FROM outreach_delivery GROUP BY status")
    return Counter(dict(rows))


def _tasks(query, data_dir):
    rows = query(
        data_dir,
        "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult "
        "WHERE task_path LIKE 'openbeat.outreach.%' GROUP BY status",
    )
    return Counter(dict(rows))


def test_killed_fan_out_completes_with_every_subscriber_mailed_exactly_once(tmp_path, caplog):
    seed = int(os.environ.get("OPENBEAT_KILL_SEED") or secrets.randbits(32))
    rng = random.Random(seed)
    run = secrets.token_hex(3)
    caplog.set_level(logging.WARNING, logger="mail.log")
    sink = HoldingSink(hold_marker=f"fanout-{run}-")
    try:
        sink.start()
    except OSError as exc:
        pytest.skip(f"cannot start the SMTP sink: {exc}")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    workers = []
    started = time.monotonic()
    with _database() as (database_url, query, database):
        try:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "openbeat.settings",
                "OPENBEAT_DATA_DIR": str(data_dir),
                "OPENBEAT_DATABASE_URL": database_url,
                "OPENBEAT_TASKS": "database",
                "OPENBEAT_EMAIL_URL": f"smtp://{sink.host}:{sink.port}",
                "OPENBEAT_BASE_URL": "http://127.0.0.1:9",
                "OPENBEAT_DEBUG": "false",
                "OPENBEAT_SECRET_KEY": "fan-out-kill-test-secret-" + secrets.token_hex(16),
            }
            _manage(env, "migrate", "--verbosity", "0")
            _manage(
                env,
                "shell",
                "-c",
                f"run = {run!r}\nCOUNT = {SUBSCRIBERS}\n" + SETUP,
            )
            worker_argv = [sys.executable, "-m", "openbeat.cli", "worker", "--interval", "0.2"]

            # 1. One worker starts the fan-out; it is killed while an email is in flight.
            sink.hold_at = rng.randint(SUBSCRIBERS * 3 // 10, SUBSCRIBERS * 7 // 10)
            first = Service("worker-1", worker_argv, env, tmp_path)
            workers.append(first)
            first.start()
            deadline = time.monotonic() + 120
            while not sink.holding.is_set() and first.running() and time.monotonic() < deadline:
                time.sleep(0.005)
            assert sink.holding.is_set(), (
                f"the worker never reached the held email:\n{first.stderr_text()[-3000:]}"
            )
            first.kill()
            accepted_before_kill = len(sink.messages)
            at_kill = _counts(query, data_dir)
            sink.release.set()

            # 2. Two workers together finish it.
            for name in ("worker-2", "worker-3"):
                worker = Service(name, worker_argv, env, tmp_path)
                workers.append(worker)
                worker.start()
            while time.monotonic() < deadline:
                counts = _counts(query, data_dir)
                tasks = _tasks(query, data_dir)
                done = counts["sent"] + counts["failed"] + counts["skipped"] >= SUBSCRIBERS
                # The last task may still be finishing after its last email was marked.
                if done and not tasks["READY"] and not tasks["RUNNING"]:
                    break
                time.sleep(0.2)
            final = _counts(query, data_dir)
            tasks = _tasks(query, data_dir)
        finally:
            for worker in workers:
                worker.stop()
            sink.stop()
    logs = "".join(w.stderr_text() for w in workers)

    with sink.lock:
        received = Counter(str(m["To"]) for m in sink.messages)
    expected = {f"fanout-{run}-{i:05d}@example.org" for i in range(SUBSCRIBERS)}
    missing = sorted(expected - set(received))
    twice = sorted(address for address, n in received.items() if n > 1)
    strangers = sorted(set(received) - expected)
    print(
        f"\n[fan-out kill/{database}] seed {seed}, {time.monotonic() - started:.0f}s: "
        f"{SUBSCRIBERS} subscribers; killed after {accepted_before_kill} accepted emails, "
        f"while sending to {sink.held_to}; rows at the kill {dict(at_kill)}; "
        f"at the end {dict(final)}; tasks {dict(tasks)}; received {sum(received.values())} "
        f"emails for {len(received)} addresses"
    )
    assert at_kill["sending"] >= 1, "the kill did not land inside a batch"
    assert not missing, f"{len(missing)} subscribers never got the email: {missing[:10]}"
    assert not twice, f"{len(twice)} subscribers got it more than once: {twice[:10]}"
    assert not strangers, strangers[:10]
    assert dict(final) == {"sent": SUBSCRIBERS}, final
    assert not tasks["FAILED"] and not tasks["READY"] and not tasks["RUNNING"], tasks
    assert "Traceback" not in logs, logs[-3000:]
