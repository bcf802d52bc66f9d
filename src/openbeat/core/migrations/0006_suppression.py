# The suppression list moves from outreach to core (core.mail reads it for every email sent);
# its table keeps its name and its rows: only Django's idea of which app owns it changes.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_pageversion"),
        ("outreach", "0002_email_removed_by_retention"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Suppression",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("email", models.EmailField(max_length=254, unique=True)),
                        ("reason", models.CharField(max_length=200)),
                        ("at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        "db_table": "outreach_suppression",
                        "verbose_name": "suppressed address",
                        "verbose_name_plural": "suppressed addresses",
                    },
                ),
            ],
        ),
    ]
