"""Benchmark data for concerns: 1,000,000 concerns over two years, one problem on a dense town.

    .venv/bin/python bench/generate_concerns.py [--db sqlite|postgres] [--concerns N] [--dense N]

The places are bench/generate.py's: 100 agencies on a grid over the US, each with a North and a
South beat (boxes 0.1° on a side, about 11 × 8.5 km) and the default categories
(`openbeat.concerns.defaults.ensure_default_categories`). Concerns are spread over the last 730
days, a day at a time (more in the afternoon and evening), with ids in time order:

- `--dense` of them (default 100,000) in "the dense town", agency 001's North beat, all in the
  three categories of the problem case below (noise, loitering, vandalism and graffiti);
- the rest evenly over all 200 beats, in the default categories (1 % complaints about an
  officer: sensitive, so private with an Open311 token); about 0.2 % hidden by moderators.

Older concerns are mostly closed (resolved, referred, not police, could not fix, duplicate of an
earlier one), recent ones mostly open. A closed concern has a public status update; one open
concern in three a public response; one in ten an internal note. One concern in twenty has
1–4 supporters (half with an email). One problem case: agency 001, area the dense beat, its
three categories, opened 150 days ago, response started 60 days ago, with 3 actions, 2 measures,
3 phase changes and 200 linked concerns.

The data live apart from bench/run.py's: SQLite under $TMPDIR/openbeat-bench-concerns, the
PostgreSQL database `openbeat_bench_concerns` (dropped and recreated on every generation).

Speed notes. The write path (`actions.submit_concern`: an area search, a transaction per concern)
is far too slow for a million rows, so rows are bulk-created in batches, with explicit ids and
with the created_at/updated_at of their time (auto_now(_add) is switched off while generating,
in this process only). bulk_create skips `Concern.save()`, so the columns it derives (the public
point and its map tile) are set here, and each batch's Open311 items are stored once its
updates are in (`openbeat.open311.items.refresh`, as the write path's signals would); tests/bench compares generated rows with `submit_concern`'s, field by field. The generator's own connection trades durability for speed (SQLite:
synchronous=OFF and a 256 MB page cache; PostgreSQL: synchronous_commit=off); the server under
test opens its own connections with the production settings. PostgreSQL's tables are vacuumed
and analysed after loading (as autovacuum would do on a running server; it is off on the bench
machine's server). SQLite gets the statistics `openbeat worker` refreshes hourly
(`openbeat.core.dbstats`; `migrate` ran before the rows existed).
"""

import argparse
import contextlib
import datetime
import json
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import generate  # noqa: E402

