"""A 200,000-row export streams in constant memory: the server never holds the whole file."""

import tracemalloc

from openbeat.concerns.models import Category, Concern, new_token

ROWS = 200_000
# The whole CSV is ~60 MB; one chunk of 2,000 rows and its Python objects are a few MB.
PEAK_BOUND = 12 * 1024 * 1024
NOISE = (
    "Loud music from the car park behind the shops until three in the morning, again; "
    "cars revving and people shouting, the third weekend in a row."
)


def _bulk_concerns(town):
    category = Category.objects.get(agency=town.smyrna, slug="noise")
    area = town.smyrna.areas.get()
    batch = []
    for i in range(ROWS):
        batch.append(
            Concern(
                agency=town.smyrna,
                category=category,
                area=area,
                description=f"Night {i}: {NOISE}",
                latitude=f"39.{280000 + i % 40000:06d}",
                longitude=f"-75.{580000 + i % 30000:06d}",
                tracking_token=new_token(),
            )
        )
        if len(batch) == 10_000:
            Concern.objects.bulk_create(batch)
            batch = []


def test_a_200000_row_csv_export_streams_under_a_memory_bound(client, town):
    from openbeat.concerns.defaults import ensure_default_categories

    ensure_default_categories(town.smyrna)
    _bulk_concerns(town)
    response = client.get("/data/concerns.csv")
    assert response.status_code == 200 and response.streaming
    tracemalloc.start()
    try:
        lines = size = 0
        for part in response.streaming_content:
            lines += part.count(b"\n")
            size += len(part)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == ROWS + 1  # the header and every row
    assert size > 4 * PEAK_BOUND  # the file is far larger than what was held at once
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.1f} MB export"
