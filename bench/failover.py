"""Failover drill: a steady stream of RSVPs, the primary killed with SIGKILL, the replica promoted.

Not run in CI: it kills a PostgreSQL server. Never the machine's own (other work uses it): the
drill makes its own primary, a second Debian cluster on OPENBEAT_DRILL_PRIMARY_PORT (5434), then
`scripts/cluster up` with OPENBEAT_CLUSTER_FAILOVER=1 builds the rest on it: a streaming replica
(pg_basebackup -R), Redis, two `openbeat serve` nodes whose OPENBEAT_DATABASE_URL names both
servers (libpq multi-host, target_session_attrs=read-write), two workers, nginx.

Residents send RSVPs to the two nodes in turn (CLIENTS threads), each RSVP a new address and
form nonce; one whose answer did not come back is sent again, the same form, as a browser would.
After LOAD_BEFORE seconds the primary's postmaster gets SIGKILL; PROMOTE_AFTER seconds later the
replica is promoted (`pg_ctlcluster … promote`, what an HA manager does); the load goes on for
LOAD_AFTER seconds. Nothing restarts the nodes. Then it counts, on the new primary:

- seconds of failed writes: from the first refused or failed RSVP to the first accepted one after;
- acknowledged writes lost: RSVPs the residents were told were received (302) that are not stored;
- duplicates: an address stored more than once.

Run as root:  PYTHONPATH=src .venv/bin/python bench/failover.py  [--sync]
--sync makes the replica synchronous (synchronous_commit=remote_apply) and reports what a write
costs then.
"""

import argparse
import json
import os
import re
import secrets
import signal
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
VERSION = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
PRIMARY = "openbeat_drill_primary"
PRIMARY_PORT = int(os.environ.get("OPENBEAT_DRILL_PRIMARY_PORT", "5434"))
REPLICA_PORT = int(os.environ.get("OPENBEAT_DRILL_REPLICA_PORT", "5435"))
NODE_PORT = 8401
CLIENTS = 6
LOAD_BEFORE, PROMOTE_AFTER, LOAD_AFTER = 8.0, 3.0, 8.0
DB = "openbeat_drill"
SEED = """
import os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "openbeat.settings"
django.setup()
from tests import factories
town = factories.town()
event = factories.event(town, title="Failover Coffee", capacity=None, programme=town.coffee)
print(event.occurrences.get().get_absolute_url())
"""


def run(*argv, env=None, check=True):
    return subprocess.run(argv, env=env, check=check, capture_output=True, text=True)


def sql(port, query, database="postgres"):
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
    ) as db:
        cursor = db.execute(query)
        return cursor.fetchall() if cursor.description else []


