"""SIGKILL the real server and the task worker at random moments: nothing acknowledged is lost.

The trust-and-safety promise, tested end to end on the production server (`openbeat serve`:
gunicorn, two worker processes) in its own process group with its own data folder:

- every concern the resident was told is received (a 302 to its tracking page) is stored exactly
  once, with the tracking token the resident was given, however often the server dies;
- a submission that was rolled back queues no email (the task row commits with the concern);
- every stored concern's reporter gets the "Received" email at least once, even when the worker
  is killed while it is sending one; no email goes to a submission that is not stored.

A form whose connection the kill dropped is sent again, as a resident would (same nonce): it must
come back as the same concern, never a second one. The worker is killed once mid-way through the
fan-out, at the moment that matters for at-least-once delivery: inside a task, after it claimed it
and handed the email to SMTP, before the SMTP server accepted the message (the sink holds that one
message's DATA unanswered until the kill).

The database is the suite's: SQLite in the server's data folder, or a fresh PostgreSQL database
(openbeat_kill_<random>, dropped afterwards) when OPENBEAT_DATABASE_URL is a PostgreSQL URL.
OPENBEAT_KILL_SUBMISSIONS lowers the number of submissions (default 1,000); OPENBEAT_KILL_SEED
replays the same kill points.
"""

import asyncio
import contextlib
import email
import email.policy
import json
import logging
import os
import queue
import random
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.smtp import SMTPSink

SUBMISSIONS = int(os.environ.get("OPENBEAT_KILL_SUBMISSIONS") or 1000)
CLIENT_THREADS = 8
ATTEMPTS = 4  # a submission whose connection dropped is sent again, the same form (same nonce)
CATEGORIES = ["parking", "noise", "vandalism-graffiti", "abandoned-vehicle", "other"]
TRACK = re.compile(r"/concerns/track/([A-Za-z0-9_-]+)/$")
DATABASE_URL = os.environ.get("OPENBEAT_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))


def _free_port():
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]
    except OSError as exc:
        pytest.skip(f"cannot bind a local port: {exc}")


class _HoldingHandler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        sink = self.sink
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with sink.lock:
            hold = (
                sink.hold_at is not None
                and len(sink.messages) >= sink.hold_at
                and sink.hold_marker in str(message["To"])
                and not sink.holding.is_set()
            )
            if hold:
                sink.held_to = str(message["To"])
                sink.holding.set()
            else:
                sink.messages.append(message)
        if not hold:
            return "250 Message accepted for delivery"
        # The worker is now inside the task, between claiming it and hearing the email was taken:
        # the message is not accepted (not stored) until the test lets go, after the kill.
        while not sink.release.is_set():
            await asyncio.sleep(0.01)
        return "451 4.3.0 Not accepted; try again later"


class HoldingSink(SMTPSink):
    """The suite's SMTP sink, able to leave one message's DATA unanswered (not yet accepted)."""

    def __init__(self, hold_marker):
        super().__init__()
        self.hold_marker = hold_marker
        self.hold_at = None  # hold the first matching message once this many were accepted
        self.held_to = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.controller = Controller(_HoldingHandler(self), hostname=self.host, port=self.port)


class Service:
    """A command in its own process group, so SIGKILL takes its forked workers down with it."""

    def __init__(self, name, argv, env, logs):
        self.name = name
        self.argv = argv
        self.env = env
        self.stdout = logs / f"{name}.out"
        self.stderr = logs / f"{name}.err"
        self.process = None

    def start(self):
        with open(self.stdout, "ab") as out, open(self.stderr, "ab") as err:
            self.process = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=err, start_new_session=True
            )

    def _signal_group(self, signum):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def _group_gone(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)

    def kill(self):
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._group_gone(5)  # gunicorn's workers die with the master; their socket goes with them

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self._group_gone(5)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stderr_text(self):
        return self.stderr.read_text(errors="replace") if self.stderr.exists() else ""


