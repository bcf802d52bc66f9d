"""Hotspots and open data at 1,000,000 concerns: our Gi* against esda's, and the CSV export.

    .venv/bin/python bench/hotspots.py [--db sqlite|postgres] [--rounds N] [--no-generate]

Needs the `bench` extra (esda, libpysal): `.venv/bin/pip install -e ".[bench]"`.

Data: bench/generate_concerns.py's 1,000,000 concerns over 100 agencies (200 beats of ~93 km²),
kept apart from the other benchmarks: SQLite under $TMPDIR/openbeat-bench-hotspots, the
PostgreSQL database `openbeat_bench_hotspots`.

1. Gi* over every public concern (private, hidden and sensitive ones left out, about-people ones
   rounded to ~100 m as in public) on H3 resolution 9: the study cells are every hexagon of the
   200 beats plus any hexagon holding a concern. On the same cells, in the same run, `--rounds`
   times (median reported). Both sides start from the same H3 k-rings (`gistar.k_rings`: one
   call to H3's C library for the whole array, timed on its own and shared; the one-call-per-
   cell fallback, `gistar.k_rings_per_cell`, is timed too, for comparison):
   - ours: rings to row numbers (`gistar.rows_of`: one sort and search), `gistar.gi_star`, the
     two-sided p-values, the Benjamini-Hochberg correction and the confidence levels;
   - esda: the same rings as libpysal's neighbour dict and `libpysal.weights.W`, then
     `esda.G_Local(y, w, transform="B", star=True, permutations=0)` (analytic z only).
   Also timed: the statistic alone from prebuilt inputs (our row index, esda's W), and both
   sides with the H3 look-up added. The z-scores must agree to 1e-9. Goal: ours ≥ 20× faster.
2. The background task itself (`compute.compute`) for the dense town's agency (100,000 concerns
   in one beat) and an ordinary one: seconds from the database to the stored map.
3. The CSV (and GeoJSON) export of all public concerns, in a fresh process through Django's
   test client (the view and its streaming, no HTTP): rows per second, the peak of Python's
   allocations while streaming (tracemalloc, a second pass) and the process's peak RSS.

Results: bench/results/<date>-hotspots-<db>.json.
"""

import argparse
import datetime
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import generate  # noqa: E402
from bench import generate_concerns as data  # noqa: E402

DATA_DIR = Path(tempfile.gettempdir()) / "openbeat-bench-hotspots"
PG_NAME = "openbeat_bench_hotspots"
RESOLUTION = 9
GOAL = 20.0


def use_database(db):
    data.DATA_DIR = DATA_DIR  # generate_concerns keeps its summary beside the data
    generate.use_database(db, name=PG_NAME, data_dir=DATA_DIR)


def timed(function, *args):
    began = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - began, result


def load_cells():
    """Every public concern binned at resolution 9, and the study cells (beats ∪ occupied)."""
    import h3.api.basic_int as h3
    import numpy as np

    from openbeat.concerns.models import Concern
    from openbeat.core.models import Area
    from openbeat.hotspots.compute import bin_concerns

    rows = (
        Concern.objects.public()
        .filter(public_latitude__isnull=False)
        .values_list("public_latitude", "public_longitude")
        .order_by()
        .iterator(chunk_size=10_000)
    )
    seconds, counts = timed(bin_concerns, rows, RESOLUTION)
    cells = set(counts)
    for boundary in Area.objects.values_list("boundary", flat=True):
        cells.update(h3.geo_to_cells(boundary, RESOLUTION))
    cells = np.array(sorted(cells), dtype=np.uint64)
    y = np.array([counts.get(int(c), 0) for c in cells], dtype=np.float64)
    return cells, y, {"read_and_bin_s": round(seconds, 2), "concerns": int(y.sum())}


def h3_rings(cells):
    """The input both sides share: each cell's H3 k-ring (one call to H3's C library)."""
    from openbeat.hotspots import gistar

    return gistar.k_rings(cells)


