"""A 100,000-row export streams in constant memory: the server never holds the whole file."""

import tracemalloc

from django.db import connection

from openbeat.concerns.models import Category, Concern

ROWS = 100_000
# The whole CSV is ~30 MB; one chunk of 2,000 rows and its Python objects are a few MB. (200,000
# rows proved no more and took ~70 s of CI's time on each database, under tracemalloc.)
PEAK_BOUND = 12 * 1024 * 1024
NOISE = (
    "Loud music from the car park behind the shops until three in the morning, again; "
    "cars revving and people shouting, the third weekend in a row."
)


def _bulk_concerns(town):
    """ROWS concerns in one INSERT … SELECT: copies of one saved concern, each with its own
    description, point and token. Building 100,000s of model objects in Python took most of the test."""
    category = Category.objects.get(agency=town.smyrna, slug="noise")
    template = Concern(
        agency=town.smyrna,
        category=category,
        area=town.smyrna.areas.get(),
        description=f"Night 0: {NOISE}",
        latitude="39.280000",
        longitude="-75.580000",
    )
    template.save()
    quote = connection.ops.quote_name
    made = {
        "description": "'Night ' || CAST(n.i AS TEXT) || ': ' || CAST(%s AS TEXT)",
        "latitude": "39.280000 + (n.i %% 40000) * 0.000001",
        "longitude": "-75.580000 - (n.i %% 30000) * 0.000001",
        # Noise is not about people: the public point is the exact one, as save() stores it.
        "public_latitude": "39.280000 + (n.i %% 40000) * 0.000001",
        "public_longitude": "-75.580000 - (n.i %% 30000) * 0.000001",
        "tracking_token": "'bulk-' || CAST(n.i AS TEXT)",
        "tile": "NULL",  # the map tile: no export reads it
    }
    columns = [f.column for f in Concern._meta.concrete_fields if not f.primary_key]
    values = [made.get(column, f"template.{quote(column)}") for column in columns]
    table = quote(Concern._meta.db_table)
    # Names from the model, values as parameters.
    insert = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "  # noqa: S608
        f"INSERT INTO {table} ({', '.join(map(quote, columns))}) "
        f"SELECT {', '.join(values)} FROM n, {table} template WHERE template.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert, [ROWS - 1, NOISE, template.pk])


def test_a_100000_row_csv_export_streams_under_a_memory_bound(client, town):
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
    assert size > 2 * PEAK_BOUND  # the file is far larger than what was held at once
    assert peak < PEAK_BOUND, f"peak {peak / 2**20:.1f} MB for a {size / 2**20:.1f} MB export"
