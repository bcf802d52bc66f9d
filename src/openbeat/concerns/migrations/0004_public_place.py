import json
from decimal import Decimal

from django.db import migrations, models

from openbeat.concerns.models import public_place
from openbeat.core import geo

CHUNK = 5000
SIX = Decimal("0.000001")
UPDATE = (
    "UPDATE concerns_concern SET public_latitude = %s, public_longitude = %s, tile = %s,"
    " area_id = %s WHERE id = %s"
)


def _areas(Area):
    """Each agency's areas as (id, stored JSON text), to test points with `geo.text_contains`."""
    found = {}
    for pk, agency_id, boundary in Area.objects.values_list("pk", "agency_id", "boundary"):
        found.setdefault(agency_id, []).append((pk, json.dumps(boundary)))
    return found


def _filed(areas, agency_id, area_id, lat, lon):
    """The area of the agency holding the public point, or the one it had (`public_area`)."""
    own = dict(areas.get(agency_id, []))
    if area_id in own and geo.text_contains(own[area_id], lat, lon):
        return area_id
    return next((pk for pk, text in own.items() if geo.text_contains(text, lat, lon)), area_id)


def store_public_places(apps, schema_editor):
    """The public point, its tile and its area for every stored point, by the models' rule.

    In Python, in chunks, because the rule is Python's rounding (SQL rounds halves otherwise).
    """
    Concern = apps.get_model("concerns", "Concern")
    areas = _areas(apps.get_model("core", "Area"))
    rows = Concern.objects.filter(latitude__isnull=False, longitude__isnull=False).order_by("pk")
    columns = ("pk", "latitude", "longitude", "category__about_people", "agency_id", "area_id")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while chunk := list(rows.filter(pk__gt=last).values_list(*columns)[:CHUNK]):
            changes = []
            for pk, lat, lon, about_people, agency_id, area_id in chunk:
                public_lat, public_lon, tile = public_place(lat, lon, about_people)
                changes.append(
                    (
                        Decimal(str(public_lat)).quantize(SIX),
                        Decimal(str(public_lon)).quantize(SIX),
                        tile,
                        _filed(areas, agency_id, area_id, public_lat, public_lon),
                        pk,
                    )
                )
            cursor.executemany(UPDATE, changes)
            last = chunk[-1][0]


class Migration(migrations.Migration):
    """Concerns keep their public point beside the exact one, and every public filter reads it
    (issue #13): a stranger's tiny box around a guessed spot matched the exact point."""

    dependencies = [
        ("concerns", "0003_concern_tile"),
        ("core", "0005_pageversion"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="concern", name="concern_location"),
        migrations.RemoveIndex(model_name="concern", name="concern_area_category"),
        migrations.AddField(
            model_name="concern",
            name="public_latitude",
            field=models.DecimalField(
                blank=True, decimal_places=6, editable=False, max_digits=9, null=True
            ),
        ),
        migrations.AddField(
            model_name="concern",
            name="public_longitude",
            field=models.DecimalField(
                blank=True, decimal_places=6, editable=False, max_digits=9, null=True
            ),
        ),
        migrations.RunPython(store_public_places, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                fields=["public_latitude", "public_longitude"], name="concern_public_location"
            ),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                fields=["area", "category", "created_at", "status", "is_private", "is_hidden"],
                name="concern_area_category",
            ),
        ),
    ]
