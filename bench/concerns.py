"""Concerns at scale: the map's pins, the public list, Open311, a problem's analysis page and
submissions with a photo, each as a ratio to a bare "hello" view in the same run.

    .venv/bin/python bench/concerns.py [--db sqlite|postgres] [--concerns N] [--dense N]

Generates 1,000,000 concerns (bench/generate_concerns.py; `--concerns`), starts the production
server (`openbeat serve`) on a free 127.0.0.1 port and measures with wrk on loopback, as
bench/run.py does (its helpers are reused): every page run sits between two /bench/hello runs
(hello, page, hello, next page, ...) and is divided by their mean req/s; the median of the
rounds is reported, with the server's CPU ms per request. Goals: 0.5× for the read pages, 0.2×
for the problem page, 0.3× for submissions.

- GET /concerns/pins.json?bbox=… for one beat-sized box (a town, ~5,000 concerns) and for the
  dense town (~105,000); GET /concerns/ (first page);
- Open311: GET /open311/v2/requests.json for one jurisdiction with a 30-day window and
  status=open, and with a bbox (the town; default 90-day window); GET requests/<id>.json;
- GET /problems/<id>/ of the problem whose area holds the dense town's 100,000 concerns;
- POST /concerns/new/ as the web form sends it: multipart with a small JPEG made with Pillow,
  a fresh nonce every request and confirm_new=1, at points inside the areas (bench/mix.lua, submissions only).
  The rate limit of 10 a client an hour would refuse all but 10, so the bench server raises it
  (OPENBEAT_BENCH_SUBMIT_LIMIT, applied in bench/urls.py). Afterwards the server log is searched
  for "database is locked" (must be 0) and the concerns stored are counted.

Real traffic (bench/misses.py): six cases (Open311 pages of 100 over every jurisdiction, sliding
30-day windows with and without status=open, one request by a random id, the list filtered and
paged back from a random cursor, pins over a jittered town-sized box) are each measured twice:
one URL again and again (a page-cache hit) and every request a distinct URL (a miss; wrk walks
50,000 paths with bench/distinct.lua). Sampled answers give items and bytes; --check also fails
on an empty answer or a miss whose p99 is over its goal. The server's memory (VmRSS and VmHWM
of the master and each worker) is read from /proc after the runs. `--only miss` (any words of
the labels) measures a subset.

In-process, on the same data: SQL queries, their time and the slowest statements per page
(Django's test client), and the latency of the duplicate suggestions a submission makes
(`openbeat.concerns.duplicates.similar_open_concerns` at random points, p50/p95 ms).

Results are printed and written to bench/results/<date>-concerns-<db>.json. The data and server
logs live apart from bench/run.py's (see generate_concerns.py); --no-generate reuses them.
"""

import argparse
import datetime
import io
import itertools
import json
import os
import random
import re
import statistics
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import generate, misses, run  # noqa: E402
from bench import generate_concerns as data  # noqa: E402
from bench.run import HELLO, Target  # noqa: E402

READ_GOAL, PROBLEM_GOAL, SUBMIT_GOAL = 0.5, 0.2, 0.3
TOWN_AGENCY = 50  # an ordinary town: agency 050's North beat
SUBMIT_LABEL = "POST /concerns/new/"
LOCKED = "database is locked"


# ---------------------------------------------------------------- what is measured


def bbox_param(box):
    south, west, north, east = box
    return f"{west:.4f},{south:.4f},{east:.4f},{north:.4f}"


