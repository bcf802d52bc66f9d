# Six tasks moved beside the function each runs (so a task module never imports what queues it):
# tasks queued before the upgrade and not yet run are pointed at their new place. (With the Redis
# queue, let the workers empty it before upgrading.)
from django.db import migrations

MOVED = {
    "openbeat.hotspots.tasks.refresh_hotspots": "openbeat.hotspots.compute.refresh_hotspots",
    "openbeat.insights.tasks.refresh_dashboards": "openbeat.insights.dashboards.refresh_dashboards",
    "openbeat.outreach.tasks.plan_mailing": "openbeat.outreach.delivery.plan_mailing",
    "openbeat.outreach.tasks.send_mailing": "openbeat.outreach.delivery.send_mailing",
    "openbeat.outreach.tasks.publish_when_due": "openbeat.outreach.actions.publish_when_due",
    "openbeat.retention.tasks.apply_retention": "openbeat.retention.actions.apply_retention",
}


def forward(apps, schema_editor):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in MOVED.items():
        tasks.filter(task_path=old).update(task_path=new)


def backward(apps, schema_editor):
    tasks = apps.get_model("django_tasks_database", "DBTaskResult").objects
    for old, new in MOVED.items():
        tasks.filter(task_path=new).update(task_path=old)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_suppression"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