def h3_rings_per_cell(cells):
    """The same rings with one H3 call per cell: what k_rings falls back to."""
    from openbeat.hotspots import gistar

    return gistar.k_rings_per_cell(cells)


def ours(cells, rings, y):
    from openbeat.hotspots import gistar

    index = gistar.rows_of(cells, rings)
    z = gistar.gi_star(y, index)
    q = gistar.benjamini_hochberg(gistar.two_sided_p(z))
    return index, z, gistar.confidence(q)


def esda_weights(cells, rings):
    """libpysal's W from the same rings: row numbers, without the cell itself (esda adds it)."""
    from libpysal.weights import W

    from openbeat.hotspots import gistar

    index = gistar.rows_of(cells, rings)
    neighbours = {}
    for row, ring in enumerate(index.tolist()):
        neighbours[row] = [n for n in ring if n >= 0 and n != row]
    return W(neighbours, silence_warnings=True)


def esda_statistic(y, weights):
    from esda.getisord import G_Local

    return G_Local(y, weights, transform="B", star=True, permutations=0).Zs


def esda_full(cells, rings, y):
    return esda_statistic(y, esda_weights(cells, rings))


def gi_star_comparison(rounds):
    import numpy as np

    from openbeat.hotspots import gistar

    cells, y, context = load_cells()
    runs = []
    for _ in range(rounds):
        rings_s, rings = timed(h3_rings, cells)
        per_cell_s, per_cell = timed(h3_rings_per_cell, cells)
        assert np.array_equal(np.sort(rings, axis=1), np.sort(per_cell, axis=1))
        ours_s, (index, z, level) = timed(ours, cells, rings, y)
        esda_s, z_esda = timed(esda_full, cells, rings, y)
        weights = esda_weights(cells, rings)
        ours_stat_s, _z = timed(gistar.gi_star, y, index)
        esda_stat_s, _z = timed(esda_statistic, y, weights)
        difference = float(np.max(np.abs(z - z_esda)))
        runs.append(
            {
                "h3_rings_s": rings_s,
                "ours_s": ours_s,
                "esda_s": esda_s,
                "ratio": esda_s / ours_s,
                "with_h3_ratio": (rings_s + esda_s) / (rings_s + ours_s),
                "h3_rings_per_cell_s": per_cell_s,
                "with_h3_per_cell_ratio": (per_cell_s + esda_s) / (per_cell_s + ours_s),
                "ours_statistic_s": ours_stat_s,
                "esda_statistic_s": esda_stat_s,
                "statistic_ratio": esda_stat_s / ours_stat_s,
                "max_abs_z_difference": difference,
            }
        )
        print(
            f"  H3 rings {rings_s:.3f} s (shared; {per_cell_s:.2f} s one cell at a time); "
            f"ours {ours_s:.3f} s, esda {esda_s:.2f} s "
            f"({esda_s / ours_s:.0f}×, {runs[-1]['with_h3_ratio']:.1f}× with the H3 rings); "
            f"statistic only {ours_stat_s * 1000:.1f} ms vs {esda_stat_s * 1000:.0f} ms; "
            f"max |Δz| {difference:.2e}",
            flush=True,
        )
    hot = int(((level > 0) & (z > 0)).sum())
    cold = int(((level > 0) & (z < 0)).sum())
    summary = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    summary["max_abs_z_difference"] = max(r["max_abs_z_difference"] for r in runs)
    return {
        **context,
        "resolution": RESOLUTION,
        "cells": len(cells),
        "occupied_cells": int((y > 0).sum()),
        "hot_cells": hot,
        "cold_cells": cold,
        "runs": runs,
        "median": summary,
        "goal": GOAL,
        "meets_goal": summary["ratio"] >= GOAL and summary["max_abs_z_difference"] <= 1e-9,
        "meets_goal_with_h3": summary["with_h3_ratio"] >= GOAL
        and summary["max_abs_z_difference"] <= 1e-9,
    }


