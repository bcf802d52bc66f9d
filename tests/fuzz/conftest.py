"""The fuzz tests' database world, and a summary of how many cases they sent."""

from types import SimpleNamespace

import pytest

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import CategoryQuestion, Status
from openbeat.core.apikeys import create_key
from openbeat.events import actions as event_actions
from tests import factories
from tests.fuzz import harness


@pytest.fixture
def world(db):
    """The test town with meetings and concerns in every state the APIs show, agency keys, and
    the app served in-process inside this test's transaction."""
    town = factories.town()
    factories.event(town, title="Coffee", programme=town.coffee, venue=town.diner)
    series = factories.event(
        town, rrule="FREQ=MONTHLY;BYDAY=1TU;COUNT=4", capacity=10, co_hosts=[town.clayton]
    )
    factories.event(
        town,
        agency=town.clayton,
        programme=town.clayton_meeting,
        venue=town.clayton_hall,
        title="Clayton Town Meeting",
    )
    factories.rsvp(series.occurrences.order_by("start").first(), party_size=3)
    event_actions.cancel_occurrence(None, series.occurrences.order_by("start").last(), "Snow")

    CategoryQuestion.objects.create(
        category=town.smyrna.categories.get(slug="vandalism-graffiti"),
        code="surface",
        question="What is painted?",
        datatype="singlevaluelist",
        required=False,
        order=1,
        choices=[{"key": "wall", "name": "A wall"}, {"key": "car", "name": "A car"}],
    )
    CategoryQuestion.objects.create(
        category=town.smyrna.categories.get(slug="noise"),
        code="seen_at",
        question="When did it happen?",
        datatype="datetime",
        required=False,
        order=1,
    )
    graffiti = factories.concern(name="Reporter", email="reporter@example.org")
    sensitive = factories.concern(category="officer-conduct", description="Sensitive complaint")
    resolved = factories.concern(category="noise", description="Loud music")
    concern_actions.change_status(None, resolved, Status.RESOLVED, "Spoke to them.")
    referred = factories.concern(category="speeding-traffic", description="Cars race")
    concern_actions.change_status(
        None, referred, Status.REFERRED, "Passed on.", referred_to="DelDOT"
    )
    duplicate = factories.concern(description="Graffiti again")
    concern_actions.mark_duplicate(None, duplicate, graffiti)
    factories.concern(category="drug-activity", description="Dealing on the corner")
    factories.concern(point=factories.CLAYTON_POINT, description="Clayton graffiti")
    hidden = factories.concern(description="Abusive text")
    concern_actions.set_hidden(None, hidden, True, "Abuse")
    factories.concern(
        point=(None, None),
        description="By the park",
        location_text="Smyrna park",
        area=str(town.smyrna.areas.first().pk),
    )
    errors = harness.connect()
    yield SimpleNamespace(
        town=town,
        key=create_key(town.smyrna, "Smyrna fuzz key")[1],
        clayton_key=create_key(town.clayton, "Clayton fuzz key")[1],
        token=sensitive.open311_token,
        errors=errors,
    )
    harness.disconnect(errors)


def pytest_terminal_summary(terminalreporter):
    if not harness.CASES:
        return
    terminalreporter.section("fuzz cases")
    for schema, counts in sorted(harness.CASES.items()):
        terminalreporter.write_line(f"{schema}: {sum(counts.values())} cases")
        for label, n in sorted(counts.items()):
            terminalreporter.write_line(f"  {n:5d}  {label}")
        for bug, n in sorted(harness.KNOWN_HITS[schema].items()):
            terminalreporter.write_line(f"  known server error hit {n} times: {bug}")
            terminalreporter.write_line(f"    first: {harness.KNOWN_FIRST[bug]}")
