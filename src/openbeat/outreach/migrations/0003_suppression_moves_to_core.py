# The suppression list now belongs to core (core/migrations/0006): the table stays as it is.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_email_removed_by_retention"),
        ("core", "0006_suppression"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Suppression")],
        ),
    ]