DATA_DIR = Path(tempfile.gettempdir()) / "openbeat-bench-concerns"
PG_NAME = "openbeat_bench_concerns"
DAYS = 730
PROBLEM_CATEGORIES = ["noise", "loitering", "vandalism-graffiti"]
# How often each default category is chosen outside the dense town (officer conduct: 1 %).
CATEGORY_WEIGHTS = {
    "speeding-traffic": 22,
    "parking": 15,
    "noise": 14,
    "drug-activity": 8,
    "vandalism-graffiti": 9,
    "suspicious-activity": 8,
    "abandoned-vehicle": 6,
    "loitering": 5,
    "street-lighting": 6,
    "officer-conduct": 1,
    "other": 6,
}
# Reports by hour of the day (local time is not modelled: UTC hours, busier 15:00-03:00).
HOUR_WEIGHTS = [4, 3, 2, 1, 1, 1, 2, 3, 4, 5, 5, 5, 6, 6, 6, 7, 8, 8, 8, 8, 7, 6, 6, 5]
STREETS = [
    "Main Street",
    "Glenwood Avenue",
    "Oak Street",
    "Maple Drive",
    "Church Street",
    "Mill Road",
    "Park Avenue",
    "School Lane",
    "River Road",
    "Walnut Street",
    "Cedar Court",
    "Railroad Avenue",
    "the library car park",
    "the corner shop",
    "the playground",
    "the bus stop on Elm Street",
]
TIMES = [
    "every night after 11",
    "most weekday mornings",
    "at the weekend",
    "around school pick-up time",
    "since last week",
    "for the past month",
    "late on Friday and Saturday nights",
    "every day around 5 pm",
]
WHAT = {
    "speeding-traffic": [
        "Cars race down {street} {time}",
        "Drivers run the stop sign at {street} {time}",
        "Trucks speed past {street} {time}, children cross here",
    ],
    "parking": [
        "Cars parked on the sidewalk at {street} {time}",
        "Vans block the fire hydrant on {street} {time}",
    ],
    "noise": [
        "Loud music from a house on {street} {time}",
        "Revving engines and shouting near {street} {time}",
        "Fireworks set off by {street} {time}",
    ],
    "drug-activity": [
        "People appear to be dealing near {street} {time}",
        "Needles left by {street}, activity {time}",
    ],
    "vandalism-graffiti": [
        "New graffiti on the walls at {street} {time}",
        "Broken windows and damaged benches at {street} {time}",
        "Mailboxes smashed along {street} {time}",
    ],
    "suspicious-activity": [
        "Someone checking car door handles on {street} {time}",
        "Unknown people going into the empty house at {street} {time}",
    ],
    "abandoned-vehicle": [
        "A car with flat tyres has not moved from {street} {time}",
        "Burnt-out car left at {street} {time}",
    ],
    "loitering": [
        "Group hanging around {street} {time}, blocking the entrance",
        "People gathering and drinking at {street} {time}",
    ],
    "street-lighting": [
        "Street lights out along {street} {time}",
        "The lamp at {street} flickers {time}",
    ],
    "officer-conduct": ["An officer was rude to me at {street} {time}"],
    "other": ["Something else worries us at {street} {time}"],
}
CLOSED_MIX = [
    ("resolved", 60),
    ("closed_referred", 10),
    ("closed_not_police", 10),
    ("closed_could_not_fix", 10),
    ("duplicate", 10),
]
OPEN_MIX = [("submitted", 40), ("acknowledged", 35), ("in_progress", 25)]
NOTES = {
    "resolved": "Officers patrolled the area and the problem has stopped. Thank you for telling us.",
    "closed_referred": "Passed to Public Works, who look after this.",
    "closed_not_police": "This is for the city, not the police; we have told them.",
    "closed_could_not_fix": "We looked into it but could not do more for now.",
    "duplicate": "Merged into an earlier report of the same problem.",
}


def record_path(db):
    """Where the last generation's summary is kept, beside the data it describes."""
    return DATA_DIR / f"generated-{db}.json"


def use_database(db):
    """This benchmark's own data dir and PostgreSQL database; call before django.setup()."""
    generate.use_database(db, name=PG_NAME, data_dir=DATA_DIR)


@contextlib.contextmanager
def explicit_times(*models):
    """Let bulk_create keep the created_at/updated_at it is given (auto_now off, this process)."""
    saved = []
    for model in models:
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                saved.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def fast_loading():
    """Faster, less durable writes for the generator's own connection only (not inside a
    caller's transaction, e.g. a test's, where neither database lets them change)."""
    from django.db import connection

    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
        else:
            cursor.execute("SET synchronous_commit = off")


def _weighted(rng, mix):
    values, weights = zip(*mix, strict=True)
    return rng.choices(values, weights)[0]


def _point(rng, box):
    south, west, north, east = box
    lat = south + (north - south) * (0.02 + 0.96 * rng.random())
    lon = west + (east - west) * (0.02 + 0.96 * rng.random())
    return Decimal(f"{lat:.6f}"), Decimal(f"{lon:.6f}")


def area_box(area):
    """(south, west, north, east) of an area's polygon."""
    ring = area.boundary["coordinates"][0]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lats), min(lons), max(lats), max(lons)


