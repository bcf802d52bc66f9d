"""Real traffic at scale: every request a distinct URL, so every answer is a page-cache miss.

A city's 311 aggregator pages through each jurisdiction, a map user pans, a records clerk
filters and pages back: none of them asks a URL again within the cache's five minutes. For each
case below, `cases()` makes tens of thousands of distinct paths (bench/distinct.lua walks them
under wrk, never twice in a benchmark), keeps a few apart to check what the answers hold (items
and bytes; an empty answer fails `--check`), and names the first of those the case's cache-hit
URL, asked again and again as before. On bench/generate_concerns.py's data:

- open311 pages: requests.json with page_size=100, pages 1..8 of a 90-day window (~1,100
  requests per ordinary jurisdiction), every jurisdiction in turn, the window's end an hour
  earlier on every pass;
- open311 30 days: start_date/end_date 30 days apart from a random minute of the last two
  years, a random jurisdiction, the default page (the spec's first 1,000; ~370 requests);
- open311 30 days open: the same with status=open;
- open311 by id: requests/<id>.json of a random public concern, with its jurisdiction;
- list: /concerns/ filtered by a category, an area or both (a third of them also by status),
  from before=<a random public concern>: a clerk paging back;
- pins: pins.json over a town-sized box (0.04-0.07° a side: ~700-2,200 concerns) at a random
  place in a random beat: a map user panning.
"""

import dataclasses
import datetime
import gzip
import json
import random
import re
import statistics
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
SCRIPT = BENCH / "distinct.lua"
OPEN311_PAGES = 8  # full pages of 100 in every jurisdiction's 90-day window


@dataclasses.dataclass
class Case:
    """One kind of request: distinct `paths` for the miss runs, `samples` kept apart."""

    label: str
    kind: str  # how to count an answer's items: "open311", "pins" or "list"
    hit_goal: float
    miss_goal: float
    paths: list
    samples: list
    p99_ms: float | None = None  # a latency goal for the miss runs, at 4 connections

    @property
    def hit_path(self):
        return self.samples[0]


