"""Load test: wrk for 60 s at 64 connections against a mix of residents' requests, then the
breaking point. Not a timed test: figures for bench/README.md and a results JSON.

On the demo data (Smyrna & Clayton, `openbeat demo`'s loader) in this benchmark's own data dir
(SQLite) or database (PostgreSQL `openbeat_bench_load`), `openbeat serve` as shipped is loaded by
wrk with bench/mix.lua: of every 10 requests, 9 are GETs taken in turn from the public pages
(home, meetings, one meeting, concerns list, one concern, map pins, problem cases, one problem,
an agency page), Open311 (`services.json`, `requests.json` of each town, one request) and 1 is a
concern submission exactly as the web form sends it (multipart, one 400 × 300 JPEG, CSRF, fresh
nonce). The form's limit of 10 submissions a client an hour is raised for this server
(OPENBEAT_BENCH_SUBMIT_LIMIT, bench/urls.py): wrk is one client.

Checked after the main run: every status is 200 (GET) or 302 (a submission acknowledged), 0
socket errors, 0 "database is locked", 0 tracebacks or 5xx in the server log, and every
acknowledged submission stored exactly once (counted by nonce prefix). Reported: requests/s,
latency p50/p90/p99 (wrk --latency), the server's CPU time.

Breaking point: short runs at 128, 256, 512, ... connections (wrk --timeout 10s) until a run
has an error: a status other than 200/302, a socket error (connect, read, write, timeout) or a
server-log error. The first such count of connections is reported with what broke.

    .venv/bin/python bench/load.py --db sqlite
    .venv/bin/python bench/load.py --db postgres --seconds 60 --connections 64
"""

import argparse
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
if str(BENCH.parent) not in sys.path:
    sys.path.insert(0, str(BENCH.parent))

from bench import generate, run  # noqa: E402
from bench.concerns import csrf_token, make_photo, server_log_errors  # noqa: E402

DATA_DIR = Path(tempfile.gettempdir()) / "openbeat-bench-load"
PG_NAME = "openbeat_bench_load"
SUBMIT_EVERY = 10
RESULTS = BENCH / "results"


def prepare(db):
    """A fresh database with the demo's data, and the paths residents ask for."""
    generate.use_database(db, name=PG_NAME, data_dir=DATA_DIR)
    os.environ["OPENBEAT_BENCH_SUBMIT_LIMIT"] = "1000000"  # read by bench/urls.py
    import django

    django.setup()
    from django.core.management import call_command

    generate.reset_database()
    generate.migrate()
    call_command("collectstatic", interactive=False, verbosity=0)
    from openbeat.demo.loader import load_demo

    load_demo()
    return paths_to_ask()


def paths_to_ask():
    from openbeat.concerns.queries import public_concerns
    from openbeat.core.models import Agency
    from openbeat.events.models import Event
    from openbeat.problems.models import Problem

    concern = public_concerns().order_by("-created_at").first()
    event = Event.objects.order_by("pk").first()
    problem = Problem.objects.order_by("pk").first()
    paths = ["/", "/events/", f"/events/{event.slug}/", "/concerns/", f"/concerns/{concern.pk}/"]
    paths += ["/problems/", f"/problems/{problem.pk}/"]
    for agency in Agency.objects.order_by("slug"):
        paths += [
            f"/agencies/{agency.slug}/",
            f"/open311/v2/services.json?jurisdiction_id={agency.slug}",
            f"/open311/v2/requests.json?jurisdiction_id={agency.slug}",
        ]
    paths.append(f"/open311/v2/requests/{concern.pk}.json?jurisdiction_id={concern.agency.slug}")
    south, west, north, east = town_box()
    paths.append(f"/concerns/pins.json?bbox={west:.4f},{south:.4f},{east:.4f},{north:.4f}")
    return paths