@contextlib.contextmanager
def _database():
    """(OPENBEAT_DATABASE_URL for the server, query(data_dir, sql) -> rows, name)."""
    if not ON_POSTGRES:

        def query(data_dir, sql):
            path = data_dir / "openbeat.sqlite3"
            with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
                return db.execute(sql).fetchall()

        yield "", query, "SQLite"
        return
    import psycopg

    name = f"openbeat_kill_{secrets.token_hex(4)}"
    url = urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl()
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')

    def query(data_dir, sql):
        with psycopg.connect(url) as db:
            return db.execute(sql).fetchall()

    try:
        yield url, query, "PostgreSQL"
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "-m", "openbeat.cli", "manage", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"openbeat manage {' '.join(args)} failed:\n{result.stderr}"


def _wait_healthy(server, base, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.running():
            tail = server.stderr_text()[-3000:]
            pytest.fail(f"the server exited with {server.process.returncode}:\n{tail}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within {timeout}s")


class Submissions:
    """N concern submissions from a few threads, each one identified by its index."""

    def __init__(self, base, run, rng):
        self.base = base
        self.run = run
        self.server_up = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = {}  # index -> tracking token the resident was sent to
        self.refused = Counter()  # answers other than the success redirect, by status
        self.unanswered = set()  # indexes still without an answer after every attempt
        self.dropped = 0  # attempts that got no answer (connection dropped or refused)
        # Re-sent forms the server recognised by their nonce: the first attempt had committed
        # before the kill took its answer away (the new-concern path alone sets a message cookie).
        self.already_stored = 0
        self.resent_acknowledged = 0
        self.done = 0
        self.points = {
            i: (round(rng.uniform(39.280, 39.320), 6), round(rng.uniform(-75.615, -75.580), 6))
            for i in range(SUBMISSIONS)
        }
        self.categories = {i: rng.choice(CATEGORIES) for i in range(SUBMISSIONS)}
        self.todo = queue.Queue()
        for i in range(SUBMISSIONS):
            self.todo.put(i)

    def marker(self, i):
        return f"kill-{self.run}-{i:05d}"

    def description(self, i):
        return f"Durability check {self.marker(i)}: a fence panel is down by the footpath."

    def address(self, i):
        return f"{self.marker(i)}@example.org"

    def form(self, i, token):
        lat, lon = self.points[i]
        return {
            "csrfmiddlewaretoken": token,
            "category": self.categories[i],
            "description": self.description(i),
            "latitude": f"{lat:.6f}",
            "longitude": f"{lon:.6f}",
            "email": self.address(i),
            "nonce": self.marker(i),
            "confirm_new": "1",
        }

    def _csrf(self, session):
        response = session.get(f"{self.base}/concerns/new/", timeout=(5, 60))
        response.raise_for_status()
        return response.cookies["csrftoken"]

    def client(self):
        session = requests.Session()
        token = None
        while True:
            try:
                i = self.todo.get_nowait()
            except queue.Empty:
                return
            # One address per resident: the server is told it sits behind a proxy, so the rate
            # limit (10 an hour per client) counts X-Forwarded-For.
            address = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            outcome = None
            for attempt in range(ATTEMPTS):
                self.server_up.wait(timeout=180)
                try:
                    if token is None:
                        token = self._csrf(session)
                    response = session.post(
                        f"{self.base}/concerns/new/",
                        data=self.form(i, token),
                        headers={"X-CSRFToken": token, "X-Forwarded-For": address},
                        cookies={"csrftoken": token},
                        allow_redirects=False,
                        timeout=(5, 60),
                    )
                except requests.RequestException:
                    with self.lock:
                        self.dropped += 1
                    time.sleep(0.05)
                    continue
                finally:
                    # The next resident starts without this one's cookies (no piled-up messages).
                    session.cookies.clear()
                found = TRACK.search(response.headers.get("Location", ""))
                outcome = found.group(1) if response.status_code == 302 and found else None
                if outcome is None:
                    outcome = response.status_code
                elif attempt:
                    with self.lock:
                        self.resent_acknowledged += 1
                        self.already_stored += "messages" not in response.cookies
                break
            with self.lock:
                if isinstance(outcome, str):
                    self.acknowledged[i] = outcome
                elif outcome is None:
                    self.unanswered.add(i)
                else:
                    self.refused[outcome] += 1
                self.done += 1


def _tasks(query, data_dir, table):
    """Every send_concern_email task: (status, concern id, kind)."""
    rows = query(
        data_dir,
        f"SELECT status, args_kwargs FROM {table} WHERE task_path LIKE '%send_concern_email'",  # noqa: S608
    )
    tasks = []
    for status, args_kwargs in rows:
        args = (json.loads(args_kwargs) if isinstance(args_kwargs, str) else args_kwargs)["args"]
        tasks.append((status, args[0], args[1]))
    return tasks


def test_sigkill_loses_no_acknowledged_concern_and_no_email(tmp_path, caplog):
    from django_tasks_db.models import DBTaskResult

    from openbeat.concerns.models import Concern

    concern_table, task_table = Concern._meta.db_table, DBTaskResult._meta.db_table
    seed = int(os.environ.get("OPENBEAT_KILL_SEED") or secrets.randbits(32))
    rng = random.Random(seed)
    run = secrets.token_hex(3)
    started = time.monotonic()
    caplog.set_level(logging.WARNING, logger="mail.log")  # aiosmtpd logs every SMTP command
    port = _free_port()
    try:
        sink = HoldingSink(hold_marker=f"kill-{run}-")
        sink.start()
    except OSError as exc:
        pytest.skip(f"cannot start the SMTP sink: {exc}")
    base = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = worker = None
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(sink.stop)
        database_url, query, database = cleanup.enter_context(_database())
        try:
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "openbeat.settings",  # production settings, not the tests'
                "OPENBEAT_DATA_DIR": str(data_dir),
                "OPENBEAT_DATABASE_URL": database_url,
                "OPENBEAT_TASKS": "database",
                "OPENBEAT_EMAIL_URL": f"smtp://{sink.host}:{sink.port}",
                "OPENBEAT_BASE_URL": base,
                "OPENBEAT_BEHIND_PROXY": "true",
                "OPENBEAT_DEBUG": "false",
                "OPENBEAT_SECRET_KEY": "durability-test-secret-key-" + secrets.token_hex(16),
            }
            _manage(env, "migrate", "--verbosity", "0")
            _manage(env, "shell", "-c", "from openbeat.demo.loader import load_demo; load_demo()")
            cli = [sys.executable, "-m", "openbeat.cli"]
            server = Service(
                "server",
                [*cli, "serve", "--addr", f"127.0.0.1:{port}", "--workers", "2"],
                env,
                tmp_path,
            )
            worker = Service("worker", [*cli, "worker", "--interval", "0.2"], env, tmp_path)

            # 1. Fire the submissions; SIGKILL the whole server at 3-5 random moments.
            firing = Submissions(base, run, rng)
            server.start()
            _wait_healthy(server, base)
            firing.server_up.set()
            clients = [
                threading.Thread(target=firing.client, name=f"resident-{n}", daemon=True)
                for n in range(CLIENT_THREADS)
            ]
            for client in clients:
                client.start()
            low, high = max(1, SUBMISSIONS // 10), max(2, SUBMISSIONS * 9 // 10)
            kill_points = sorted(rng.sample(range(low, high), min(rng.randint(3, 5), high - low)))
            kills, killed_at = 0, []
            for point in kill_points:
                # A fresh server answers its first requests slowly (up to seconds): let it answer
                # a round of forms before the next kill, or one form can be dropped every time.
                point = max(point, firing.done + CLIENT_THREADS)
                while firing.done < point and any(c.is_alive() for c in clients):
                    time.sleep(0.002)
                if not any(c.is_alive() for c in clients):
                    break
                time.sleep(rng.uniform(0, 0.03))  # anywhere inside the requests in flight
                firing.server_up.clear()
                server.kill()
                kills += 1
                killed_at.append(firing.done)
                server.start()
                _wait_healthy(server, base)
                firing.server_up.set()
            for client in clients:
                client.join(timeout=600)
            assert not any(c.is_alive() for c in clients), "the submissions did not finish"
            server.stop()
            server_log = server.stderr_text()
            submit_seconds = time.monotonic() - started

            # 2. What is stored: exactly the acknowledged concerns (and perhaps some of those whose
            # answer was lost to a kill), each once, each with its queued "Received" email.
            rows = query(
                data_dir,
                f"SELECT id, description, form_nonce, tracking_token, reporter_email FROM {concern_table}",  # noqa: S608
            )
            all_ids = {row[0] for row in rows}
            ours = [row for row in rows if (row[2] or "").startswith(f"kill-{run}-")]
            stored = {}  # index -> [(id, description, token, email)], one entry if all is well
            for pk, description, nonce, token, address in ours:
                stored.setdefault(int(nonce.rsplit("-", 1)[1]), []).append(
                    (pk, description, token, address)
                )
            acked = firing.acknowledged
            lost = sorted(i for i in acked if i not in stored)
            twice = sorted(i for i, found in stored.items() if len(found) > 1)
            descriptions = Counter(row[1] for row in ours)
            repeated_descriptions = sorted(d for d, n in descriptions.items() if n > 1)
            wrong_token = sorted(i for i in acked if i in stored and stored[i][0][2] != acked[i])
            wrong_fields = sorted(
                i
                for i, found in stored.items()
                if (found[0][1], found[0][3]) != (firing.description(i), firing.address(i))
            )
            unacked_stored = sorted(i for i in stored if i not in acked)
            tasks = _tasks(query, data_dir, task_table)
            queued = Counter(pk for _status, pk, kind in tasks if kind == "received")
            our_ids = {found[0][0]: i for i, found in stored.items()}
            orphan_tasks = sorted(pk for pk in queued if pk not in all_ids)
            unqueued = sorted(i for pk, i in our_ids.items() if queued[pk] == 0)
            queued_twice = sorted(i for pk, i in our_ids.items() if queued[pk] > 1)

            # 3. The worker sends the emails; SIGKILL it once mid-way through the fan-out, while
            # it is inside a task: claimed, its email handed to SMTP but not yet accepted.
            sink.hold_at = rng.randint(len(stored) * 3 // 10, max(1, len(stored) * 7 // 10))
            worker.start()
            worker_kills = 0
            deadline = time.monotonic() + 150
            while not sink.holding.is_set() and worker.running() and time.monotonic() < deadline:
                time.sleep(0.005)
            if sink.holding.is_set():
                worker.kill()
                worker_kills += 1
            sent_before_kill = len(sink.messages)
            sink.release.set()
            if not worker.running():
                worker.start()
            last, still_since = None, time.monotonic()
            while time.monotonic() < deadline:
                statuses = Counter(
                    status for status, _pk, _kind in _tasks(query, data_dir, task_table)
                )
                state = (statuses["READY"], statuses["RUNNING"], len(sink.messages))
                if state != last:
                    last, still_since = state, time.monotonic()
                elif statuses["READY"] == 0 and time.monotonic() - still_since > 1.5:
                    break
                time.sleep(0.2)
            worker.stop()
            worker_log = worker.stderr_text()
        finally:
            for service in (server, worker):
                if service is not None:
                    service.stop()

        # 4. Every stored concern's reporter got the email; nobody else did.
        final = _tasks(query, data_dir, task_table)
    statuses = Counter(status for status, _pk, _kind in final)
    with sink.lock:
        messages = list(sink.messages)
    by_address = Counter()
    wrong_subject = []
    index_of = {found[0][3]: i for i, found in stored.items()}
    for message in messages:
        to = str(message["To"])
        if f"kill-{run}-" not in to:
            continue  # the demo town's own mail
        by_address[to] += 1
        i = index_of.get(to)
        if i is not None and not str(message["Subject"]).startswith(
            f"Received: concern #{stored[i][0][0]} "
        ):
            wrong_subject.append(i)
    emailed = sorted(i for a, i in index_of.items() if by_address[a] > 0)
    missing = sorted(i for a, i in index_of.items() if by_address[a] == 0)
    duplicates = sum(n - 1 for a, n in by_address.items() if a in index_of and n > 1)
    rolled_back_emails = sorted(a for a in by_address if a not in index_of)
    locked = server_log.count("database is locked") + worker_log.count("database is locked")
    tracebacks = server_log.count("Traceback") + worker_log.count("Traceback")

    print(
        f"\n[durability/{database}] seed {seed}, {time.monotonic() - started:.0f}s "
        f"(submissions {submit_seconds:.0f}s)\n"
        f"  submissions {SUBMISSIONS}: acknowledged {len(acked)}, refused {dict(firing.refused)}, "
        f"never answered {len(firing.unanswered)}\n"
        f"  dropped connections re-sent (same form, same nonce) {firing.dropped}: acknowledged "
        f"{firing.resent_acknowledged}, of which already committed before the kill "
        f"{firing.already_stored}\n"
        f"  server SIGKILLs survived {kills} (after {killed_at} submissions)\n"
        f"  stored {len(stored)} (unacknowledged but stored {len(unacked_stored)}); "
        f"lost acknowledged {len(lost)}; stored twice {len(twice)}; repeated descriptions "
        f"{len(repeated_descriptions)}; wrong token {len(wrong_token)}\n"
        f"  'Received' tasks queued {sum(queued[pk] for pk in our_ids)} for {len(our_ids)} "
        f"concerns; tasks without a concern {len(orphan_tasks)}\n"
        f"  worker SIGKILLs {worker_kills} (after {sent_before_kill} emails, while sending to "
        f"{sink.held_to}); task states at the end {dict(statuses)}\n"
        f"  emails {sum(by_address.values())} to {len(emailed)} of {len(stored)} reporters: "
        f"duplicates {duplicates}, missing {len(missing)} {missing[:10]}, for submissions not "
        f"stored {len(rolled_back_emails)}\n"
        f"  'database is locked' in server/worker stderr {locked}; tracebacks {tracebacks}"
    )

    problems = []
    if lost:
        problems.append(f"acknowledged but not stored: {lost[:20]}")
    if twice or repeated_descriptions:
        problems.append(f"stored more than once: {twice[:20]} {repeated_descriptions[:5]}")
    if wrong_token or wrong_fields:
        problems.append(
            f"stored differently from what was sent: {wrong_token[:20]} {wrong_fields[:20]}"
        )
    if orphan_tasks:
        problems.append(f"emails queued for concerns that were rolled back: {orphan_tasks[:20]}")
    if unqueued or queued_twice:
        problems.append(
            f"'Received' queued not exactly once: none {unqueued[:20]}, twice {queued_twice[:20]}"
        )
    if rolled_back_emails:
        problems.append(f"emails to submissions that are not stored: {rolled_back_emails[:20]}")
    if wrong_subject:
        problems.append(f"emails naming the wrong concern: {wrong_subject[:20]}")
    if statuses["READY"] or statuses["FAILED"]:
        problems.append(f"the worker left tasks unsent or failed: {dict(statuses)}")
    if missing:
        problems.append(
            f"{len(missing)} stored concerns' reporters never got the 'Received' email "
            f"(at-least-once broken): indexes {missing[:20]}; {statuses['RUNNING']} tasks are "
            f"left RUNNING by the killed worker, and nothing ever runs them again"
        )
    if firing.refused:
        problems.append(f"submissions refused: {dict(firing.refused)}")
    if locked:
        problems.append(f"'database is locked' {locked} times in the server's or worker's stderr")
    if kills < min(3, len(kill_points)) or worker_kills != 1:
        problems.append(f"the kills did not all happen: server {kills}, worker {worker_kills}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