def _stamp(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _distinct(make, count, rng):
    """`count` different results of `make(rng, n)` (n counts the attempts)."""
    seen, found = set(), []
    for n in range(count * 20):
        path = make(rng, n)
        if path not in seen:
            seen.add(path)
            found.append(path)
            if len(found) == count:
                return found
    raise RuntimeError(f"only {len(found)} distinct paths of {count}")


def public_ids(count, rng):
    """(id, jurisdiction) of `count` random public concerns."""
    from django.db.models import Max

    from openbeat.concerns.models import Concern

    top = Concern.objects.aggregate(top=Max("pk"))["top"] or 0
    picks = rng.sample(range(1, top + 1), min(top, count * 11 // 10 + 100))
    found = []
    for start in range(0, len(picks), 900):  # SQLite's limit of variables in one statement
        found += (
            Concern.objects.public()
            .filter(pk__in=picks[start : start + 900])
            .values_list("pk", "agency__slug")
        )
    rng.shuffle(found)
    return found[:count]  # fewer on a small database


def cases(info, now, count=50_000, samples=20, seed=15):
    """The six cases, each with `count` distinct paths and `samples` more."""
    from openbeat.concerns.models import Category

    rng = random.Random(seed)
    total = count + samples
    slugs = [a for a, _box in info["beats"][::2]]  # every agency once (north, south)
    beats = info["beats_by_id"]  # area id -> (agency slug, box)
    categories = sorted(
        set(Category.objects.filter(is_sensitive=False).values_list("slug", flat=True))
    )
    ids = public_ids(total, rng)
    base = "/open311/v2/requests"
    day = datetime.timedelta(days=1)

    def open311_page(_rng, n):
        slug = slugs[n % len(slugs)]
        page = 1 + (n // len(slugs)) % OPEN311_PAGES
        end = now - datetime.timedelta(hours=n // (len(slugs) * OPEN311_PAGES))
        query = {"jurisdiction_id": slug, "page_size": 100, "page": page, "end_date": _stamp(end)}
        return f"{base}.json?{urlencode(query)}"

    def window(status):
        def make(rng, _n):
            start = now - 30 * day - datetime.timedelta(minutes=rng.randrange(670 * 24 * 60))
            query = {
                "jurisdiction_id": rng.choice(slugs),
                "start_date": _stamp(start),
                "end_date": _stamp(start + 30 * day),
            }
            if status:
                query["status"] = status
            return f"{base}.json?{urlencode(query)}"

        return make

    def by_id(_rng, n):
        pk, slug = ids[n % len(ids)]
        return f"{base}/{pk}.json?jurisdiction_id={slug}"

    def listing(rng, n):
        query = {}
        shape = n % 3
        if shape in (0, 2):
            query["category"] = rng.choice(categories)
        if shape in (1, 2):
            query["area"] = rng.choice(list(beats))
        if rng.random() < 1 / 3:
            query["status"] = rng.choice(["open", "closed"])
        query["before"] = ids[rng.randrange(len(ids))][0]
        return f"/concerns/?{urlencode(query)}"

    def pins(rng, _n):
        _slug, (south, west, north, east) = beats[rng.choice(list(beats))]
        size = rng.uniform(0.04, 0.07)
        lat = rng.uniform(south, north - size)
        lon = rng.uniform(west, east - size)
        box = f"{lon:.4f},{lat:.4f},{lon + size:.4f},{lat + size:.4f}"
        return f"/concerns/pins.json?bbox={box}"

    made = {
        "open311 pages of 100": ("open311", 0.5, 0.15, open311_page, None),
        "open311 30 days": ("open311", 0.5, 0.15, window(""), None),
        "open311 30 days, open": ("open311", 0.5, 0.15, window("open"), None),
        "open311 by id": ("open311", 0.5, 0.5, by_id, None),
        "list, filter + cursor": ("list", 0.5, 0.1, listing, 100.0),
        "pins, town box": ("pins", 0.5, 0.2, pins, None),
    }
    found = []
    for label, (kind, hit_goal, miss_goal, make, p99) in made.items():
        paths = _distinct(make, min(total, len(ids)) if make is by_id else total, rng)
        if label != "open311 pages of 100":  # in order: every jurisdiction, then the next page
            rng.shuffle(paths)
        found.append(Case(label, kind, hit_goal, miss_goal, paths[samples:], paths[:samples], p99))
    return found


# ---------------------------------------------------------------- the load generator's side


class Distinct:
    """A case's paths and the position shared with bench/distinct.lua (its state file)."""

    def __init__(self, case, work_dir):
        slug = re.sub(r"[^a-z0-9]+", "-", case.label.lower()).strip("-")
        self.paths_file = Path(work_dir) / f"distinct-{slug}.txt"
        self.state_file = Path(work_dir) / f"distinct-{slug}.position"
        self.paths_file.write_text("\n".join(case.paths) + "\n")
        self.state_file.write_text("0")
        self.paths = case.paths

    def used(self):
        return int(self.state_file.read_text() or 0)

    def next_path(self):
        position = self.used()
        self.state_file.write_text(str(position + 1))
        return self.paths[position % len(self.paths)]

    def __call__(self):
        """A request for the Python load generator (without wrk)."""
        return "GET", self.next_path(), {}, None

    def probe(self, server):
        started = time.perf_counter()
        with urllib.request.urlopen(server.url(self.next_path()), timeout=120) as response:
            response.read()
        return time.perf_counter() - started


def miss_target(case, work_dir):
    from bench.run import Target

    distinct = Distinct(case, work_dir)
    target = Target(
        case.paths[0],
        label=f"{case.label} (miss)",
        goal=case.miss_goal,
        script=SCRIPT,
        script_args=(distinct.paths_file, distinct.state_file),
        make_request=distinct,
        probe=distinct.probe,
    )
    return target, distinct


def hit_target(case):
    from bench.run import Target

    return Target(case.hit_path, label=f"{case.label} (hit)", goal=case.hit_goal)


# ---------------------------------------------------------------- what the answers hold


def count_items(kind, body):
    if kind == "open311":
        return len(json.loads(body))
    if kind == "pins":
        return len(json.loads(body)["pins"])
    return body.count(b'<li class="card">')


def answers(server, case):
    """Ask the case's samples (gzip accepted, as the load generator does): items and bytes."""
    statuses, items, wire, plain = [], [], [], []
    for path in case.samples[1:]:  # the first is the hit URL: leave it uncached until then
        request = urllib.request.Request(server.url(path), headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=120) as response:
            raw = response.read()
            statuses.append(response.status)
            packed = response.headers.get("Content-Encoding") == "gzip"
        body = gzip.decompress(raw) if packed else raw
        wire.append(len(raw))
        plain.append(len(body))
        items.append(count_items(case.kind, body))
    return {
        "answers": len(items),
        "not_200": sum(s != 200 for s in statuses),
        "empty": sum(n == 0 for n in items),
        "items_min": min(items),
        "items_median": statistics.median(items),
        "items_max": max(items),
        "bytes_median": statistics.median(plain),
        "gzip_bytes_median": statistics.median(wire),
    }