def generate_concerns(concerns=1_000_000, dense=100_000, agencies=100, seed=20251128, batch=5000):
    """Fill an empty, migrated database. Returns counts and the time of each step."""
    from django.db import connection, transaction
    from django.utils import timezone

    from openbeat.concerns.defaults import ensure_default_categories
    from openbeat.concerns.models import Category, Concern, ConcernUpdate, Supporter
    from openbeat.core import dbstats
    from openbeat.core.tokens import new_token
    from openbeat.open311 import items as open311_items

    if not 0 <= dense <= concerns:
        raise ValueError("--dense must be between 0 and --concerns")
    rng = random.Random(seed)
    now = timezone.now()
    timings = {}
    began, cpu = time.perf_counter(), time.process_time()
    fast_loading()
    with transaction.atomic():
        agency_rows, _venues, areas_by_agency = generate.create_places(agencies)
        for agency in agency_rows:
            ensure_default_categories(agency)
    categories = {(c.agency_id, c.slug): c for c in Category.objects.all()}
    beats = [(a, area_box(a)) for agency in agency_rows for a in areas_by_agency[agency.pk]]
    dense_area = areas_by_agency[agency_rows[0].pk][0]  # agency 001's North beat
    dense_box = area_box(dense_area)
    slugs, weights = zip(*CATEGORY_WEIGHTS.items(), strict=True)
    timings["places_s"] = round(time.perf_counter() - began, 1)

    counts = {"concerns": 0, "updates": 0, "supporters": 0, "dense": 0, "private": 0}
    pending = {"concerns": [], "updates": [], "supporters": []}
    last_id = {}  # agency id -> an earlier concern, the original of a duplicate
    next_id = 0
    start_day = (now - datetime.timedelta(days=DAYS)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )

    def flush():
        with transaction.atomic():
            Concern.objects.bulk_create(pending["concerns"], batch_size=batch)
            ConcernUpdate.objects.bulk_create(pending["updates"], batch_size=batch)
            Supporter.objects.bulk_create(pending["supporters"], batch_size=batch)
            # Their Open311 items, as the write path stores them (its signals do not run here).
            open311_items.refresh([c.pk for c in pending["concerns"]])
        for key in pending:
            counts[key] += len(pending[key])
            pending[key].clear()

    began = time.perf_counter()
    with explicit_times(Concern, ConcernUpdate, Supporter):
        for day in range(DAYS + 1):
            # Exactly `concerns` rows (and `dense` in the dense town) over the days.
            n_day = concerns * (day + 1) // (DAYS + 1) - concerns * day // (DAYS + 1)
            n_dense = dense * (day + 1) // (DAYS + 1) - dense * day // (DAYS + 1)
            midnight = start_day + datetime.timedelta(days=day)
            hours = rng.choices(range(24), HOUR_WEIGHTS, k=n_day)
            seconds = sorted(hour * 3600 + rng.randrange(3600) for hour in hours)
            dense_rows = set(rng.sample(range(n_day), n_dense))
            for index, second in enumerate(seconds):
                created = midnight + datetime.timedelta(seconds=second)
                if created > now:
                    created = now - datetime.timedelta(seconds=rng.randrange(1, 3600))
                next_id += 1
                if index in dense_rows:
                    area, box = dense_area, dense_box
                    slug = rng.choice(PROBLEM_CATEGORIES)
                    counts["dense"] += 1
                else:
                    area, box = rng.choice(beats)
                    slug = rng.choices(slugs, weights)[0]
                concern = _concern(
                    rng, next_id, area, box, categories[(area.agency_id, slug)], created, now
                )
                if concern.status == "duplicate" and concern.agency_id in last_id:
                    concern.duplicate_of_id = last_id[concern.agency_id]
                elif concern.status == "duplicate":
                    concern.status = "resolved"
                last_id[concern.agency_id] = next_id
                counts["private"] += concern.is_private
                pending["concerns"].append(concern)
                _history(rng, concern, pending["updates"], now)
                if not concern.is_private and rng.random() < 0.05:
                    for n in range(rng.randint(1, 4)):
                        pending["supporters"].append(
                            Supporter(
                                concern_id=concern.pk,
                                agency_id=concern.agency_id,
                                email=f"neighbour{n}.{concern.pk}@example.org"
                                if rng.random() < 0.5
                                else "",
                                token=new_token(),
                                created_at=created + datetime.timedelta(hours=rng.randint(1, 72)),
                            )
                        )
            if len(pending["concerns"]) >= 4 * batch:
                flush()
        flush()
    timings["concerns_s"] = round(time.perf_counter() - began, 1)

    began = time.perf_counter()
    problem = _problem(agency_rows[0], dense_area, categories, now)
    if connection.vendor == "postgresql":
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(
                no_style(), [Concern, ConcernUpdate, Supporter]
            ):
                cursor.execute(statement)
            # Autovacuum is off on the shared bench server: vacuum too, so the visibility map is
            # set (index-only scans) as on a database that has been running for a while. VACUUM
            # needs autocommit; inside a caller's transaction (the tests) ANALYZE must do.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    else:
        dbstats.refresh()
    timings["problem_and_vacuum_s"] = round(time.perf_counter() - began, 1)
    # This process's CPU time: on a shared machine the wall clock also counts others' work.
    # (PostgreSQL's own work is in its server processes, not in this figure.)
    timings["generator_cpu_s"] = round(time.process_time() - cpu, 1)
    return {
        "agencies": len(agency_rows),
        "areas": sum(len(a) for a in areas_by_agency.values()),
        "categories": len(categories),
        "concerns": counts["concerns"],
        "dense_town_concerns": counts["dense"],
        "private_concerns": counts["private"],
        "open_concerns": Concern.objects.filter(status__in=[s for s, _ in OPEN_MIX]).count(),
        "updates": counts["updates"],
        "supporters": counts["supporters"],
        "problem_id": problem.pk,
        "dense_area_id": dense_area.pk,
        "timings": timings,
    }


