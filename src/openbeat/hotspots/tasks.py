"""Background work for hotspots: Gi* runs in the worker, never while a page waits."""

from openbeat.core.background import task


@task()
def refresh_hotspots(agency_id):
    from openbeat.core.models import Agency
    from openbeat.hotspots import compute

    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is not None:
        compute.compute(agency)
