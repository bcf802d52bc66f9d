from django.db import migrations, models


def carry_over(apps, schema_editor):
    old = apps.get_model("core", "PublicVersion").objects.filter(pk=1).first()
    if old is not None:  # a fresh database stays empty (a backup restores only into one)
        apps.get_model("core", "PageVersion").objects.create(scope="site", counter=old.counter)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_publicversion"),
    ]

    operations = [
        migrations.CreateModel(
            name="PageVersion",
            fields=[
                ("scope", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("counter", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.DeleteModel(name="PublicVersion"),
    ]
