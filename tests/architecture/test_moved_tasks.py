"""Tasks that moved beside the function they run: work queued before an upgrade still runs."""

import importlib

import pytest
from django.apps import apps
from django.utils.module_loading import import_string

from openbeat.hotspots.models import HotspotMap
from tests import factories
from tests.tasks import drain

MOVED = importlib.import_module("openbeat.core.migrations.0007_moved_task_paths")


@pytest.mark.parametrize("old,new", sorted(MOVED.MOVED.items()))
def test_each_moved_task_is_found_at_its_new_path_only(old, new):
    assert import_string(new).module_path == new
    with pytest.raises(ImportError):
        import_string(old)


def test_a_hotspot_run_queued_before_the_upgrade_runs_after_it(transactional_db, database_tasks):
    from django_tasks_db.models import DBTaskResult

    from openbeat.hotspots.compute import refresh_hotspots

    town = factories.town()
    refresh_hotspots.enqueue(town.smyrna.pk)
    queued = DBTaskResult.objects.get()
    queued.task_path = "openbeat.hotspots.tasks.refresh_hotspots"  # as the old release stored it
    queued.save(update_fields=["task_path"])

    MOVED.forward(apps, None)
    drain()

    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert HotspotMap.objects.filter(agency=town.smyrna, computed_at__isnull=False).exists()