def town_box():
    """The bounding box of every area served (south, west, north, east)."""
    from shapely.geometry import shape

    from openbeat.core.models import Area

    bounds = [shape(a.boundary).bounds for a in Area.objects.all()]
    return (
        min(b[1] for b in bounds),
        min(b[0] for b in bounds),
        max(b[3] for b in bounds),
        max(b[2] for b in bounds),
    )


def write_points(path, count=2000, seed=17):
    """Points inside the areas, each with a public category the area's agency takes."""
    from shapely.geometry import Point, shape

    from openbeat.concerns.models import Category
    from openbeat.core.models import Area

    rng = random.Random(seed)
    areas = [(a, shape(a.boundary)) for a in Area.objects.select_related("agency")]
    lines = []
    while len(lines) < count:
        area, polygon = rng.choice(areas)
        west, south, east, north = polygon.bounds
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        if not polygon.contains(Point(lon, lat)):
            continue
        slugs = list(
            Category.objects.filter(agency=area.agency, is_sensitive=False).values_list(
                "slug", flat=True
            )
        )
        lines.append(f"{lat:.6f} {lon:.6f} {rng.choice(sorted(slugs))}")
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk_mix(server, seconds, connections, script_args, timeout="120s"):
    argv = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds:.0f}s",
        "--timeout",
        timeout,
        "--latency",
        "-H",
        "Accept-Encoding: gzip",
        "-s",
        str(BENCH / "mix.lua"),
        server.url("/"),
        "--",
        *map(str, script_args),
    ]
    tokens_path = Path(script_args[0]).parent / f"load-tokens-{connections}.txt"
    cpu_before = server.cpu_seconds()
    out = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=seconds + 300,
        check=True,
        env={**os.environ, "OPENBEAT_LOAD_TOKENS": str(tokens_path)},
    ).stdout
    cpu = server.cpu_seconds() - cpu_before
    done = int(re.search(r"(\d+) requests in", out).group(1))
    statuses = json.loads(re.search(r"statuses: (\{.*\})", out).group(1) or "{}")
    errors = re.search(r"Socket errors: (.*)", out)
    socket_errors = {}
    if errors:
        socket_errors = {
            name: int(count) for name, count in re.findall(r"(\w+) (\d+)", errors.group(1))
        }
    latency = {
        f"p{p}": _ms(value) for p, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)
    }
    return {
        "connections": connections,
        "seconds": seconds,
        "requests": done,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "statuses": statuses,
        "socket_errors": socket_errors,
        "latency_ms": latency,
        "server_cpu_ms_per_request": round(1000 * cpu / done, 2) if done else None,
        "acknowledged_tokens": tokens_path.read_text().split(),
    }


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def problems(result, log_errors):
    """What went wrong in a run, in words; empty when nothing did."""
    found = [
        f"{n} answered {status}"
        for status, n in result["statuses"].items()
        if status not in {"200", "302"}
    ]
    found += [f"{n} socket {kind} errors" for kind, n in result["socket_errors"].items() if n]
    found += [f"{n} {kind} in the server log" for kind, n in log_errors.items() if n]
    return found


def submissions(tokens, prefix):
    """Every acknowledged submission (its tracking token from the 302) stored exactly once.

    More may be stored than acknowledged: wrk stops at its deadline with requests in flight,
    which the server completes and stores without wrk reading the answer."""
    from django.db.models import Count

    from openbeat.concerns.models import Concern

    stored = set(
        Concern.objects.filter(tracking_token__in=tokens).values_list("tracking_token", flat=True)
    )
    lost = [t for t in tokens if t not in stored]
    # A nonce stored twice would be one form sent once and stored twice.
    twice = list(
        Concern.objects.filter(form_nonce__startswith=prefix)
        .values("form_nonce")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("form_nonce", flat=True)
    )
    found = [f"{len(lost)} acknowledged submissions not stored"] if lost else []
    found += [f"{len(twice)} submissions stored more than once"] if twice else []
    return {
        "acknowledged": len(tokens),
        "acknowledged_and_stored_once": len(tokens) - len(lost) - len(twice),
        "stored_with_this_run_prefix": Concern.objects.filter(
            form_nonce__startswith=prefix
        ).count(),
        "problems": found,
    }