def read_targets(info, now):
    """The read pages, by label: (path, goal)."""
    town = f"township-{TOWN_AGENCY:03d}-pd"
    since = (now - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    window = urlencode(
        {"jurisdiction_id": town, "start_date": since, "end_date": until, "status": "open"}
    )
    return {
        "pins: town": (f"/concerns/pins.json?bbox={bbox_param(info['town_box'])}", READ_GOAL),
        "pins: dense town": (
            f"/concerns/pins.json?bbox={bbox_param(info['dense_box'])}",
            READ_GOAL,
        ),
        "list": ("/concerns/", READ_GOAL),
        "open311: 30 days, open": (f"/open311/v2/requests.json?{window}", READ_GOAL),
        "open311: bbox": (
            "/open311/v2/requests.json?"
            + urlencode({"jurisdiction_id": town, "bbox": bbox_param(info["town_box"])}),
            READ_GOAL,
        ),
        "open311: one request": (
            f"/open311/v2/requests/{info['request_id']}.json?jurisdiction_id={town}",
            READ_GOAL,
        ),
        "problem": (f"/problems/{info['problem_id']}/", PROBLEM_GOAL),
    }


def data_info():
    """Where things are in the generated data (also when it is reused)."""
    from openbeat.concerns.models import Concern
    from openbeat.core.models import Area
    from openbeat.problems.models import Problem

    areas = list(Area.objects.select_related("agency").order_by("agency__slug", "slug"))
    by_agency = {}
    for area in areas:
        by_agency.setdefault(area.agency.slug, []).append(area)  # north, south
    town = f"township-{TOWN_AGENCY:03d}-pd"
    problem = Problem.objects.select_related("area").order_by("id").first()
    request = (
        Concern.objects.filter(
            agency__slug=town,
            is_private=False,
            is_hidden=False,
            status="resolved",
            updates__is_public=True,
        )
        .order_by("-id")
        .first()
    )
    return {
        "beats_by_id": {a.pk: (a.agency.slug, data.area_box(a)) for a in areas},
        "town_box": data.area_box(by_agency[town][0]),
        "dense_box": data.area_box(problem.area),
        "problem_id": problem.pk,
        "request_id": request.pk,
        "beats": [(a.agency.slug, data.area_box(a)) for a in areas],
        "dense_area_id": problem.area_id,
    }


# ---------------------------------------------------------------- submissions


def make_photo(path):
    """A small JPEG (400 × 300, ~20 KB) with some detail, as a phone photo scaled down."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 300), (90, 120, 160))
    draw = ImageDraw.Draw(image)
    rng = random.Random(7)
    for _ in range(300):
        x, y = rng.randrange(400), rng.randrange(300)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(4, 40), y + rng.randrange(4, 30)], fill=colour)
    image.save(path, "JPEG", quality=85)
    return path


def write_points(path, beats, count=5000, seed=11):
    """Points inside the beats (a margin from the edges), with a public category slug."""
    rng = random.Random(seed)
    slugs = [s for s in data.CATEGORY_WEIGHTS if s != "officer-conduct"]
    lines = []
    for _ in range(count):
        _slug, (south, west, north, east) = rng.choice(beats)
        lat = south + (north - south) * (0.05 + 0.9 * rng.random())
        lon = west + (east - west) * (0.05 + 0.9 * rng.random())
        lines.append(f"{lat:.6f} {lon:.6f} {rng.choice(slugs)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def csrf_token(server):
    """The CSRF cookie the form page sets (the form may post the same 32-character secret)."""
    with urllib.request.urlopen(server.url("/concerns/new/"), timeout=60) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    for cookie in cookies:
        if match := re.match(r"csrftoken=([A-Za-z0-9]+)", cookie):
            return match.group(1)
    raise RuntimeError("GET /concerns/new/ set no csrftoken cookie")


class Submitter:
    """Multipart bodies for the Python load generator and the latency probe (wrk uses Lua)."""

    boundary = "----openbeat-bench-py"

    def __init__(self, photo, points, token, prefix):
        self.photo = Path(photo).read_bytes()
        self.points = [line.split() for line in Path(points).read_text().splitlines()]
        self.token, self.prefix = token, prefix
        self.counter = itertools.count(1)

    def __call__(self):
        n = next(self.counter)
        lat, lon, slug = self.points[(n - 1) % len(self.points)]
        fields = {
            "csrfmiddlewaretoken": self.token,
            "category": slug,
            "description": f"Benchmark report {n}: cars race down Main Street every night.",
            "latitude": lat,
            "longitude": lon,
            "location_text": "",
            "website": "",
            "nonce": f"{self.prefix}-py-{n}",
            "confirm_new": "1",
        }
        body = io.BytesIO()
        for name, value in fields.items():
            body.write(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        body.write(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        body.write(self.photo + f"\r\n--{self.boundary}--\r\n".encode())
        headers = {
            "Content-Type": f"multipart/form-data; boundary={self.boundary}",
            "Cookie": f"csrftoken={self.token}",
        }
        return "POST", "/concerns/new/", headers, body.getvalue()

    def probe(self, server):
        import http.client

        method, path, headers, body = self()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 302:
            raise RuntimeError(f"POST /concerns/new/ answered {response.status}, not 302")
        return time.perf_counter() - started


def submit_target(server, work_dir, beats, prefix):
    photo = make_photo(work_dir / "bench-photo.jpg")
    points = write_points(work_dir / "bench-points.txt", beats)
    token = csrf_token(server)
    submitter = Submitter(photo, points, token, prefix)
    target = Target(
        "/concerns/new/",
        label=SUBMIT_LABEL,
        goal=SUBMIT_GOAL,
        script=BENCH / "mix.lua",
        script_args=(photo, points, token, prefix, os.devnull, 1),  # no GETs: every one a POST
        make_request=submitter,
        probe=submitter.probe,
    )
    return target, photo.stat().st_size


# ---------------------------------------------------------------- in-process context


def page_costs(targets, repeats=5):
    """Queries, SQL time, the slowest statements, size and in-process time of each page: on a
    miss of the page cache (emptied before each request) and on a hit."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openbeat.core import pagecache

    def miss(path):
        cache.clear()
        pagecache.forget()
        started = time.perf_counter()
        response = client.get(path)
        return response, time.perf_counter() - started

    client = Client(HTTP_HOST="127.0.0.1")
    costs = {}
    for label, (path, _goal) in targets.items():
        miss(path)  # warm caches (templates, URL resolvers, translations)
        with CaptureQueriesContext(connection) as captured:
            response, first = miss(path)
            queries = list(captured.captured_queries)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        misses = [miss(path)[1] for _ in range(repeats)]
        hits = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(path)
            hits.append(time.perf_counter() - started)
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
        cost = {
            "queries": len(queries),
            "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
            "bytes": len(response.content),
            "in_process_ms": round(statistics.median(hits) * 1000, 2),
            "miss_ms": round(statistics.median(misses) * 1000, 2),
            "first_ms": round(first * 1000, 2),
            "slowest_sql": [
                {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest
            ],
        }
        if response["Content-Type"].startswith("application/json"):
            body = json.loads(response.content)
            cost["items"] = len(body["pins"] if isinstance(body, dict) else body)
        costs[label] = cost
    return costs


def explain(sql):
    """The plan of one captured statement: EXPLAIN QUERY PLAN (SQLite), EXPLAIN ANALYZE (PG)."""
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return [f"{'  ' * (parent > 0)}{detail}" for _id, parent, _n, detail in rows]
    return [row[0] for row in rows]


def explain_slowest(costs):
    """Add the plan of each page's slowest statement to its costs."""
    for cost in costs.values():
        if cost["slowest_sql"]:
            try:
                cost["slowest_plan"] = explain(cost["slowest_sql"][0]["sql"])
            except Exception as exc:  # a captured statement that cannot be replayed as text
                cost["slowest_plan"] = [f"(not explained: {exc})"]


def duplicate_latency(beats, dense_box, calls=300, seed=5):
    """similar_open_concerns at random points: anywhere, and in the dense town (ms)."""
    from openbeat.concerns.duplicates import similar_open_concerns

    rng = random.Random(seed)
    slugs = [s for s in data.CATEGORY_WEIGHTS if s != "officer-conduct"]
    result = {}
    for name, boxes, categories in [
        ("anywhere", [b for _s, b in beats], slugs),
        ("dense town", [dense_box], data.PROBLEM_CATEGORIES),
    ]:
        times, found = [], 0
        for _ in range(calls):
            south, west, north, east = rng.choice(boxes)
            lat = south + (north - south) * rng.random()
            lon = west + (east - west) * rng.random()
            slug = rng.choice(categories)
            text = rng.choice(data.WHAT[slug]).format(
                street=rng.choice(data.STREETS), time=rng.choice(data.TIMES)
            )
            started = time.perf_counter()
            found += len(similar_open_concerns(slug, lat, lon, text))
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        result[name] = {
            "calls": calls,
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * len(times)) - 1], 2),
            "max_ms": round(times[-1], 2),
            "suggestions_per_call": round(found / calls, 2),
        }
    return result


