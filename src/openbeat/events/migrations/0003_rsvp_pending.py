from django.db import migrations, models
from django.db.models import F


def confirm_existing_replies(apps, schema_editor):
    """Replies taken before confirmation existed held their place at once: they keep it."""
    RSVP = apps.get_model("events", "RSVP")
    RSVP.objects.exclude(status="cancelled").update(confirmed_at=F("created_at"))


class Migration(migrations.Migration):
    """A reply holds a place once its address confirms it (issue #13): taken at once, "places
    left" told strangers whether an address had replied before."""

    dependencies = [
        ("events", "0002_programme_catalogue"),
    ]

    operations = [
        migrations.AddField(
            model_name="rsvp",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="rsvp",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for the address to confirm"),
                    ("confirmed", "Confirmed"),
                    ("waitlisted", "On the waiting list"),
                    ("cancelled", "Cancelled"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(confirm_existing_replies, migrations.RunPython.noop),
    ]