def _concern(rng, pk, area, box, category, created, now):
    from openbeat.concerns.models import Concern, public_place
    from openbeat.core.tokens import new_token

    age = (now - created).days
    closed_share = 0.92 if age > 60 else 0.6 if age > 14 else 0.25
    closed = rng.random() < closed_share
    status = _weighted(rng, CLOSED_MIX if closed else OPEN_MIX)
    closed_at = None
    if closed:
        closed_at = min(created + datetime.timedelta(hours=rng.randint(2, 30 * 24)), now)
    lat, lon = _point(rng, box)
    street = rng.choice(STREETS)
    description = rng.choice(WHAT[category.slug]).format(street=street, time=rng.choice(TIMES))
    with_email = rng.random() < 0.4
    public_lat, public_lon, tile = public_place(lat, lon, category.about_people)
    return Concern(
        pk=pk,
        agency_id=area.agency_id,
        category=category,
        area_id=area.pk,
        description=description + ".",
        latitude=lat,
        longitude=lon,
        # Concern.save() sets them; bulk_create does not call save(). Without them the map's
        # pins (one index range per tile) find nothing: tests/bench checks every stored field.
        public_latitude=public_lat,
        public_longitude=public_lon,
        tile=tile,
        location_text=street if rng.random() < 0.3 else "",
        status=status,
        referred_to=category.referred_to or ("Public Works" if status == "closed_referred" else ""),
        is_private=category.is_sensitive,
        is_hidden=rng.random() < 0.002,
        reporter_name="A. Resident" if with_email and rng.random() < 0.5 else "",
        reporter_email=f"reporter.{pk}@example.org" if with_email else "",
        source=_weighted(rng, [("web", 85), ("open311", 10), ("meeting", 5)]),
        language="es" if rng.random() < 0.1 else "en",
        tracking_token=new_token(),
        open311_token=new_token() if category.is_sensitive else None,
        created_at=created,
        updated_at=closed_at or created,
        closed_at=closed_at,
    )


