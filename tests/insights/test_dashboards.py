"""The transparency page and the staff dashboard: read from the stored snapshot, refreshed when
what they count changes, and never showing who reported, replied or answered."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Status
from openbeat.core import brand, pagecache
from openbeat.hotspots import compute
from openbeat.hotspots.models import HotspotMap
from openbeat.insights import dashboards, surveys
from openbeat.insights.models import DashboardSnapshot
from tests import factories
from tests.hotspots.test_hotspots import CLUSTER, _cluster
from tests.insights.clock import at

GOOD = {"safety": "4", "respect": "5", "fairness": "4", "voice": "3", "comfort": "5"}


@pytest.fixture
def town_with_history(town):
    past = factories.event(town, start=factories.in_days(-3)).occurrences.get()
    upcoming = factories.event(town, start=factories.in_days(3)).occurrences.get()
    factories.rsvp(upcoming, "Rhonda Replier", "rhonda.replier@example.org")
    for _n in range(12):
        surveys.answer_walk_in(past, {**GOOD, "comment": "Felt heard tonight."})
    concern = factories.concern(
        name="Rita Reporter", email="rita.reporter@example.org", phone="302-555-0199"
    )
    concern_actions.change_status(
        concern, Status.RESOLVED, "Done.", acting_user=town.smyrna_officer
    )
    dashboards.refresh(town.smyrna.pk)
    return town


def test_the_transparency_page_shows_the_record_and_no_one_in_it(town_with_history, client):
    agency_page = client.get("/agencies/smyrna-pd/").content.decode()
    assert 'href="/agencies/smyrna-pd/transparency/"' in agency_page
    page = client.get("/agencies/smyrna-pd/transparency/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Meetings and attendance" in body and "Trust index" in body
    # 12 answers of 4, 5, 4, 3, 5: each scores (21 - 5) × 5 = 80, so the interval is 80 to 80.
    assert "<td>80.0</td><td>80.0–80.0</td><td>12</td>" in body
    assert '<svg viewBox="0 0 600 200" role="img" aria-labelledby="chart-trust"' in body
    for secret in ("Rita", "rita.reporter", "555-0199", "Rhonda", "rhonda.replier", "Felt heard"):
        assert secret not in body


def test_the_page_reads_the_snapshot_whatever_the_number_of_concerns(town_with_history, client):
    def queries_for_page():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/agencies/smyrna-pd/transparency/").status_code == 200
        # The page cache's version is re-read at most once a second: not the page's own query.
        return [q["sql"] for q in captured.captured_queries if "core_publicversion" not in q["sql"]]

    compute.compute(town_with_history.smyrna)  # the page shows the stored map too
    brand.site_agency()  # a serving process has read the site's agency (kept for a minute)
    before = queries_for_page()
    for n in range(5):
        factories.concern(description=f"More graffiti {n}")
    after = queries_for_page()
    assert len(after) == len(before) <= 6
    assert not any("concerns_concern" in sql for sql in after)


def test_a_write_marks_the_dashboards_stale_once(town):
    dashboards.refresh(town.smyrna.pk)
    assert DashboardSnapshot.objects.get(agency=town.smyrna).stale_since is None
    factories.concern()
    first_mark = DashboardSnapshot.objects.get(agency=town.smyrna).stale_since
    factories.concern(description="Another")
    assert DashboardSnapshot.objects.get(agency=town.smyrna).stale_since == first_mark is not None
    dashboards.refresh(town.smyrna.pk)
    snapshot = DashboardSnapshot.objects.get(agency=town.smyrna)
    assert snapshot.stale_since is None
    assert sum(snapshot.data["concerns"]["raised"].values()) == 2


def test_fewer_answers_than_the_minimum_show_only_their_count(town, client, settings):
    settings.OPENBEAT_TRUST_MIN_ANSWERS = 13
    past = factories.event(town, start=factories.in_days(-3)).occurrences.get()
    for _n in range(12):
        surveys.answer_walk_in(past, GOOD)
    dashboards.refresh(town.smyrna.pk)
    body = client.get("/agencies/smyrna-pd/transparency/").content.decode()
    assert "Too few answers to show</td><td>12</td>" in body
    assert "80.0–80.0" not in body


def test_staff_see_their_agency_with_comments_and_never_another(town_with_history, client):
    client.force_login(town_with_history.smyrna_officer)
    page = client.get("/staff/insights/")
    body = page.content.decode()
    assert page.status_code == 200 and "Felt heard tonight." in body
    assert "rita.reporter" not in body and "Rhonda" not in body
    assert client.get("/staff/insights/", {"agency": "clayton-pd"}).status_code == 404


def test_the_survey_card_has_a_qr_code_of_the_walk_in_address(town_with_history, client):
    occurrence = factories.event(town_with_history, start=factories.in_days(1)).occurrences.get()
    client.force_login(town_with_history.smyrna_officer)
    body = client.get(f"/staff/meetings/{occurrence.pk}/survey-card/").content.decode()
    address = f"http://testserver/surveys/meetings/{occurrence.event.slug}/{occurrence.date_key}/"
    assert address in body and '<svg xmlns="http://www.w3.org/2000/svg"' in body
    client.force_login(town_with_history.clayton_officer)
    assert client.get(f"/staff/meetings/{occurrence.pk}/survey-card/").status_code == 404


def test_a_new_meeting_or_reply_changes_no_figure_until_it_is_held_or_checked_in(town):
    from openbeat.events import actions as event_actions

    dashboards.refresh(town.smyrna.pk)
    occurrence = factories.event(town, start=factories.in_days(2)).occurrences.get()
    rsvp = factories.rsvp(occurrence)
    assert DashboardSnapshot.objects.get(agency=town.smyrna).stale_since is None
    with at(occurrence.start):
        event_actions.check_in(rsvp, acting_user=town.smyrna_officer)
    assert DashboardSnapshot.objects.get(agency=town.smyrna).stale_since is not None


def test_a_burst_of_writes_queues_one_refresh_a_minute_later(town, settings):
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    dashboards.refresh(town.smyrna.pk)
    for n in range(5):
        factories.concern(description=f"Burst {n}")
    (task,) = DBTaskResult.objects.filter(task_path__endswith="refresh_dashboards")
    assert task.args_kwargs["args"] == [town.smyrna.pk]
    wait = task.run_after - timezone.now()
    assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(seconds=60)


def test_a_refresh_renews_the_cached_page_and_nothing_else_does(town, client):
    url = "/agencies/smyrna-pd/transparency/"
    dashboards.refresh(town.smyrna.pk)
    assert "0 concerns raised" in client.get(url).content.decode()
    factories.concern()
    assert "0 concerns raised" in client.get(url).content.decode()  # the stored figures
    dashboards.refresh(town.smyrna.pk)
    assert "1 concern raised in the last 12 months" in client.get(url).content.decode()


def test_the_page_shows_the_stored_hotspots_and_a_new_map_renews_it(town_with_history, client):
    url = "/agencies/smyrna-pd/transparency/"
    assert "being computed" in client.get(url).content.decode()
    _cluster(compute.MIN_CONCERNS)
    # The page never counts concerns to see whether the map is stale, nor asks for a run.
    assert "being computed" in client.get(url).content.decode()
    assert not HotspotMap.objects.exists()
    site = pagecache.current()
    compute.compute(town_with_history.smyrna)
    assert pagecache.current() == site  # its own pages are renewed, not the whole site's
    body = client.get(url).content.decode()
    assert 'id="hotspots-heading"' in body and '<table class="table hotspot-table">' in body
    assert f"center {CLUSTER[0][:6]}" in body and '"></span>Hot spot</td>' in body
    assert "openbeat/hotspots-map.js" in body


def test_the_dashboards_refresh_asks_for_a_new_hotspot_map(
    town, django_capture_on_commit_callbacks
):
    from openbeat.insights.dashboards import refresh_dashboards

    _cluster(compute.MIN_CONCERNS)
    with django_capture_on_commit_callbacks(execute=True):
        refresh_dashboards.call(town.smyrna.pk)
    first = HotspotMap.objects.get(agency=town.smyrna)
    assert first.concerns_count == compute.MIN_CONCERNS and first.requested_at is None
    with django_capture_on_commit_callbacks(execute=True):
        refresh_dashboards.call(town.smyrna.pk)
    again = HotspotMap.objects.get(agency=town.smyrna)
    assert (again.computed_at, again.requested_at) == (first.computed_at, None)  # fresh: no run
