"""The fuzz tests' database world, and a summary of how many cases they sent."""

from types import SimpleNamespace

import pytest
from django.db import transaction

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import CategoryQuestion, Status
from openbeat.core.apikeys import create_key
from openbeat.events import actions as event_actions
from tests import factories
from tests.fuzz import harness


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The test town with meetings and concerns in every state the APIs show, agency keys, and
    the app served in-process; built once for the module, in a transaction rolled back at its
    end (each case runs in a savepoint of it, see harness.isolated)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = _build_world()
        world.errors = harness.connect()
        yield world
        harness.disconnect(world.errors)
        transaction.set_rollback(True)


def _build_world():
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
    event_actions.cancel_occurrence(
        series.occurrences.order_by("start").last(), "Snow", acting_user=None
    )

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
    concern_actions.change_status(resolved, Status.RESOLVED, "Spoke to them.", acting_user=None)
    referred = factories.concern(category="speeding-traffic", description="Cars race")
    concern_actions.change_status(
        referred, Status.REFERRED, "Passed on.", referred_to="DelDOT", acting_user=None
    )
    duplicate = factories.concern(description="Graffiti again")
    concern_actions.mark_duplicate(duplicate, graffiti, acting_user=None)
    factories.concern(category="drug-activity", description="Dealing on the corner")
    factories.concern(point=factories.CLAYTON_POINT, description="Clayton graffiti")
    hidden = factories.concern(description="Abusive text")
    concern_actions.set_hidden(hidden, True, "Abuse", acting_user=None)
    factories.concern(
        point=(None, None),
        description="By the park",
        location_text="Smyrna park",
        area=str(town.smyrna.areas.first().pk),
    )
    return SimpleNamespace(
        town=town,
        key=create_key(town.smyrna, "Smyrna fuzz key")[1],
        clayton_key=create_key(town.clayton, "Clayton fuzz key")[1],
        token=sensitive.open311_token,
    )


def pytest_terminal_summary(terminalreporter):
    if not harness.CASES:
        return
    terminalreporter.section("fuzz cases")
    for schema, counts in sorted(harness.CASES.items()):
        terminalreporter.write_line(f"{schema}: {sum(counts.values())} cases")
        for label, n in sorted(counts.items()):
            terminalreporter.write_line(f"  {n:5d}  {label}")
