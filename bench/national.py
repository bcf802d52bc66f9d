"""A national Coffee with a Cop morning: one node and one database, then two nodes, a streaming
replica and a shared Redis cache (scripts/cluster). Not run in CI.

Data (database `openbeat_national` on the machine's PostgreSQL, 127.0.0.1:5432): AGENCIES
agencies, MEETINGS meetings tomorrow morning between 7 and 11 (local time) spread over them, one
"hot" meeting with room for HOT_CAPACITY people, SUBSCRIBERS confirmed news subscribers. Rows are
bulk-created (the write path's save_event is one event at a time).

Load (CLIENTS Python threads for SECONDS, the same requests in both set-ups): of every 10
requests, 9 are GETs of the finder (an agency's meetings), an agency page or an agency's .ics
feed, the agency picked with a skew (big departments draw more residents: u**3 of a uniform u), and 1 is an RSVP (the form's POST, CSRF token and a fresh nonce; half of them to the
hot meeting, to see its capacity hold). Each RSVP has its own address and X-Forwarded-For, so
the per-client limit does not refuse it; the set-ups are reached node by node, in turn (nginx
would show every client as 127.0.0.1 to the limit).

Reported per set-up: requests/s, p50/p99 latency, CPU ms per request of each node (its process
group's utime+stime from /proc), the page-cache hit rate per node (X-OpenBeat-Cache), where
reads went (X-OpenBeat-Read), the replica's largest replay lag (pg_stat_replication, sampled),
errors (anything but 200 / 302), acknowledged RSVPs stored once, the hot meeting never over
capacity.

    PYTHONPATH=src .venv/bin/python bench/national.py [--agencies 2000 --meetings 20000
        --subscribers 100000 --seconds 30 --clients 16]
"""

import argparse
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "cluster"
DB = "openbeat_national"
HOT_CAPACITY = 40
NODE_PORT = 8501


def sql(port, query, database=DB):
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
    ) as db:
        cursor = db.execute(query)
        return cursor.fetchall() if cursor.description else []


def seed(agencies, meetings, subscribers):
    """Run inside `scripts/cluster exec` (the nodes' settings)."""
    import datetime
    import zoneinfo

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "openbeat.settings"
    django.setup()
    from openbeat.core.models import Agency, Venue
    from openbeat.events.models import Event, Occurrence, Programme
    from openbeat.outreach.models import Subscription

    if Agency.objects.exists():
        return
    tz = zoneinfo.ZoneInfo("America/New_York")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    made = Agency.objects.bulk_create(
        [Agency(name=f"Police Department {i:05d}", slug=f"pd-{i:05d}") for i in range(agencies)]
    )
    venues = Venue.objects.bulk_create(
        [
            Venue(
                agency=a,
                name="Main Street Diner",
                address="1 Main Street",
                latitude="39.3",
                longitude="-75.6",
            )
            for a in made
        ]
    )
    programmes = Programme.objects.bulk_create(
        [Programme(agency=a, name="Coffee with a Cop", slug="coffee-with-a-cop") for a in made]
    )
    rng = random.Random(16)
    events = []
    for i in range(meetings):
        k = i % agencies
        start = datetime.datetime.combine(
            tomorrow, datetime.time(7 + rng.randrange(4), rng.choice([0, 30])), tzinfo=tz
        )
        events.append(
            Event(
                agency=made[k],
                programme=programmes[k],
                venue=venues[k],
                title="Coffee with a Cop",
                slug=f"coffee-{i:06d}",
                start=start,
                duration_minutes=90,
                capacity=HOT_CAPACITY if i == 0 else 60,
            )
        )
    events = Event.objects.bulk_create(events, batch_size=2000)
    Occurrence.objects.bulk_create(
        [
            Occurrence(
                event=e,
                agency_id=e.agency_id,
                original_start=e.start,
                start=e.start,
                end=e.start + datetime.timedelta(minutes=90),
                venue_id=e.venue_id,
            )
            for e in events
        ],
        batch_size=2000,
    )
    now = datetime.datetime.now(datetime.UTC)
    for first in range(0, subscribers, 10_000):
        Subscription.objects.bulk_create(
            [
                Subscription(
                    agency=made[i % agencies],
                    email=f"resident-{i:07d}@example.org",
                    status="confirmed",
                    confirmed_at=now,
                )
                for i in range(first, min(subscribers, first + 10_000))
            ]
        )
    ordered = Occurrence.objects.select_related("event").order_by("event_id")  # the hot one first
    print(json.dumps({"occurrences": [o.get_absolute_url() for o in ordered]}))


