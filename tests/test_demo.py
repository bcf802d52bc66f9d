import pytest
from django.db import transaction
from django.utils import timezone

from openbeat.core.models import AuditEvent
from openbeat.demo.loader import load_demo
from openbeat.events.models import Event, Occurrence
from openbeat.events.queries import upcoming


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for the tests that read it (~10 s a load): in a transaction that
    each test's own nests in (its writes rolled back after it), rolled back after the module.
    The first test loads it itself, twice, on an empty database."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def test_demo_is_the_seed_town_and_loading_twice_changes_nothing(db, client):
    load_demo()
    counts = (Event.objects.count(), Occurrence.objects.count())
    rules = AuditEvent.objects.filter(action="retention.rule").count()
    load_demo()
    assert (Event.objects.count(), Occurrence.objects.count()) == counts
    assert AuditEvent.objects.filter(action="retention.rule").count() == rules
    # The seed's July 2025 mornings and evenings are the first dates of their monthly series.
    for slug, rule, first_date, hour in (
        ("coffee-with-a-cop", "BYDAY=2WE", "2025-07-09", 8),
        ("community-awareness-meeting", "BYDAY=1MO", "2025-07-07", 18),
    ):
        series = Event.objects.get(slug=slug)
        first = series.occurrences.order_by("start").first()
        local = timezone.localtime(first.start, series.agency.tz)
        assert rule in series.rrule and series.occurrences.count() > 12
        assert (local.date().isoformat(), local.hour) == (first_date, hour)
        assert first.minutes  # what happened that first time
    assert [a.slug for a in Event.objects.get(slug="coffee-with-a-cop").co_hosts.all()] == [
        "clayton-pd"
    ]
    # The demo always has what's next: both programmes have upcoming dates.
    programmes = set(upcoming().values_list("event__programme__slug", flat=True))
    assert programmes == {"coffee-with-a-cop", "community-awareness-meeting"}
    home = client.get("/").content.decode()
    assert "Next Coffee with a Cop" in home and "Smyrna Town Hall" in home
    agency = client.get("/agencies/smyrna-pd/").content.decode()
    assert "Interim Police Chief Norman Wood" in agency


def test_demo_has_a_problem_in_each_part_of_its_life_with_real_measures(demo, db, client):
    from openbeat.problems.analysis import before_after
    from openbeat.problems.models import Problem

    phases = dict(Problem.objects.values_list("title", "phase"))
    assert set(phases.values()) == {"scanning", "assessment", "closed"}
    speeding = Problem.objects.get(title__startswith="Speeding")
    result = before_after(speeding)
    assert result["before"] > result["after"] and "down" in result["verdict"]
    assert result["outcome"] == "fewer" and result["days"] >= 90 and result["p"] < 0.05
    # Its lamps fixed in July 2025, days after the town's record began: a measure, no before.
    dark = Problem.objects.get(title__startswith="Dark corner")
    assert before_after(dark)["outcome"] == "history" and dark.measures.exists()
    assert timezone.localtime(dark.closed_at).date().isoformat() == "2025-07-21"
    assert speeding.meetings.exists()  # raised at the July community meeting
    assert speeding.phase_changes.count() == 4  # opened, analysis, response, assessment
    page = client.get(speeding.get_absolute_url()).content.decode()
    assert "Fewer concerns since the response began" in page
    raised = speeding.concerns.filter(raised_at__isnull=False).first()
    assert raised is not None
    # The resident who raised it finds the joint response from their own tracking link.
    track = client.get(f"/concerns/track/{raised.tracking_token}/").content.decode()
    assert speeding.get_absolute_url() in track