def _history(rng, concern, updates, now):
    from openbeat.concerns.models import ConcernUpdate

    def add(kind, public, body, at, before="", after=""):
        updates.append(
            ConcernUpdate(
                concern_id=concern.pk,
                agency_id=concern.agency_id,
                kind=kind,
                is_public=public,
                body=body,
                status_before=before,
                status_after=after,
                created_at=at,
            )
        )

    if concern.closed_at is not None:
        status = concern.status
        add("status", True, NOTES[status], concern.closed_at, "acknowledged", status)
    elif concern.status != "submitted" and rng.random() < 0.33:
        at = min(concern.created_at + datetime.timedelta(hours=rng.randint(1, 96)), now)
        add("response", True, "Thank you. An officer will look at this on the next patrol.", at)
    if rng.random() < 0.1:
        add("note", False, "Checked the call log: two earlier calls here.", concern.created_at)


def _problem(agency, area, categories, now):
    from django.db import transaction

    from openbeat.concerns.models import Concern
    from openbeat.problems.models import (
        Measure,
        Phase,
        PhaseChange,
        Problem,
        ProblemAction,
    )

    day = datetime.timedelta(days=1)
    with transaction.atomic(), explicit_times(Problem, PhaseChange):
        problem = Problem.objects.create(
            agency=agency,
            title="Late-night noise, loitering and graffiti around Main Street",
            summary="Residents of the North beat report noise, groups gathering and graffiti, "
            "mostly late at night. Police, the town and residents are working on it together.",
            area=area,
            phase=Phase.RESPONSE,
            place="Main Street between the library and the playground, and its side streets.",
            place_managers="The shop owners on Main Street; the library; the parks department.",
            targets="Residents of Main Street; the shops whose walls are painted.",
            guardians="Neighbours, the library staff, the evening patrol.",
            offenders="Groups of young adults late at night, mostly at weekends.",
            handlers="Families, the youth club.",
            why_here_now="The playground lights were removed last spring.",
            opened_at=now - 150 * day,
            response_started_at=now - 60 * day,
        )
        problem.categories.set([categories[(agency.pk, s)] for s in PROBLEM_CATEGORIES])
        for title, kind, owner, status in [
            ("Evening foot patrol on Main Street", "police", "North beat officers", "under_way"),
            ("Relight the playground", "partner", "Parks department", "done"),
            ("Paint-out day for the graffiti", "community", "Main Street residents", "planned"),
        ]:
            ProblemAction.objects.create(
                problem=problem,
                agency=agency,
                title=title,
                owner_kind=kind,
                owner_name=owner,
                status=status,
                wants_volunteers=kind == "community",
                due_date=(now + 30 * day).date(),
            )
        for label, value, unit in [("Lights repaired", 6, "lights"), ("Patrol hours", 120, "h")]:
            Measure.objects.create(
                problem=problem, agency=agency, label=label, value=value, unit=unit
            )
        for days_ago, before, after in [
            (150, "", "scanning"),
            (120, "scanning", "analysis"),
            (60, "analysis", "response"),
        ]:
            PhaseChange.objects.create(
                problem=problem,
                agency=agency,
                from_phase=before,
                to_phase=after,
                note="",
                at=now - days_ago * day,
            )
        linked = Concern.objects.filter(
            area=area, category__slug__in=PROBLEM_CATEGORIES, created_at__gte=now - 150 * day
        ).order_by("-created_at")[:200]
        problem.concerns.set(list(linked.values_list("pk", flat=True)))
    return problem


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    parser.add_argument("--concerns", type=int, default=1_000_000)
    parser.add_argument("--dense", type=int, default=100_000)
    args = parser.parse_args(argv)
    use_database(args.db)
    import django

    django.setup()
    began = time.perf_counter()
    generate.reset_database()
    generate.migrate()
    summary = generate_concerns(args.concerns, args.dense)
    summary["seconds"] = round(time.perf_counter() - began, 1)
    record_path(args.db).write_text(json.dumps(summary, indent=2) + "\n")
    print(f"generated in {summary['seconds']}s: {summary}")


if __name__ == "__main__":
    main()
