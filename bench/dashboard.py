"""The public transparency page against a bare "hello" view, served from precomputed data.

    .venv/bin/python bench/dashboard.py [--db sqlite|postgres] [--concerns N] [--answers N]

Generates bench/generate.py's 100 agencies and 10,000 events, then gives one agency (Township
001) a busy year: `--concerns` concerns (default 50,000) over the last 365 days in its two beats,
seven in ten acknowledged after 1–48 hours, six in ten closed after 0.5–20 days, one closure in
thirty contested, one concern in ten raised at a meeting; and `--answers` survey answers (default
3,000) over twelve months. Rows are bulk-created (the write paths are one transaction each; too
slow for a generator), so the dashboards' snapshot is then computed once, in-process, by the real
code (`openbeat.insights.dashboards.refresh`), and that computation is timed: it is the work the
worker does in the background after writes.

It then starts the production server (`openbeat serve`) and measures with bench/run.py's
machinery: /agencies/township-001-pd/transparency/ between /bench/hello runs, each page run
divided by the mean req/s of the hello runs either side; goal 0.5×. In-process, with Django's
test client: the page's SQL queries and time with the page cache cleared before every request
(what the first reader after a change pays), and whether any query reads the concerns table.

Results are printed and written to bench/results/<date>-dashboard-<db>.json. Data live in their
own SQLite file / PostgreSQL database (`openbeat_bench_dashboard`), apart from run.py's.
"""

import argparse
import datetime
import json
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import generate, run  # noqa: E402
from bench.run import HELLO, Target  # noqa: E402

GOAL = 0.5
SLUG = "township-001-pd"
PAGE = f"/agencies/{SLUG}/transparency/"
DATA_DIR = Path("/tmp/openbeat-bench-dashboard")
DB_NAME = "openbeat_bench_dashboard"


def busy_year(concerns, answers, seed=7, batch=5000):
    """Township 001's year of concerns and survey answers, bulk-created. Returns counts."""
    from django.db import transaction
    from django.utils import timezone

    from openbeat.concerns.defaults import ensure_default_categories
    from openbeat.concerns.models import Concern, ConcernUpdate, Source, Status, UpdateKind
    from openbeat.core.models import Agency
    from openbeat.insights.models import SurveyKind, SurveyResponse, Via

    rng = random.Random(seed)
    now = timezone.now()
    agency = Agency.objects.get(slug=SLUG)
    ensure_default_categories(agency)
    categories = list(agency.categories.filter(is_sensitive=False))
    areas = list(agency.areas.all())
    counts = {"concerns": 0, "acknowledged": 0, "closed": 0, "contested": 0, "answers": 0}
    for start in range(0, concerns, batch):
        rows, plans = [], []
        for _n in range(min(batch, concerns - start)):
            created = now - datetime.timedelta(seconds=rng.uniform(0, 365 * 86400))
            ack = created + datetime.timedelta(hours=rng.uniform(1, 48))
            close = ack + datetime.timedelta(days=rng.uniform(0.5, 20))
            acknowledged = rng.random() < 0.7 and ack < now
            closed = acknowledged and rng.random() < 0.86 and close < now
            contested = closed and rng.random() < 1 / 30
            area = rng.choice(areas)
            rows.append(
                Concern(
                    agency=agency,
                    category=rng.choice(categories),
                    area=area,
                    description="Benchmark concern",
                    status=Status.RESOLVED
                    if closed
                    else Status.ACKNOWLEDGED
                    if acknowledged
                    else Status.SUBMITTED,
                    closed_at=close if closed else None,
                    source=Source.MEETING if rng.random() < 0.1 else Source.WEB,
                )
            )
            plans.append(
                (created, ack if acknowledged else None, close if closed else None, contested)
            )
        with transaction.atomic():
            made = Concern.objects.bulk_create(rows)
            updates = []
            for concern, (created, ack, close, contested) in zip(made, plans, strict=True):
                concern.created_at = created
                if ack:
                    updates.append(
                        _update(
                            concern, UpdateKind.STATUS, ack, Status.SUBMITTED, Status.ACKNOWLEDGED
                        )
                    )
                    counts["acknowledged"] += 1
                if close:
                    updates.append(
                        _update(
                            concern, UpdateKind.STATUS, close, Status.ACKNOWLEDGED, Status.RESOLVED
                        )
                    )
                    counts["closed"] += 1
                if contested:
                    later = close + datetime.timedelta(hours=6)
                    updates.append(
                        _update(
                            concern, UpdateKind.CONTEST, later, Status.RESOLVED, Status.ACKNOWLEDGED
                        )
                    )
                    counts["contested"] += 1
            Concern.objects.bulk_update(made, ["created_at"], batch_size=1000)
            made_updates = ConcernUpdate.objects.bulk_create(updates)
            for update in made_updates:
                update.created_at = update.planned_at
            ConcernUpdate.objects.bulk_update(made_updates, ["created_at"], batch_size=1000)
        counts["concerns"] += len(made)
    answer_rows = []
    for _n in range(answers):
        given = now - datetime.timedelta(days=rng.uniform(0, 360))
        items = {
            item: max(1, min(5, round(rng.gauss(3.5, 1.0))))
            for item in ("safety", "respect", "fairness", "voice", "comfort")
        }
        answer_rows.append(
            SurveyResponse(
                agency=agency,
                area=rng.choice(areas),
                kind=SurveyKind.MEETING,
                via=Via.WALK_IN,
                month=timezone.localtime(given, agency.tz).date().replace(day=1),
                comment="",
                **items,
            )
        )
    SurveyResponse.objects.bulk_create(answer_rows, batch_size=batch)
    counts["answers"] = len(answer_rows)
    return agency, counts