def make_primary():
    run("pg_createcluster", VERSION, PRIMARY, "-p", str(PRIMARY_PORT), "--", "--no-sync")
    main_hba = sql(5432, "show hba_file")[0][0]
    Path(f"/etc/postgresql/{VERSION}/{PRIMARY}/pg_hba.conf").write_text(
        Path(main_hba).read_text() + "host replication all 127.0.0.1/32 trust\n"
    )
    run("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, PRIMARY, "start")


def drop_primary():
    run("pg_dropcluster", "--stop", VERSION, PRIMARY, check=False)
    run("rm", "-rf", f"/etc/postgresql/{VERSION}/{PRIMARY}", check=False)
    run("rm", "-rf", f"/var/lib/postgresql/{VERSION}/{PRIMARY}", check=False)


class Load:
    def __init__(self, bases, occurrence):
        self.bases = bases
        self.occurrence = occurrence
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.acknowledged = []  # addresses told "received"
        self.attempts = []  # (time, ok, seconds)
        self.counter = 0
        self.statuses = []  # (time, status code or error)

    def token(self, session, base):
        page = session.get(base + self.occurrence, timeout=10)
        page.raise_for_status()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def client(self, number):
        session = requests.Session()
        while not self.stop.is_set():
            with self.lock:
                self.counter += 1
                i = self.counter
            address = f"drill-{i:06d}@example.org"
            nonce = secrets.token_hex(8)
            forwarded = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
            while not self.stop.is_set():  # the same form again until it is answered
                base = self.bases[(i + number) % len(self.bases)]
                started = time.monotonic()
                ok = False
                status = "no answer"
                try:
                    token = self.token(session, base)
                    answer = session.post(
                        f"{base}{self.occurrence}rsvp/",
                        data={
                            "csrfmiddlewaretoken": token,
                            "name": "Drill",
                            "email": address,
                            "party_size": "1",
                            "nonce": nonce,
                        },
                        headers={"X-Forwarded-For": forwarded},
                        allow_redirects=False,
                        timeout=10,
                    )
                    ok = answer.status_code in (302, 303)
                    status = str(answer.status_code)
                except requests.RequestException as exc:
                    status = type(exc).__name__
                with self.lock:
                    self.attempts.append((started, ok, time.monotonic() - started))
                    self.statuses.append((time.monotonic(), status))
                    if ok:
                        self.acknowledged.append(address)
                if ok:
                    break
                time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sync", action="store_true", help="synchronous replication")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("Run as root: the drill makes and kills its own PostgreSQL clusters.")
    state = Path(tempfile.mkdtemp(prefix="openbeat-drill-"))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OPENBEAT_")},
        "OPENBEAT_CLUSTER_DIR": str(state),
        "OPENBEAT_CLUSTER_DB": DB,
        "OPENBEAT_PRIMARY_PORT": str(PRIMARY_PORT),
        "OPENBEAT_REPLICA_PORT": str(REPLICA_PORT),
        "OPENBEAT_REPLICA_NAME": "openbeat_drill_replica",
        "OPENBEAT_CLUSTER_CACHE_URL": "redis://127.0.0.1:6379/0",
        "OPENBEAT_CACHE_KEY_PREFIX": f"openbeat-drill-{secrets.token_hex(3)}",
        "OPENBEAT_CLUSTER_FAILOVER": "1",
        "OPENBEAT_NODE_PORT": str(NODE_PORT),
        "OPENBEAT_LB_PORT": str(NODE_PORT - 1),
        "OPENBEAT_NODE_WORKERS": "2",
    }
    make_primary()
    result = {"sync": args.sync}
    try:
        up = run("bash", str(SCRIPT), "up", env=env, check=False)
        if up.returncode:
            sys.exit(up.stdout + up.stderr)
        if args.sync:
            sql(PRIMARY_PORT, "alter system set synchronous_standby_names = '*'")
            sql(PRIMARY_PORT, "alter system set synchronous_commit = 'remote_apply'")
            sql(PRIMARY_PORT, "select pg_reload_conf()")
        occurrence = run(
            "bash", str(SCRIPT), "exec", sys.executable, "-c", SEED, env=env
        ).stdout.split()[-1]
        bases = [f"http://127.0.0.1:{NODE_PORT}", f"http://127.0.0.1:{NODE_PORT + 1}"]
        load = Load(bases, occurrence)
        threads = [threading.Thread(target=load.client, args=(n,)) for n in range(CLIENTS)]
        begin = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(LOAD_BEFORE)
        postmaster = int(
            Path(f"/var/lib/postgresql/{VERSION}/{PRIMARY}/postmaster.pid").read_text().split()[0]
        )
        killed = time.monotonic()
        os.kill(postmaster, signal.SIGKILL)
        time.sleep(PROMOTE_AFTER)
        run(
            "pg_ctlcluster",
            "--skip-systemctl-redirect",
            VERSION,
            "openbeat_drill_replica",
            "promote",
        )
        promoted = time.monotonic()
        time.sleep(LOAD_AFTER)
        load.stop.set()
        for thread in threads:
            thread.join()
        stored = dict(
            sql(
                REPLICA_PORT,
                "select email, count(*) from events_rsvp where email like 'drill-%' group by email",
                DB,
            )
        )
        acknowledged = set(load.acknowledged)
        failed = [t + s for t, ok, s in load.attempts if not ok]  # when the failure came back
        after = [t for t, ok, _s in load.attempts if ok and t > killed]
        before = [s for t, ok, s in load.attempts if ok and t < killed]
        result.update(
            {
                "rsvps_acknowledged": len(acknowledged),
                "attempts": len(load.attempts),
                "failed_attempts": len(failed),
                "first_failure_after_kill_s": round(min(failed) - killed, 2) if failed else None,
                "seconds_of_failed_writes": round(min(after) - killed, 2) if after else None,
                "first_success_after_promotion_s": round(min(after) - promoted, 2)
                if after
                else None,
                "acknowledged_lost": len([a for a in acknowledged if a not in stored]),
                "duplicates": sum(1 for count in stored.values() if count > 1),
                "stored_not_acknowledged": len([a for a in stored if a not in acknowledged]),
                "rsvp_round_trip_ms_p50_before_kill": round(statistics.median(before) * 1000, 1)
                if before
                else None,
                "writes_per_second_before_kill": round(len(before) / (killed - begin), 1),
                "nodes_restarted": 0,
                "failures_before_kill": dict(
                    Counter(s for t, s in load.statuses if t < killed and s not in ("302", "303"))
                ),
                "failures_after_kill": dict(
                    Counter(s for t, s in load.statuses if t >= killed and s not in ("302", "303"))
                ),
            }
        )
        print(json.dumps(result, indent=2))
    finally:
        run("bash", str(SCRIPT), "down", env={**env, "OPENBEAT_CLUSTER_DROP_DB": "0"}, check=False)
        drop_primary()


if __name__ == "__main__":
    main()
