"""Benchmark data: 100 agencies and 10,000 events (about 33,000 dated meetings).

    .venv/bin/python bench/generate.py [--db sqlite|postgres] [--agencies N] [--events N]

Resets the benchmark database (deletes the SQLite file under the bench data dir, or drops and
recreates the PostgreSQL database `openbeat_bench`), migrates and fills it, so running it twice
gives the same shape of data. It never touches ./var: see bench/settings.py.

Speed note: the real write path, `openbeat.events.actions.save_event`, saves one event at a
time (an area lookup, an audit entry and a transaction each); for 10,000 events that is far too
slow for a generator. Here Event rows are bulk-created, then their Occurrence rows are computed
with the same expansion the write path uses (`openbeat.events.recurrence.utc_starts`, in the
agency's local time) and bulk-created too. No audit entries are written: nothing public reads
them. Areas are set from the venue's own area directly instead of the polygon search.
"""

import argparse
import datetime
import os
import random
import sys
import time
import zoneinfo
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URLS = {
    "sqlite": "",  # the default: a SQLite file in OPENBEAT_DATA_DIR
    "postgres": "postgres://postgres@127.0.0.1:5432/openbeat_bench",
}

# Where US police departments are: most in the East and Central zones.
TIMEZONES = (
    ["America/New_York"] * 5
    + ["America/Chicago"] * 3
    + ["America/Denver", "America/Phoenix"]
    + ["America/Los_Angeles"] * 2
    + ["America/Anchorage", "Pacific/Honolulu"]
)
PROGRAMMES = [
    ("Coffee with a Cop", "coffee-with-a-cop"),
    ("Community Awareness Meeting", "community-awareness-meeting"),
    ("Neighbourhood Watch", "neighbourhood-watch"),
]
VENUE_KINDS = ["Town Hall", "Public Library", "Family Restaurant", "Community Center"]
DESCRIPTION = (
    "Meet the officers who patrol your neighbourhood, ask questions and raise the concerns "
    "that matter to you. No agenda and no speeches: just conversation. Everyone is welcome; "
    "the venue is step-free and interpreters are available on request. "
)


def use_database(db, name=None, data_dir=None):
    """Point the settings at the chosen database; call before django.setup().

    `name` replaces the PostgreSQL database's name and `data_dir` the bench data dir (where the
    SQLite file, uploads, static files and server logs live), so that two benchmarks can keep
    their data side by side (bench/concerns.py uses its own).
    """
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if data_dir is not None:
        os.environ["OPENBEAT_DATA_DIR"] = str(data_dir)
    url = DATABASE_URLS[db]
    if url and name:
        url = url.rsplit("/", 1)[0] + "/" + name
    if url:
        os.environ["OPENBEAT_DATABASE_URL"] = url
    else:
        os.environ.pop("OPENBEAT_DATABASE_URL", None)


def reset_database():
    """Start from an empty database: the SQLite file is removed, PostgreSQL's is recreated."""
    from django.db import connections

    connections.close_all()
    config = connections.databases["default"]
    if config["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(config["NAME"])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    params = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "dbname": "postgres",
    }
    if config.get("PASSWORD"):
        params["password"] = config["PASSWORD"]
    name = sql.Identifier(config["NAME"])
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def migrate():
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _box(lat, lon, half):
    south, north, west, east = lat - half, lat + half, lon - half, lon + half
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def _rule(roll, local_start):
    """A short series for a roll in [0.75, 1): monthly for a year, weekly, or fortnightly."""
    if roll < 0.90:  # monthly on the same weekday of the month, for a year
        nth = min((local_start.day - 1) // 7 + 1, 4)
        day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][local_start.weekday()]
        return f"FREQ=MONTHLY;BYDAY=+{nth}{day};COUNT=12"
    if roll < 0.96:
        return "FREQ=WEEKLY;COUNT=8"
    return "FREQ=WEEKLY;INTERVAL=2;COUNT=6"


def _local_start(rng, today, tz, rule_kind):
    """Singles spread from 4 months ago to 8 months ahead; series start earlier."""
    earliest, latest = (-120, 240) if rule_kind == "single" else (-300, 90)
    day = today + datetime.timedelta(days=rng.randint(earliest, latest))
    if rule_kind != "single":
        # Series keep their weekday ordinal meaningful only up to the 4th week.
        day = day.replace(day=min(day.day, 28))
    hour, minute = rng.choice([(8, 0), (9, 30), (12, 0), (17, 30), (18, 0), (18, 30), (19, 0)])
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)


