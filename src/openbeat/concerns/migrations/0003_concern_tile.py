from django.db import migrations, models

# The tile of every stored point, in SQL (a million rows in seconds). PostgreSQL's numeric is
# exact; SQLite keeps the decimals as floats, so a nudge far below the stored precision (1e-6°)
# keeps a point that lies exactly on a tile's edge in the tile `tiles.tile_of` gives it.
TILE_SQL = {
    "postgresql": (
        "LEAST(FLOOR((latitude + 90) * 20), 3600) * 10000"
        " + LEAST(FLOOR((longitude + 180) * 20), 7200)"
    ),
    "sqlite": (
        "MIN(CAST((latitude + 90) * 20 + 0.0000001 AS INTEGER), 3600) * 10000"
        " + MIN(CAST((longitude + 180) * 20 + 0.0000001 AS INTEGER), 7200)"
    ),
}


def fill_tiles(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(
        f"UPDATE concerns_concern SET tile = {TILE_SQL[vendor]}"
        " WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("concerns", "0002_open311"),
    ]

    operations = [
        migrations.AddField(
            model_name="concern",
            name="tile",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_tiles, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(fields=["tile", "-created_at", "-id"], name="concern_tile"),
        ),
        migrations.RemoveIndex(model_name="concern", name="concern_recent"),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(fields=["-created_at", "-id"], name="concern_newest"),
        ),
        migrations.AddIndex(
            model_name="concern",
            index=models.Index(
                fields=["area", "category", "created_at", "status", "is_private"],
                name="concern_area_category",
            ),
        ),
    ]
