"""The floor under one concern submission: what any request that stores a photo report must
spend, however fast the rest of OpenBeat becomes.

    .venv/bin/python bench/write_floor.py [--rounds N]

Measures, in this process, the two steps a submission cannot skip: re-encoding the photo
(`openbeat.core.images.reencode`, the same 400 × 300 JPEG `bench/concerns.py` posts, and a
phone camera's 12-megapixel one: EXIF and GPS must go before anything is stored) and one
durable commit of a small row (SQLite in WAL mode
with synchronous=FULL, OpenBeat's settings; PostgreSQL with synchronous_commit on). Medians of
`--rounds` (default 50), wall clock and CPU. Compare with `/bench/hello`'s CPU ms per request
in the same machine's results (about 0.6–0.7 ms): 0.3× hello allows about 2 ms a request.
"""

import argparse
import io
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))


def _timed(step, rounds):
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        step()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "wall_ms": round(statistics.median(walls) * 1000, 2),
        "cpu_ms": round(statistics.median(cpus) * 1000, 2),
    }


def reencode_cost(rounds):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from bench.concerns import make_photo
    from openbeat.core.images import reencode

    with tempfile.TemporaryDirectory() as folder:
        data = make_photo(Path(folder) / "photo.jpg").read_bytes()
    return _timed(lambda: reencode(SimpleUploadedFile("p.jpg", data, "image/jpeg")), rounds)


def phone_photo_cost(rounds):
    """A phone camera's 12-megapixel JPEG (4032 × 3024), scaled down and re-encoded."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from openbeat.core.images import reencode

    out = io.BytesIO()
    Image.effect_noise((4032, 3024), 40).convert("RGB").save(out, "JPEG", quality=85)
    data = out.getvalue()
    return _timed(lambda: reencode(SimpleUploadedFile("p.jpg", data, "image/jpeg")), rounds)


def sqlite_commit_cost(rounds):
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "floor.sqlite3", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")

        def commit():
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO t (body) VALUES (?)", ("x" * 200,))
            db.execute("COMMIT")

        try:
            return _timed(commit, rounds)
        finally:
            db.close()


def postgres_commit_cost(rounds):
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        db.execute("CREATE TEMPORARY TABLE t (id serial PRIMARY KEY, body text)")
        db.execute("SET synchronous_commit = on")

        def commit():
            with db.transaction():
                db.execute("INSERT INTO t (body) VALUES (%s)", ("x" * 200,))

        return _timed(commit, rounds)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    result = {
        "photo_reencode": reencode_cost(args.rounds),
        "phone_photo_reencode": phone_photo_cost(max(args.rounds // 10, 3)),
        "sqlite_durable_commit": sqlite_commit_cost(args.rounds),
        "postgres_commit": postgres_commit_cost(args.rounds),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