def centre(index):
    """The (lat, lon) of the index-th agency: a 10 × 10 grid over the continental US."""
    return 30 + (index % 10) * 1.6, -120 + (index // 10) * 4.4


def create_places(agencies):
    """`agencies` agencies in 7 time zones, each with a North and a South beat (boxes 0.1° on a
    side, one above the other around the agency's centre) and 4 venues.

    Returns (agencies by slug, venues by agency id, [north, south] areas by agency id).
    """
    from openbeat.core.models import Agency, Area, Venue

    agency_rows = []
    for i in range(agencies):
        agency_rows.append(
            Agency(
                name=f"Township {i + 1:03d} Police Department",
                slug=f"township-{i + 1:03d}-pd",
                timezone=TIMEZONES[i % len(TIMEZONES)],
                address=f"Township {i + 1:03d}",
                about="A community-minded police department.",
                phone="555-0100",
            )
        )
    Agency.objects.bulk_create(agency_rows)
    agency_rows = list(Agency.objects.order_by("slug"))
    areas, venues = [], []
    for i, agency in enumerate(agency_rows):
        lat, lon = centre(i)
        for j, name in enumerate(["North", "South"]):
            areas.append(
                Area(
                    agency=agency,
                    name=f"{name} beat",
                    slug=name.lower(),
                    kind="beat",
                    boundary=_box(lat + (0.05 if j == 0 else -0.05), lon, 0.05),
                )
            )
        for j, kind in enumerate(VENUE_KINDS):
            venues.append(
                Venue(
                    agency=agency,
                    name=f"{agency.address} {kind}",
                    address=f"{10 + j} Main Street, {agency.address}",
                    latitude=f"{lat + (0.03 if j % 2 == 0 else -0.03):.6f}",
                    longitude=f"{lon + 0.01 * j:.6f}",
                    accessibility="Step-free entrance; hearing loop.",
                )
            )
    Area.objects.bulk_create(areas)
    Venue.objects.bulk_create(venues)
    areas_by_agency = _group(Area.objects.order_by("slug"), "agency_id")  # north, south
    venues_by_agency = _group(Venue.objects.order_by("id"), "agency_id")
    return agency_rows, venues_by_agency, areas_by_agency


def generate(agencies=100, events=10_000, seed=20250707, batch=2000):
    """Fill an empty, migrated database. Returns counts."""
    from django.db import transaction
    from django.utils import timezone

    from openbeat.core.models import Agency
    from openbeat.events import recurrence
    from openbeat.events.models import Event, Occurrence, OccurrenceStatus, Programme

    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        agency_rows, venues_by_agency, areas_by_agency = create_places(agencies)
        programmes = []
        for agency in agency_rows:
            for name, slug in PROGRAMMES:
                programmes.append(
                    Programme(
                        agency=agency, name=name, slug=slug, description=f"{name}: {DESCRIPTION}"
                    )
                )
        Programme.objects.bulk_create(programmes)
        programmes_by_agency = _group(Programme.objects.order_by("id"), "agency_id")

        event_rows, co_host_pairs = [], []
        per_agency = events // agencies
        for index in range(events):
            agency = agency_rows[min(index // per_agency, agencies - 1)]
            tz = zoneinfo.ZoneInfo(agency.timezone)
            today = timezone.localdate(now, tz)
            roll = rng.random()  # about three events in four are single meetings
            kind = "single" if roll < 0.75 else "series"
            start = _local_start(rng, today, tz, kind)
            rule = "" if kind == "single" else _rule(roll, start)
            venue_index = rng.randrange(4)
            programme = rng.choice(programmes_by_agency[agency.pk])
            event_rows.append(
                Event(
                    agency=agency,
                    programme=programme,
                    title=f"{programme.name} #{index + 1}",
                    slug=f"{agency.slug}-{programme.slug}-{index + 1}",
                    description=DESCRIPTION,
                    venue=venues_by_agency[agency.pk][venue_index],
                    area=areas_by_agency[agency.pk][venue_index % 2],
                    start=start.astimezone(datetime.UTC),
                    duration_minutes=rng.choice([60, 90, 120]),
                    rrule=rule,
                    capacity=rng.choice([None, None, 30, 60]),
                )
            )
            if rng.random() < 0.10:  # a neighbouring department co-hosts
                co_host_pairs.append((index, agency_rows[(index // per_agency + 1) % agencies]))
        event_rows = Event.objects.bulk_create(event_rows, batch_size=batch)
        if event_rows[0].pk is None:  # a backend without RETURNING: read the keys back
            ids = dict(Event.objects.values_list("slug", "pk"))
            for row in event_rows:
                row.pk = ids[row.slug]
        Through = Event.co_hosts.through
        Through.objects.bulk_create(
            [Through(event_id=event_rows[i].pk, agency_id=a.pk) for i, a in co_host_pairs],
            batch_size=batch,
        )

        occurrences = []
        for event in event_rows:
            tz = zoneinfo.ZoneInfo(event.agency.timezone)
            length = datetime.timedelta(minutes=event.duration_minutes)
            for start in recurrence.utc_starts(event.start, event.rrule, tz, now=now):
                occurrence = Occurrence(
                    event_id=event.pk,
                    agency_id=event.agency_id,
                    original_start=start,
                    start=start,
                    end=start + length,
                )
                if start > now:
                    roll = rng.random()
                    if roll < 0.02:
                        occurrence.status = OccurrenceStatus.CANCELLED
                        occurrence.note = "Cancelled: the venue is closed for repairs."
                        occurrence.sequence = 1
                    elif roll < 0.03:
                        occurrence.start = start + datetime.timedelta(hours=1)
                        occurrence.end = occurrence.start + length
                        occurrence.venue = venues_by_agency[event.agency_id][0]
                        occurrence.note = "Moved an hour later, to the first venue."
                        occurrence.sequence = 1
                occurrences.append(occurrence)
        Occurrence.objects.bulk_create(occurrences, batch_size=batch)

    return {
        "agencies": Agency.objects.count(),
        "events": Event.objects.count(),
        "recurring_events": Event.objects.exclude(rrule="").count(),
        "occurrences": Occurrence.objects.count(),
        "upcoming_occurrences": Occurrence.objects.filter(end__gt=now).count(),
        "co_hosted_events": Event.objects.filter(co_hosts__isnull=False).distinct().count(),
    }


def _group(queryset, key):
    groups = {}
    for row in queryset:
        groups.setdefault(getattr(row, key), []).append(row)
    return groups


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(DATABASE_URLS), default="sqlite")
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args(argv)
    use_database(args.db)
    import django

    django.setup()
    began = time.perf_counter()
    reset_database()
    migrate()
    summary = generate(args.agencies, args.events)
    print(f"generated in {time.perf_counter() - began:.1f}s: {summary}")


if __name__ == "__main__":
    main()