class Load:
    def __init__(self, bases, agencies, occurrences, hot):
        self.bases, self.agencies, self.occurrences, self.hot = bases, agencies, occurrences, hot
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.results = []  # (base, kind, status, seconds, cache, read)
        self.acknowledged = []
        self.counter = 0

    def client(self, number):
        rng = random.Random(number)
        sessions = {base: requests.Session() for base in self.bases}
        tokens = {}
        turn = number
        while not self.stop.is_set():
            turn += 1
            base = self.bases[(turn + turn // 10) % len(self.bases)]  # RSVPs to every node
            session = sessions[base]
            # Residents crowd to the big departments: a skewed pick (a quarter of the requests go
            # to the first 1.6 % of agencies, half to the first 12.5 %).
            agency = f"pd-{int(self.agencies * rng.random() ** 3):05d}"
            roll = turn % 10
            started = time.monotonic()
            cache = read = ""
            try:
                if roll == 9:
                    kind = "rsvp"
                    path = self.hot if rng.random() < 0.5 else rng.choice(self.occurrences)
                    if base not in tokens:
                        page = session.get(base + path, timeout=30)
                        tokens[base] = re.search(
                            r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text
                        ).group(1)
                        started = time.monotonic()
                    with self.lock:
                        self.counter += 1
                        i = self.counter
                    address = f"national-{number}-{i:07d}@example.org"
                    answer = session.post(
                        f"{base}{path}rsvp/",
                        data={
                            "csrfmiddlewaretoken": tokens[base],
                            "name": "Resident",
                            "email": address,
                            "party_size": "1",
                            "nonce": secrets.token_hex(8),
                        },
                        headers={"X-Forwarded-For": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"},
                        allow_redirects=False,
                        timeout=30,
                    )
                    if answer.status_code == 302:
                        with self.lock:
                            self.acknowledged.append(address)
                else:
                    kind, path = [
                        ("finder", f"/events/?agency={agency}"),
                        ("agency", f"/agencies/{agency}/"),
                        ("ics", f"/agencies/{agency}/events.ics"),
                    ][roll % 3]
                    answer = requests.get(
                        base + path, timeout=30, headers={"Accept-Encoding": "gzip"}
                    )
                status = answer.status_code
                cache = answer.headers.get("X-OpenBeat-Cache", "")
                read = answer.headers.get("X-OpenBeat-Read", "")
            except requests.RequestException as exc:
                kind, status = locals().get("kind", "?"), type(exc).__name__
            with self.lock:
                self.results.append((base, kind, status, time.monotonic() - started, cache, read))


def group_cpu(pids):
    """utime+stime in seconds of these process groups' processes (with their reaped children)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in pids:  # pgrp
            total += sum(int(x) for x in fields[11:15]) / tick
    return total


def run_load(name, bases, groups, args, occurrences, replica_port=None):
    load = Load(bases, args.agencies, occurrences[1:], occurrences[0])
    threads = [threading.Thread(target=load.client, args=(n,)) for n in range(args.clients)]
    cpu_before = {base: group_cpu({pid}) for base, pid in groups.items()}
    lags = []
    begin = time.monotonic()
    for thread in threads:
        thread.start()
    while time.monotonic() - begin < args.seconds:
        time.sleep(1)
        if replica_port:
            rows = sql(
                5432,
                "select coalesce(extract(epoch from replay_lag), 0) from pg_stat_replication"
                f" where application_name like '%{args.replica_name}'",
                "postgres",
            )
            lags.extend(float(r[0]) for r in rows)
    load.stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - begin
    cpu = {base: group_cpu({pid}) - cpu_before[base] for base, pid in groups.items()}
    results = load.results
    seconds = sorted(r[3] for r in results)
    per_node = {}
    for base in bases:
        mine = [r for r in results if r[0] == base]
        cached = [r for r in mine if r[4]]
        per_node[base] = {
            "requests": len(mine),
            "cpu_ms_per_request": round(cpu[base] * 1000 / max(1, len(mine)), 1),
            "cache_hit_rate": round(sum(r[4] == "hit" for r in cached) / max(1, len(cached)), 3),
            "reads": dict(Counter(r[5] for r in mine)),
        }
    return {
        "setup": name,
        "requests": len(results),
        "requests_per_second": round(len(results) / elapsed, 1),
        "p50_ms": round(statistics.median(seconds) * 1000, 1),
        "p99_ms": round(seconds[int(len(seconds) * 0.99) - 1] * 1000, 1),
        "by_kind": dict(Counter(r[1] for r in results)),
        "errors": dict(Counter(str(r[2]) for r in results if r[2] not in (200, 302))),
        "per_node": per_node,
        "replica_lag_max_s": round(max(lags), 3) if lags else None,
        "rsvps_acknowledged": len(load.acknowledged),
        "_acknowledged": load.acknowledged,
    }


def check_rsvps(result, hot_path):
    stored = dict(
        sql(
            5432,
            "select email, count(*) from events_rsvp where email like 'national-%' group by email",
        )
    )
    acknowledged = result.pop("_acknowledged")
    result["acknowledged_not_stored"] = len([a for a in acknowledged if a not in stored])
    result["stored_twice"] = sum(1 for a in acknowledged if stored.get(a, 0) > 1)
    slug = hot_path.split("/")[2]
    over = sql(
        5432,
        "select e.capacity, coalesce(sum(r.party_size) filter (where r.status in"
        " ('pending', 'confirmed')), 0) from events_event e join events_occurrence o on"
        " o.event_id = e.id left join events_rsvp r on r.occurrence_id = o.id"
        f" where e.slug = '{slug}' group by e.capacity",
    )[0]
    result["hot_meeting_capacity"], result["hot_meeting_places_taken"] = over


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=2000)
    parser.add_argument("--meetings", type=int, default=20_000)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.agencies, args.meetings, args.subscribers)
        return
    state = Path(tempfile.mkdtemp(prefix="openbeat-national-"))
    args.replica_name = "openbeat_national"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPENBEAT_")},
        "OPENBEAT_CLUSTER_DIR": str(state),
        "OPENBEAT_CLUSTER_DB": DB,
        "OPENBEAT_CLUSTER_DROP_DB": "1",
        "OPENBEAT_REPLICA_PORT": "5436",
        "OPENBEAT_REPLICA_NAME": args.replica_name,
        "OPENBEAT_REPLICA_NO_SYNC": "1",
        "OPENBEAT_CLUSTER_CACHE_URL": "redis://127.0.0.1:6379/0",
        "OPENBEAT_CACHE_KEY_PREFIX": f"openbeat-national-{secrets.token_hex(3)}",
        "OPENBEAT_NODE_PORT": str(NODE_PORT),
        "OPENBEAT_LB_PORT": str(NODE_PORT - 1),
        "OPENBEAT_NODE_WORKERS": "2",
        "OPENBEAT_CLUSTER_WORKERS": "1",
    }
    single = None
    try:
        up = subprocess.run(["bash", str(SCRIPT), "up"], env=env, capture_output=True, text=True)
        if up.returncode:
            sys.exit(up.stdout + up.stderr)
        seeded = subprocess.run(
            ["bash", str(SCRIPT), "exec", sys.executable, __file__, "--seed"]
            + [f"--agencies={args.agencies}", f"--meetings={args.meetings}"]
            + [f"--subscribers={args.subscribers}"],
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if seeded.returncode:
            sys.exit(seeded.stderr)
        occurrences = json.loads(seeded.stdout.strip().splitlines()[-1])["occurrences"]
        counts = sql(
            5432,
            "select (select count(*) from core_agency), (select count(*) from events_occurrence),"
            " (select count(*) from outreach_subscription)",
        )[0]
        report = {"agencies": counts[0], "meetings": counts[1], "subscribers": counts[2]}
        # 1. One node (2 gunicorn processes, 4 threads each), the primary only, its own memory.
        secret = (state / "secret_key").read_text().strip()
        single_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("OPENBEAT_")},
            "PYTHONPATH": str(ROOT / "src"),
            "OPENBEAT_DATA_DIR": str(state / "data"),
            "OPENBEAT_SECRET_KEY": secret,
            "OPENBEAT_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
            "OPENBEAT_TASKS": "database",
            "OPENBEAT_BEHIND_PROXY": "true",
        }
        single_port = NODE_PORT + 10
        single = subprocess.Popen(
            [sys.executable, "-m", "openbeat.cli", "serve", "--addr", f"127.0.0.1:{single_port}"]
            + ["--workers", "2"],
            env=single_env,
            stdout=open(state / "log" / "single.log", "w"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{single_port}"
        for _ in range(300):
            try:
                requests.get(base + "/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)
        one = run_load("one node, one database", [base], {base: single.pid}, args, occurrences)
        single.terminate()
        single.wait(30)
        check_rsvps(one, occurrences[0])
        # 2. Two nodes (2 processes each), the replica for anonymous reads, Redis shared.
        bases = [f"http://127.0.0.1:{NODE_PORT}", f"http://127.0.0.1:{NODE_PORT + 1}"]
        groups = {
            b: int((state / "run" / f"node{i}.pid").read_text()) for i, b in enumerate(bases, 1)
        }
        two = run_load("two nodes, replica, shared cache", bases, groups, args, occurrences, 5436)
        check_rsvps(two, occurrences[0])
        report["runs"] = [one, two]
        print(json.dumps(report, indent=2))
    finally:
        if single and single.poll() is None:
            single.kill()
        subprocess.run(["bash", str(SCRIPT), "down"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
