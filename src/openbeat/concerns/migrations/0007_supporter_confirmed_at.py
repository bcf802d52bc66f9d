from django.db import migrations, models
from django.db.models import F


def count_existing_supporters(apps, schema_editor):
    """Voices given before confirmation existed were counted at once: they stay counted."""
    Supporter = apps.get_model("concerns", "Supporter")
    Supporter.objects.update(confirmed_at=F("created_at"))


class Migration(migrations.Migration):
    """A supporter's address confirms their voice before it counts (issue #13): counted at once,
    the supporter count told strangers whether an address had supported before."""

    dependencies = [
        ("concerns", "0006_pins_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="supporter",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(count_existing_supporters, migrations.RunPython.noop),
    ]