def _update(concern, kind, at, before, after):
    from openbeat.concerns.models import ConcernUpdate

    update = ConcernUpdate(
        concern=concern,
        agency_id=concern.agency_id,
        kind=kind,
        is_public=True,
        status_before=before,
        status_after=after,
    )
    update.planned_at = at  # auto_now_add overrides a value given to bulk_create: set after
    return update


def uncached_costs(path, repeats=7):
    """Queries and time of the page with the page cache cleared before each request."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # templates, URL resolvers, translations
    times, queries = [], []
    for _ in range(repeats):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            queries = [q["sql"] for q in captured.captured_queries]
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return {
        "queries": len(queries),
        "reads_concerns_table": any("concerns_concern" in sql for sql in queries),
        "uncached_ms": round(statistics.median(times) * 1000, 2),
        "bytes": len(response.content),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    parser.add_argument("--concerns", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=3_000)
    run.add_load_arguments(parser)
    args = parser.parse_args(argv)
    run.check_load_arguments(parser, args)

    generate.use_database(args.db, name=DB_NAME, data_dir=DATA_DIR)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from openbeat.core.models import Agency
    from openbeat.insights import dashboards

    began = time.perf_counter()
    generated = None
    if args.no_generate:
        generate.migrate()
    else:
        print(f"Generating on {args.db} ...", flush=True)
        generate.reset_database()
        generate.migrate()
        generated = generate.generate()
        _agency, year = busy_year(args.concerns, args.answers)
        generated.update(year)
        print(f"  {generated} in {time.perf_counter() - began:.0f}s", flush=True)
    agency = Agency.objects.get(slug=SLUG)
    refresh_times = []
    for _ in range(3):
        started = time.perf_counter()
        dashboards.refresh(agency.pk)
        refresh_times.append(time.perf_counter() - started)
    refresh_s = round(statistics.median(refresh_times), 2)
    print(f"Snapshot computed in {refresh_s}s (median of 3)", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)
    costs = {HELLO: run.page_costs([HELLO])[HELLO], PAGE: uncached_costs(PAGE)}
    env = run.environment(args.db)
    connections.close_all()

    server = run.openbeat_serve(args.workers, args.threads, settings.DATA_DIR)
    try:
        server.start()
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
            pages=[Target(PAGE, goal=GOAL)],
            hello_between="page",
        )
    finally:
        server.stop()

    summary = measured["summary"]
    print(f"\n{'page':<48}{'req/s':>10}{'ratio':>8}{'cpu ratio':>11}{'pass':>6}")
    for name in (HELLO, PAGE):
        row = summary[name]
        print(
            f"{name:<48}{row['rps']:>10.0f}{row['ratio']:>8.2f}{row['cpu_ratio']:>11.2f}"
            f"{'' if name == HELLO else ('yes' if row['pass'] else 'NO'):>6}"
        )
    print(f"\nIn-process, page cache cleared: {costs[PAGE]}")
    print(f"Snapshot refresh (background): {refresh_s}s for {generated or 'reused data'}")
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "environment": env,
        "generated": generated,
        "goal_ratio": GOAL,
        "server": {
            "command": "openbeat serve",
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "rounds": args.rounds,
        },
        "snapshot_refresh_seconds": refresh_s,
        "page_costs": costs,
        "pages": measured,
    }
    output = args.output or (
        BENCH / "results" / f"{datetime.date.today():%Y-%m-%d}-dashboard-{args.db}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nWrote {output} ({time.perf_counter() - began:.0f}s in all)")
    return 1 if args.check and not summary[PAGE]["pass"] else 0


if __name__ == "__main__":
    sys.exit(main())
