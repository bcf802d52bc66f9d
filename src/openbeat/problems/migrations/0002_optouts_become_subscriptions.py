# A problem's opt-outs are unsubscribed subscriptions now (outreach/migrations/0005).
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("problems", "0001_initial"),
        ("outreach", "0005_followers_move_in"),
    ]

    operations = [migrations.DeleteModel(name="OptOut")]