def log_delta(server, before):
    now = server_log_errors(server)
    return {key: now[key] - before.get(key, 0) for key in now}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--break-seconds", type=float, default=15)
    parser.add_argument("--break-max", type=int, default=4096)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        parser.error("wrk is needed (Debian package wrk)")
    if not (args.seconds > 0 and args.connections > 0):
        parser.error("--seconds and --connections must be positive")

    print(f"Loading the demo into a fresh {args.db} database ...", flush=True)
    paths = prepare(args.db)
    from django.conf import settings
    from django.db import connections

    work = Path(settings.DATA_DIR)
    photo = make_photo(work / "load-photo.jpg")
    points = write_points(work / "load-points.txt")
    paths_file = work / "load-paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    env = run.environment(args.db)
    connections.close_all()

    prefix = f"load-{uuid.uuid4().hex[:8]}"
    server = run.openbeat_serve(args.workers, args.threads, work)
    env["load_average_before"] = os.getloadavg()  # the machine is shared: say how busy it was
    result = {"db": args.db, "paths": paths, "submit_every": SUBMIT_EVERY, "environment": env}
    try:
        server.start()
        for path in paths:  # every GET answers 200 before the load, and warms the caches
            try:
                run.fetch(server.url(path))
            except OSError as exc:
                raise RuntimeError(f"GET {path} failed before the load: {exc}") from exc
        token = csrf_token(server)
        script_args = (photo, points, token, prefix, paths_file, SUBMIT_EVERY)
        print(
            f"Main run: {args.connections} connections for {args.seconds:.0f} s, "
            f"openbeat serve {args.workers} workers × {args.threads} threads ...",
            flush=True,
        )
        before = server_log_errors(server)
        main_run = wrk_mix(server, args.seconds, args.connections, script_args)
        main_run["log_errors"] = log_delta(server, before)
        main_run["submissions"] = submissions(main_run.pop("acknowledged_tokens"), prefix)
        main_run["problems"] = problems(main_run, main_run["log_errors"])
        main_run["problems"] += main_run["submissions"]["problems"]
        result["main"] = main_run
        print(json.dumps(main_run, indent=2), flush=True)

        breaking = None
        steps = []
        connections_now = max(128, args.connections * 2)
        while connections_now <= args.break_max:
            print(f"Breaking point: {connections_now} connections ...", flush=True)
            before = server_log_errors(server)
            step = wrk_mix(server, args.break_seconds, connections_now, script_args, "10s")
            step["log_errors"] = log_delta(server, before)
            step["submissions"] = submissions(step.pop("acknowledged_tokens"), prefix)
            step["problems"] = problems(step, step["log_errors"]) + step["submissions"]["problems"]
            steps.append(step)
            print(
                f"  {step['rps']:.0f} req/s, p99 {step['latency_ms'].get('p99')} ms, "
                f"{step['problems'] or 'no errors'}",
                flush=True,
            )
            if step["problems"]:
                breaking = {"connections": connections_now, "what": step["problems"]}
                break
            connections_now *= 2
        result["breaking_point"] = breaking
        result["breaking_steps"] = steps
    finally:
        server.stop()
    result["server_log"] = server_log_errors(server)
    env["load_average_after"] = os.getloadavg()

    ok = not result["main"]["problems"] and result["main"]["submissions"]["acknowledged"] > 0
    result["main_run_clean"] = ok
    stamp = datetime.datetime.now(datetime.UTC).date().isoformat()  # Django set TZ to local
    output = args.output or RESULTS / f"{stamp}-load-{args.db}.json"
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nmain run clean: {ok}; breaking point: {result['breaking_point']}; wrote {output}")
    return 0 if ok else 1


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s)")
    sys.exit(code)