def test_demo_town_has_a_hotspot_by_the_park_on_its_public_page(demo, db, client):
    import h3

    from openbeat.demo.history import PARK
    from openbeat.hotspots import compute
    from openbeat.hotspots.models import HotspotMap

    hotspot_map = HotspotMap.objects.get(agency__slug="smyrna-pd")
    park = h3.latlng_to_cell(*PARK, hotspot_map.resolution)
    assert hotspot_map.cells.get(cell=park).kind == "hot"
    assert hotspot_map.cells.get(cell=park).confidence == 99
    assert hotspot_map.cells.get(cell=park).venue.name == "South Street Park"
    # Only hexagons that hold concerns themselves are hot.
    assert not hotspot_map.cells.filter(kind="hot", concerns__lt=compute.MIN_CELL_CONCERNS)
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
    row = body[: body.index(f"center {lat}, {lon}")]
    assert row[row.rindex("<tr") :].startswith(
        '<tr class="hot-99">\n  <td class="place"><strong>Downtown Smyrna<'
    )


def test_demo_neighbourhood_watch_fills_its_first_walk_with_a_waiting_list(demo, db, client):
    from openbeat.projects.models import Project, SignUpStatus

    load_demo()
    project = Project.objects.get(title="Neighborhood Watch evening walks")
    assert project.programme.name == "Neighborhood Watch"
    first = project.roles.get(name="Walker").shifts.order_by("start").first()
    statuses = list(first.sign_ups.order_by("confirmed_at", "id").values_list("status", flat=True))
    assert statuses == [SignUpStatus.CONFIRMED] * 4 + [SignUpStatus.WAITLISTED] * 2
    page = client.get(project.get_absolute_url()).content.decode()
    assert "full: join the waiting list (2 waiting)" in page
    assert "Rosa Martinez" not in page and "rosa.martinez@example.org" not in page
    problem = client.get(project.problem.get_absolute_url()).content.decode()
    assert project.get_absolute_url() in problem


def test_demo_transparency_page_shows_the_town_from_the_real_figures(demo, db, client):
    from openbeat.core.models import Agency
    from openbeat.insights import dashboards
    from openbeat.insights.models import SurveyResponse

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
    _assert_a_real_towns_history(Agency.objects.get(slug="smyrna-pd"), data)


def _assert_a_real_towns_history(smyrna, data):
    """Concerns reported over the whole year at the hours they happen, acknowledged within
    hours and closed days later, through the real actions at their time."""
    import datetime
    from collections import Counter
    from statistics import median

    from openbeat.concerns.models import Concern, ConcernUpdate

    now, tz = timezone.now(), smyrna.tz
    rows = list(
        Concern.objects.filter(agency=smyrna).values_list(
            "pk", "created_at", "closed_at", "category__slug", "source"
        )
    )
    year = [r for r in rows if r[1] > now - datetime.timedelta(days=365)]
    months = Counter(timezone.localtime(r[1], tz).strftime("%Y-%m") for r in year)
    assert len(months) >= 12 and sorted(months.values())[1] >= 5, months  # this month may be new
    assert max(Counter(r[1] for r in rows).values()) == 1  # no two at the same moment
    speeding = [timezone.localtime(r[1], tz) for r in year if r[3] == "speeding-traffic"]
    school_run = [t for t in speeding if t.hour in (7, 8, 14, 15)]
    assert len(school_run) > 0.7 * len(speeding)
    assert Counter(timezone.localtime(r[1], tz).hour for r in year).most_common(1)[0][
        1
    ] < 0.2 * len(year)
    assert sum(r[4] == "meeting" for r in year) >= 10  # raised at the monthly meetings
    # Acknowledged within hours, closed days later: none "closed" as it was reported.
    first_answer = dict(
        ConcernUpdate.objects.filter(concern__agency=smyrna, status_before="submitted").values_list(
            "concern_id", "created_at"
        )
    )
    waits = [
        (first_answer[r[0]] - r[1]).total_seconds() / 3600 for r in year if r[0] in first_answer
    ]
    closings = [(r[2] - r[1]).total_seconds() / 86400 for r in year if r[2]]
    assert 1 < median(waits) < 12 and min(waits) > 0.1
    assert 1 < median(closings) < 10 and min(closings) > 0.1
    assert all(m["close"]["median"] for m in data["response"]["month"][:-1])