def agency_tasks():
    from openbeat.core.models import Agency
    from openbeat.hotspots import compute

    results = {}
    for label, slug in (("dense town", "township-001-pd"), ("ordinary town", "township-050-pd")):
        agency = Agency.objects.get(slug=slug)
        seconds, hotspot_map = timed(compute.compute, agency)
        results[label] = {
            "agency": slug,
            "seconds": round(seconds, 2),
            "concerns": hotspot_map.concerns_count,
            "cells": hotspot_map.cells_count,
            "resolution": hotspot_map.resolution,
            "hot_cells": hotspot_map.cells.filter(kind="hot").count(),
            "cold_cells": hotspot_map.cells.filter(kind="cold").count(),
        }
        print(f"  compute({slug}): {results[label]}", flush=True)
    return results


def export_in_this_process(fmt):
    """One export, measured: called in a fresh process (see `export`)."""
    import tracemalloc

    from django.test import Client

    from openbeat.core.models import RateCounter

    RateCounter.objects.filter(scope="opendata.export").delete()
    client = Client()
    began, cpu = time.perf_counter(), time.process_time()
    response = client.get(f"/data/concerns.{fmt}", HTTP_HOST="127.0.0.1")
    size = rows = 0
    for part in response.streaming_content:
        size += len(part)
        rows += part.count(b"\n")
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if fmt == "csv":
        rows -= 1  # the header
    else:
        rows = None  # one line: counted below from the CSV's rows
    response = client.get(f"/data/concerns.{fmt}", HTTP_HOST="127.0.0.1")
    tracemalloc.start()
    for _part in response.streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "format": fmt,
        "status": response.status_code,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "peak_rss_mb": round(rss_mb, 1),
        "tracemalloc_peak_mb": round(peak / 2**20, 2),
    }


def export(db, fmt):
    out = subprocess.run(
        [sys.executable, __file__, "--db", db, "--export-child", fmt],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=sorted(generate.DATABASE_URLS), default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-generate", action="store_true")
    parser.add_argument("--export-child", choices=["csv", "geojson"], help=argparse.SUPPRESS)
    parser.add_argument("--output")
    parser.add_argument(
        "--parts", default="gi,tasks,export", help="comma-separated: gi, tasks, export"
    )
    args = parser.parse_args(argv)
    use_database(args.db)
    import django

    django.setup()
    if args.export_child:
        print(json.dumps(export_in_this_process(args.export_child)))
        return
    if not args.no_generate:
        generate.reset_database()
        generate.migrate()
        summary = data.generate_concerns()
        (DATA_DIR / f"generated-{args.db}.json").write_text(json.dumps(summary, indent=2))
    generate.migrate()  # a database generated before a new migration gets its tables
    from bench.run import environment

    parts = set(args.parts.split(","))
    results = {"date": datetime.date.today().isoformat(), "environment": environment(args.db)}
    if "gi" in parts:
        print("Gi* against esda", flush=True)
        results["gi_star"] = gi_star_comparison(args.rounds)
    if "tasks" in parts:
        print("The background task", flush=True)
        results["compute_task"] = agency_tasks()
    if "export" in parts:
        print("Exports", flush=True)
        exports = {fmt: export(args.db, fmt) for fmt in ("csv", "geojson")}
        exports["geojson"]["rows"] = exports["csv"]["rows"]
        for result in exports.values():
            result["rows_per_second"] = round(result["rows"] / result["seconds"])
            result["rows_per_cpu_second"] = round(result["rows"] / result["cpu_seconds"])
            print(f"  {result}", flush=True)
        results["export"] = exports
    name = f"{results['date']}-hotspots-{args.db}.json"
    output = Path(args.output or BENCH / "results" / name)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {output}")


if __name__ == "__main__":
    main()
