"""Fan-out of one announcement to 100,000 subscribers, against a raw smtplib loop.

    .venv/bin/python bench/fanout.py [--db sqlite|postgres] [--subscribers N] [--rounds N]

Both send the same messages (subject, body, the per-recipient manage and one-click
unsubscribe links and List-* headers) to the same local SMTP sink (aiosmtpd, in a process of
its own, counting what it accepts) in the same run:

- **raw**: one Python loop over the subscribers (one query), building each message with the
  standard library's `email.message.EmailMessage` and sending it with `smtplib` on one
  connection — what a hand-written mailing script does, with no record of who was mailed;
- **OpenBeat**: `actions.publish()` in this process, then the real worker (`openbeat worker`,
  production settings) plans one delivery row per subscriber and sends in batches, each email
  claimed and marked sent in the database. Timed from publish until the database counts every
  delivery sent; the worker's peak memory is its VmHWM from /proc.

Rounds alternate raw, OpenBeat, raw, ...; each OpenBeat run is divided by the mean of the raw
runs either side of it (goal: >= 0.8x the raw loop's rate). The sink must count exactly N
messages for every run. Results: bench/results/<date>-fanout-<db>.json. Data lives under
$TMPDIR/openbeat-bench-fanout (SQLite) or the PostgreSQL database openbeat_bench_fanout.
"""

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

GOAL = 0.8
POLICY = SMTP.clone(max_line_length=998)  # as OpenBeat: long List-Unsubscribe URLs stay whole
DATA_DIR = Path(tempfile.gettempdir()) / "openbeat-bench-fanout"
DB_NAME = "openbeat_bench_fanout"


# ---------------------------------------------------------------- the SMTP sink


def _sink_main(port, count, ready):
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


