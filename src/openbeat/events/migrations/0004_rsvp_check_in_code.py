from django.db import migrations, models

import openbeat.events.models


def give_codes(apps, schema_editor):
    """Every reply made before QR check-in gets its own code (unique within its meeting)."""
    RSVP = apps.get_model("events", "RSVP")
    taken = set()
    for rsvp in RSVP.objects.only("pk", "occurrence_id").iterator():
        code = openbeat.events.models.new_check_in_code()
        while (rsvp.occurrence_id, code) in taken:
            code = openbeat.events.models.new_check_in_code()
        taken.add((rsvp.occurrence_id, code))
        RSVP.objects.filter(pk=rsvp.pk).update(check_in_code=code)


class Migration(migrations.Migration):
    """QR check-in (issue #17): a per-reply short code for the door, and the nonce of the
    check-in form so a phone's queued check-in sent twice is stored once."""

    dependencies = [
        ("events", "0003_rsvp_pending"),
    ]

    operations = [
        migrations.AddField(
            model_name="rsvp",
            name="check_in_code",
            field=models.CharField(editable=False, max_length=8, null=True),
        ),
        migrations.RunPython(give_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="rsvp",
            name="check_in_code",
            field=models.CharField(
                default=openbeat.events.models.new_check_in_code, editable=False, max_length=8
            ),
        ),
        migrations.AddField(
            model_name="rsvp",
            name="check_in_nonce",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AddConstraint(
            model_name="rsvp",
            constraint=models.UniqueConstraint(
                fields=("occurrence", "check_in_code"), name="one_check_in_code_per_meeting"
            ),
        ),
    ]