def test_demo_keeps_closed_concerns_two_years_and_complaints_as_they_are(demo, db):
    from openbeat.retention.models import RetentionRule

    months = dict(
        RetentionRule.objects.filter(agency__slug="smyrna-pd").values_list(
            "category__slug", "months_after_closing"
        )
    )
    assert months["noise"] == 24 and "officer-conduct" not in months


def test_demo_checks_residents_in_by_their_qr_codes_and_the_next_replies_carry_one(
    demo, db, client
):
    from openbeat.events.models import RSVP
    from openbeat.insights.metrics import _meeting_facts

    load_demo()  # nothing twice
    came = RSVP.objects.filter(checked_in_at__isnull=False)
    assert sorted(came.values_list("name", flat=True)) == ["Rosa Martínez", "Tom Hughes"]
    last = came.first().occurrence
    assert last.rsvps.count() == 3
    # Insights count the three people checked in at the door with the meeting's walk-ins.
    (facts,) = _meeting_facts([last])
    assert facts["attendance"] == 3 + last.walk_ins
    assert AuditEvent.objects.filter(action="rsvp.check_in").count() == 2
    following = RSVP.objects.get(name="Jorge Ramírez")
    assert following.occurrence.start > timezone.now()
    page = client.get(following.get_absolute_url()).content.decode()
    assert following.check_in_code_shown in page and "<svg" in page


def test_demo_next_town_hall_meeting_has_questions_some_answered_one_a_concern(demo, db, client):
    from openbeat.demo.questions import next_meeting
    from openbeat.events.models import Question

    load_demo()  # a second load adds no question
    meeting = next_meeting(Event.objects.get(slug="community-awareness-meeting").agency)
    assert meeting.place.name == "Smyrna Town Hall"
    questions = Question.objects.filter(occurrence=meeting)
    assert questions.count() == 5
    assert questions.filter(answered_at__isnull=False).count() == 2
    turned = questions.get(concern__isnull=False)
    assert turned.concern.raised_at == meeting
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Questions answered" in page and "flashing beacon" in page
    listing = client.get(questions.first().get_absolute_url().split("#")[0]).content.decode()
    assert "Asked by Maria G." in listing and f"/concerns/{turned.concern.pk}/" in listing


def test_demo_speaks_spanish_where_its_staff_wrote_spanish_and_marks_the_rest(demo, db, client):
    coffee = Event.objects.get(slug="coffee-with-a-cop")
    spanish = client.get(coffee.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Café con un Policía</h1>" in spanish
    assert "conozca a nuestros agentes" in spanish
    programmes = client.get("/programmes/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Reunión Comunitaria Informativa" in programmes
    # National Night Out has no Spanish yet: its English name is marked as English.
    assert '<span lang="en">National Night Out</span>' in programmes
    news = client.get("/announcements/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Café con un Policía: el segundo miércoles de cada mes" in news
    assert '<span lang="en">Speed checks on Lake Drive</span>' in news
    english = client.get(coffee.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Coffee with a Cop</h1>" in english and "Café" not in english


def test_demo_town_hall_meeting_has_a_flyer_the_website_a_block_and_the_beats_officers(
    demo, db, client
):
    meeting = (
        upcoming().filter(event__slug="community-awareness-meeting").select_related("event").first()
    )
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert f"{meeting.get_absolute_url()}flyer/" in page
    flyer = client.get(f"{meeting.get_absolute_url()}flyer.pdf?lang=es")
    assert flyer.status_code == 200 and flyer.content.startswith(b"%PDF")
    block = client.get("/agencies/smyrna-pd/embed/")
    assert "frame-ancestors https://www.smyrna-de.example" in block["Content-Security-Policy"]
    downtown = client.get("/agencies/smyrna-pd/areas/downtown/").content.decode()
    assert "S/Pfc. Brandon Dunning" in downtown and "Community Awareness Meeting" in downtown
    town = client.get("/agencies/smyrna-pd/areas/smyrna/").content.decode()
    assert "Interim Police Chief Norman Wood" in town