# ---------------------------------------------------------------- main


def server_memory(server):
    """VmRSS and VmHWM (peak) of each of the server's processes, in MiB: the gunicorn master
    and its workers (the processes of the session the server was started in)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            stat = (status.parent / "stat").read_text()
        except OSError:  # the process has gone
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[3]) != server.proc.pid:
            continue
        fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", text, re.MULTILINE))
        found.append(
            {
                "pid": int(status.parent.name),
                "master": int(status.parent.name) == server.proc.pid,
                "vm_rss_mib": round(int(fields["VmRSS"]) / 1024, 1),
                "vm_hwm_mib": round(int(fields["VmHWM"]) / 1024, 1),
            }
        )
    return sorted(found, key=lambda p: (not p["master"], p["pid"]))


def server_log_errors(server):
    text = server.log_path.read_text(errors="replace")
    return {
        "database_is_locked": text.count(LOCKED),
        "tracebacks": text.count("Traceback (most recent call last)"),
        "status_5xx": len(re.findall(r'" 5\d\d ', text)),
    }


def print_report(pages, costs, paths, extra):
    summary = pages["summary"]
    run.print_table(summary, costs, width=30)
    print_hits_and_misses(summary, extra["answers"])
    print("\npaths:")
    for label, path in paths.items():
        print(f"  {label:<30} {path}")
    print(f"\nduplicate suggestions (in-process): {json.dumps(extra['duplicates'])}")
    print(f"submissions: {json.dumps(extra['submissions'])}")
    print(f"server memory after the runs (MiB): {json.dumps(extra['memory'])}")


def print_hits_and_misses(summary, answers):
    """Each case's cache hit (one URL again and again) beside its misses (every URL new)."""
    print(
        f"\n{'case':<24} {'hit ×':>7} {'miss ×':>7} {'goal':>5} {'miss p50/p99 ms':>16} "
        f"{'CPU ms hit/miss':>16} {'items':>11} {'bytes (gzip)':>16}"
    )
    for label, held in answers.items():
        hit, miss = summary.get(f"{label} (hit)"), summary.get(f"{label} (miss)")
        if miss is None:
            continue
        latency = f"{miss.get('p50_ms', 0):.0f} / {miss.get('p99_ms', 0):.0f}"
        cpu = f"{hit['cpu_ms'] if hit else 0:.2f} / {miss['cpu_ms']:.2f}"
        items = f"{held['items_min']}-{held['items_max']}"
        size = f"{held['bytes_median']:.0f} ({held['gzip_bytes_median']:.0f})"
        print(
            f"{label:<24} {hit['ratio'] if hit else 0:>6.3f}× {miss['ratio']:>6.3f}× "
            f"{miss['goal']:>4.2f}× {latency:>16} {cpu:>16} {items:>11} {size:>16}"
        )
    print("items: fewest-most in the sampled answers; bytes: their median, plain (gzip).")