class Sink:
    """aiosmtpd in its own process (so it never shares a GIL with a sender), counting."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.count = multiprocessing.Value("Q", 0)
        ready = multiprocessing.Event()
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        self.process = multiprocessing.Process(
            target=_sink_main, args=(self.port, self.count, ready), daemon=True
        )
        self.process.start()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        if not ready.wait(30):
            raise RuntimeError("the SMTP sink did not start")

    def reset(self):
        with self.count.get_lock():
            self.count.value = 0

    @property
    def received(self):
        return self.count.value

    def stop(self):
        self.process.terminate()
        self.process.join(10)


# ---------------------------------------------------------------- data


def generate_subscribers(count, batch=5000):
    from openbeat.core.models import Agency
    from openbeat.outreach.models import Subscription, Topic

    agency = Agency.objects.create(name="Smyrna Police Department", slug="smyrna-pd")
    Topic.objects.create(agency=agency, name="Crime prevention", slug="crime-prevention")
    rows = []
    # Subscribers as their confirmations left them: confirming 100,000 through the write path
    # would queue 100,000 confirmation emails first.
    for i in range(count):
        rows.append(
            Subscription(agency=agency, email=f"resident{i:06d}@example.org", status="active")
        )
        if len(rows) == batch:
            Subscription.objects.bulk_create(rows)
            rows = []
    Subscription.objects.bulk_create(rows)
    return agency


def new_announcement(agency, n):
    from openbeat.outreach import actions
    from openbeat.outreach.models import Announcement

    return actions.save_announcement(
        Announcement(agency=agency),
        {
            "title": f"Community Policing Unit: meeting {n}",
            "body": (
                "Smyrna's Community Policing Unit meets residents at Town Hall on the first "
                "Monday of the month, 6 p.m. Bring the problems in your neighbourhood.\n\n"
                "- Coffee with a Cop: second Wednesday, Bridgeway Family Restaurant\n"
                "- Report a concern online at any time"
            ),
        },
        acting_user=None,
    )


# ---------------------------------------------------------------- the two senders


def raw_loop(agency, announcement, port):
    """The baseline: the same messages, built with the standard library, one connection."""
    from django.conf import settings

    from openbeat.outreach import links
    from openbeat.outreach.models import Subscription

    page = settings.BASE_URL + announcement.get_absolute_url()
    subject = f"{announcement.title} — {agency.name}"
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        rows = Subscription.objects.filter(agency=agency, status="active").values_list(
            "pk", "email", "token"
        )
        for pk, email, token in rows.iterator(chunk_size=5000):
            unsubscribe = f"{settings.BASE_URL}/unsubscribe/{links.unsubscribe_token(pk, email)}/"
            manage = f"{settings.BASE_URL}/subscriptions/{token}/"
            message = EmailMessage(policy=POLICY)
            message["Subject"] = subject
            message["From"] = settings.DEFAULT_FROM_EMAIL
            message["To"] = email
            message["List-Unsubscribe"] = f"<{unsubscribe}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            message["Date"] = formatdate()
            message.set_content(
                f"{announcement.title}\n{agency.name}\n\n{announcement.body}\n\n"
                f"Read it online: {page}\n--\nChange what you get: {manage}\n"
                f"Unsubscribe with one click: {unsubscribe}\n"
            )
            smtp.send_message(message)
    return time.perf_counter() - started


def _peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def openbeat_fanout(agency, announcement, env, log_dir, workers, timeout):
    """Publish, then the real worker(s) send; timed until every delivery is marked sent."""
    from openbeat.outreach import actions
    from openbeat.outreach.models import Delivery, Mailing

    processes = []
    logs = []
    for n in range(workers):
        log = open(log_dir / f"worker-{n}.log", "ab")  # noqa: SIM115 (closed below)
        logs.append(log)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "openbeat.cli", "worker", "--interval", "0.1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    time.sleep(3)  # the workers' start-up (Django, the abandoned-task sweep) is not the fan-out
    started = time.perf_counter()
    actions.publish(announcement, acting_user=None)
    mailing = Mailing.objects.get(announcement=announcement)
    total = None
    sent = 0
    deadline = time.monotonic() + timeout
    planned_after = None
    try:
        while time.monotonic() < deadline:
            mailing.refresh_from_db()
            if mailing.planned_at and planned_after is None:
                planned_after = time.perf_counter() - started
                total = Delivery.objects.filter(mailing=mailing).count()
            if total is not None:
                sent = Delivery.objects.filter(mailing=mailing, status="sent").count()
                if sent >= total:
                    break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        peaks = [_peak_rss_kib(p.pid) for p in processes]
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for log in logs:
            log.close()
    return {
        "seconds": elapsed,
        "planned_after_seconds": planned_after,
        "deliveries": total,
        "sent": sent,
        "worker_peak_rss_mib": [round(p / 1024, 1) for p in peaks if p],
    }


# ---------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1, help="OpenBeat runs (raw runs: +1)")
    parser.add_argument("--workers", type=int, default=1, help="openbeat worker processes")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--output")
    args = parser.parse_args(argv)

    DATA_DIR.mkdir(parents=True, exist_ok=True)
    generate.use_database(args.db, name=DB_NAME, data_dir=DATA_DIR)
    os.environ["DJANGO_SETTINGS_MODULE"] = "openbeat.settings"
    os.environ["OPENBEAT_TASKS"] = "database"
    sink = Sink()
    os.environ["OPENBEAT_EMAIL_URL"] = f"smtp://127.0.0.1:{sink.port}"
    os.environ.setdefault("OPENBEAT_SECRET_KEY", "bench-only-secret-key-not-for-production-0123")
    os.environ.setdefault("OPENBEAT_BASE_URL", "https://smyrna.example")
    import django

    django.setup()
    from django.db import connection

    try:
        generate.reset_database()
        generate.migrate()
        t0 = time.perf_counter()
        agency = generate_subscribers(args.subscribers)
        generate_seconds = time.perf_counter() - t0
        print(f"{args.subscribers} subscribers in {generate_seconds:.1f}s ({args.db})", flush=True)
        env = dict(os.environ)
        runs = []
        for n in range(args.rounds * 2 + 1):
            announcement = new_announcement(agency, n)
            sink.reset()
            if n % 2 == 0:
                seconds = raw_loop(agency, announcement, sink.port)
                run = {"kind": "raw", "seconds": seconds}
            else:
                run = {
                    "kind": "openbeat",
                    **openbeat_fanout(
                        agency, announcement, env, DATA_DIR, args.workers, args.timeout
                    ),
                }
                time.sleep(0.5)  # the sink's last answers
            run["sink_received"] = sink.received
            run["per_second"] = args.subscribers / run["seconds"]
            runs.append(run)
            print(json.dumps(run), flush=True)
    finally:
        sink.stop()

    ratios = []
    for i, run in enumerate(runs):
        if run["kind"] == "openbeat":
            raw = statistics.mean([runs[i - 1]["per_second"], runs[i + 1]["per_second"]])
            ratios.append(run["per_second"] / raw)
    ok_counts = all(r["sink_received"] == args.subscribers for r in runs)
    result = {
        "benchmark": "announcement fan-out",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "db": args.db,
        "database_vendor": connection.vendor,
        "subscribers": args.subscribers,
        "workers": args.workers,
        "goal": GOAL,
        "ratio_median": statistics.median(ratios),
        "ratios": ratios,
        "every_run_delivered_exactly_n": ok_counts,
        "runs": runs,
        "generate_seconds": generate_seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    print(
        f"\nOpenBeat fan-out / raw smtplib loop: {result['ratio_median']:.2f}x "
        f"(goal >= {GOAL}x); runs {[round(r, 2) for r in ratios]}; sink counts exact: {ok_counts}"
    )
    output = Path(
        args.output
        or BENCH / "results" / f"{datetime.date.today().isoformat()}-fanout-{args.db}.json"
    )
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"Written to {output}")


if __name__ == "__main__":
    main()
