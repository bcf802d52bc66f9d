from django.utils import timezone

from openbeat.core.models import AuditEvent
from openbeat.demo.loader import load_demo
from openbeat.events.models import Event, Occurrence
from openbeat.events.queries import upcoming


def test_demo_is_the_seed_town_and_loading_twice_changes_nothing(db, client):
    load_demo()
    counts = (Event.objects.count(), Occurrence.objects.count())
    rules = AuditEvent.objects.filter(action="retention.rule").count()
    load_demo()
    assert (Event.objects.count(), Occurrence.objects.count()) == counts
    assert AuditEvent.objects.filter(action="retention.rule").count() == rules
    first = Occurrence.objects.get(event__slug="coffee-with-a-cop-2025-07-09")
    local = timezone.localtime(first.start, first.event.agency.tz)
    assert (local.date().isoformat(), local.hour) == ("2025-07-09", 8)
    assert [a.slug for a in first.event.co_hosts.all()] == ["clayton-pd"]
    meeting = Occurrence.objects.filter(event__slug="community-awareness-meeting").first()
    local = timezone.localtime(meeting.start, meeting.event.agency.tz)
    assert (local.date().isoformat(), local.hour) == ("2025-07-07", 18)
    # The demo always has what's next: both programmes have upcoming dates.
    programmes = set(upcoming().values_list("event__programme__slug", flat=True))
    assert programmes == {"coffee-with-a-cop", "community-awareness-meeting"}
    home = client.get("/").content.decode()
    assert "Next Coffee with a Cop" in home and "Smyrna Town Hall" in home
    agency = client.get("/agencies/smyrna-pd/").content.decode()
    assert "Interim Police Chief Norman Wood" in agency


def test_demo_has_a_problem_in_each_part_of_its_life_with_real_measures(db, client):
    from openbeat.problems.analysis import before_after
    from openbeat.problems.models import Problem

    load_demo()
    phases = dict(Problem.objects.values_list("title", "phase"))
    assert set(phases.values()) == {"scanning", "assessment", "closed"}
    speeding = Problem.objects.get(title__startswith="Speeding")
    result = before_after(speeding)
    assert result["before"] > result["after"] and "down" in result["verdict"]
    assert speeding.meetings.exists()  # raised at the July community meeting
    assert speeding.phase_changes.count() == 4  # opened, analysis, response, assessment
    page = client.get(speeding.get_absolute_url()).content.decode()
    assert "Fewer concerns since the response began" in page
    raised = speeding.concerns.filter(raised_at__isnull=False).first()
    assert raised is not None
    # The resident who raised it finds the joint response from their own tracking link.
    track = client.get(f"/concerns/track/{raised.tracking_token}/").content.decode()
    assert speeding.get_absolute_url() in track


def test_demo_town_has_a_hotspot_by_the_park_on_its_public_page(db, client):
    import h3

    from openbeat.demo.hotspots import PARK
    from openbeat.hotspots import compute
    from openbeat.hotspots.models import HotspotMap

    load_demo()
    hotspot_map = HotspotMap.objects.get(agency__slug="smyrna-pd")
    park = h3.latlng_to_cell(*PARK, hotspot_map.resolution)
    assert hotspot_map.cells.get(cell=park).kind == "hot"
    assert hotspot_map.cells.get(cell=park).confidence == 99
    # The quiet edge of town is not: the map tells places apart.
    edge = h3.latlng_to_cell(39.275, -75.575, hotspot_map.resolution)
    assert hotspot_map.cells.get(cell=edge).kind != "hot"
    assert hotspot_map.cells.filter(kind="hot").count() < hotspot_map.cells_count / 10
    page = client.get("/agencies/smyrna-pd/hotspots/").content.decode()
    assert "Hot spot" in page and "hotspot-cells" in page
    # Computed last, from every concern the loader made: nothing for the worker to redo.
    assert hotspot_map.signature == compute.signature(hotspot_map.agency)
    # The transparency page shows the same map: the park's hexagon hot at 99 %.
    lat, lon = (round(degrees, 4) for degrees in h3.cell_to_latlng(park))
    body = client.get("/agencies/smyrna-pd/transparency/").content.decode()
    assert 'id="hotspots-heading"' in body and "hotspot-cells" in body
    row = body[body.index(f"centre {lat}, {lon}") - 300 :]
    assert '<tr class="hot-99">' in row[: row.index(f"centre {lat}, {lon}")]


def test_demo_neighbourhood_watch_fills_its_first_walk_with_a_waiting_list(db, client):
    from openbeat.projects.models import Project, SignUpStatus

    load_demo()
    load_demo()
    project = Project.objects.get(title="Neighbourhood Watch evening walks")
    assert project.programme.name == "Neighbourhood Watch"
    first = project.roles.get(name="Walker").shifts.order_by("start").first()
    statuses = list(first.sign_ups.order_by("confirmed_at", "id").values_list("status", flat=True))
    assert statuses == [SignUpStatus.CONFIRMED] * 4 + [SignUpStatus.WAITLISTED] * 2
    page = client.get(project.get_absolute_url()).content.decode()
    assert "full: join the waiting list (2 waiting)" in page
    assert "Rosa Martinez" not in page and "rosa.martinez@example.org" not in page
    problem = client.get(project.problem.get_absolute_url()).content.decode()
    assert project.get_absolute_url() in problem


def test_demo_transparency_page_shows_the_town_from_the_real_figures(db, client):
    from openbeat.core.models import Agency
    from openbeat.insights import dashboards
    from openbeat.insights.models import SurveyResponse

    load_demo()
    answers = SurveyResponse.objects.count()
    load_demo()
    assert SurveyResponse.objects.count() == answers > 100
    page = client.get("/agencies/smyrna-pd/transparency/")
    assert page.status_code == 200
    body = page.content.decode()
    data = dashboards.snapshot_for(Agency.objects.get(slug="smyrna-pd")).data
    held = sum(month["held"] for month in data["meetings"].values())
    assert held >= 12  # two monthly series for a year
    assert f"{held} meetings held in the last 12 months" in body
    assert "Cars parked on the sidewalk" not in body  # counted, not listed
    shown = [m for m in data["trust"]["months"] if m["shown"]]
    assert len(shown) >= 10
    # Trust edges up over the year, as the generated answers lean.
    assert shown[-1]["mean"] > shown[0]["mean"]
    resolved = sum(data["concerns"]["resolved"].values())
    assert resolved > 20 and "resolved" in body
    assert data["response"]["month"] and data["response"]["closures"]


def test_demo_keeps_closed_concerns_two_years_and_complaints_as_they_are(db):
    from openbeat.retention.models import RetentionRule

    load_demo()
    months = dict(
        RetentionRule.objects.filter(agency__slug="smyrna-pd").values_list(
            "category__slug", "months_after_closing"
        )
    )
    assert months["noise"] == 24 and "officer-conduct" not in months
