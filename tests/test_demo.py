from django.utils import timezone

from openbeat.demo.loader import load_demo
from openbeat.events.models import Event, Occurrence
from openbeat.events.queries import upcoming


def test_demo_is_the_seed_town_and_loading_twice_changes_nothing(db, client):
    load_demo()
    counts = (Event.objects.count(), Occurrence.objects.count())
    load_demo()
    assert (Event.objects.count(), Occurrence.objects.count()) == counts
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