def failures(summary, answers, cases):
    """What --check refuses: a goal missed, an empty or failed answer, a latency over its goal."""
    found = [label for label, row in summary.items() if label != HELLO and not row["pass"]]
    for label, held in answers.items():
        if held["empty"] or held["not_200"]:
            found.append(f"{label}: {held['empty']} empty, {held['not_200']} not 200")
    for case in cases:
        row = summary.get(f"{case.label} (miss)")
        if row and case.p99_ms and (row.get("p99_ms") or 0) > case.p99_ms:
            found.append(f"{case.label}: p99 {row['p99_ms']} ms over {case.p99_ms:.0f}")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    parser.add_argument(
        "--concerns", type=int, default=1_000_000, help="concerns to generate; default 1,000,000"
    )
    parser.add_argument(
        "--dense", type=int, default=100_000, help="of them in the problem's area; default 100,000"
    )
    run.add_load_arguments(parser)
    parser.add_argument("--no-submit", action="store_true", help="skip the submissions")
    parser.add_argument(
        "--only",
        help="measure only the pages whose label holds one of these comma-separated words "
        "(e.g. 'miss' or 'open311,pins'); the in-process costs are kept for all",
    )
    args = parser.parse_args(argv)
    run.check_load_arguments(parser, args)
    if not 0 <= args.dense <= args.concerns:
        parser.error("--dense must be between 0 and --concerns")

    data.use_database(args.db)
    os.environ["OPENBEAT_BENCH_SUBMIT_LIMIT"] = "1000000"  # read by bench/urls.py
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    began = time.perf_counter()
    generated = None
    if args.no_generate:
        generate.migrate()
        if data.record_path(args.db).exists():  # the generation these data came from
            generated = json.loads(data.record_path(args.db).read_text())
            generated["reused"] = True
    else:
        print(f"Generating {args.concerns:,} concerns on {args.db} ...", flush=True)
        generate.reset_database()
        generate.migrate()
        generated = data.generate_concerns(args.concerns, args.dense)
        generated["seconds"] = round(time.perf_counter() - began, 1)  # with reset and migrate
        data.record_path(args.db).write_text(json.dumps(generated, indent=2) + "\n")
        print(f"  {generated}", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    from openbeat.concerns.models import Concern

    info = data_info()
    now = timezone.now()
    targets = read_targets(info, now)
    print("Distinct URLs ...", flush=True)
    cases = misses.cases(info, now)
    for case in cases:
        targets[f"{case.label} (hit)"] = (case.hit_path, case.hit_goal)
    paths = {label: path for label, (path, _goal) in targets.items()}
    print("In-process costs ...", flush=True)
    costs = page_costs(targets)
    explain_slowest(costs)
    print("Duplicate suggestions ...", flush=True)
    duplicates = duplicate_latency(info["beats"], info["dense_box"])
    counts = {
        "concerns": Concern.objects.count(),
        "dense_town_concerns": Concern.objects.filter(area_id=info["dense_area_id"]).count(),
    }
    env = run.environment(args.db)
    connections.close_all()

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    server = run.openbeat_serve(args.workers, args.threads, settings.DATA_DIR)
    submissions, answers, distinct = {}, {}, {}
    try:
        server.start()
        pages = [Target(path, label=label, goal=goal) for label, (path, goal) in targets.items()]
        for case in cases:
            target, distinct[case.label] = misses.miss_target(case, settings.DATA_DIR)
            pages.append(target)
            paths[target.label] = f"{len(case.paths):,} distinct, e.g. {case.paths[0]}"
            answers[case.label] = misses.answers(server, case)
        if args.only:
            words = args.only.split(",")
            pages = [p for p in pages if any(w in p.name for w in words)]
        if not args.no_submit:
            target, photo_bytes = submit_target(server, settings.DATA_DIR, info["beats"], prefix)
            pages.append(target)
            paths[SUBMIT_LABEL] = "/concerns/new/ (multipart, bench/mix.lua)"
            submissions["photo_bytes"] = photo_bytes
        print(
            f"Measuring openbeat serve ({args.workers} workers × {args.threads} threads), "
            f"{args.connections} connections, {env['load_generator']} ...",
            flush=True,
        )
        measured = run.measure_pages(
            server,
            args.seconds,
            args.rounds,
            args.connections,
            args.workers,
            pages=pages,
            hello_between="page",
        )
        memory = server_memory(server)
    finally:
        server.stop()
    for label, walker in distinct.items():
        answers[label]["paths_used"] = walker.used()  # at most one block of 100 past the last
        answers[label]["paths_available"] = len(walker.paths)

    submissions.update(server_log_errors(server))
    if not args.no_submit:
        submissions["stored"] = Concern.objects.filter(form_nonce__startswith=prefix).count()
        submissions["requests"] = sum(r["requests"] for r in measured["runs"][SUBMIT_LABEL])
    extra = {
        "duplicates": duplicates,
        "submissions": submissions,
        "answers": answers,
        "memory": memory,
    }
    print_report(measured, costs, paths, extra)
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "environment": env,
        "generated": generated,
        "data": counts,
        "server": {
            "command": "openbeat serve",
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "rounds": args.rounds,
            "submit_limit_raised": not args.no_submit,
        },
        "paths": paths,
        "pages": measured,
        "page_costs": costs,
        "duplicate_suggestions": duplicates,
        "submissions": submissions,
        "answers": answers,
        "server_memory": memory,
    }
    output = args.output or (
        BENCH / "results" / f"{datetime.date.today():%Y-%m-%d}-concerns-{args.db}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nWrote {output} ({time.perf_counter() - began:.0f}s in all)")
    failed = failures(measured["summary"], answers, cases)
    if failed:
        print("\nMissed: " + "; ".join(failed))
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
