"""The Django admin shows each agency only its own rows (and co-hosted events)."""

from openbeat.core.models import AuditEvent, Role, Venue
from tests import factories


def test_admin_event_list_is_scoped(client, town):
    factories.event(town, title="Smyrna Only")
    factories.event(town, title="Shared Coffee", co_hosts=[town.clayton])
    client.force_login(town.clayton_officer)
    page = client.get("/admin/events/event/").content.decode()
    assert "Shared Coffee" in page and "Smyrna Only" not in page


def test_admin_other_agency_venue_is_404_like(client, town):
    client.force_login(town.clayton_coordinator)
    response = client.get(f"/admin/core/venue/{town.hall.pk}/change/", follow=True)
    # Django's admin answers "doesn't exist" for rows outside the queryset: no data shown.
    assert "27 South Market Street" not in response.content.decode()
    assert "Clayton Town Hall" in client.get("/admin/core/venue/").content.decode()


def test_officer_can_view_but_not_change_venues(client, town):
    client.force_login(town.smyrna_officer)
    assert client.get("/admin/core/venue/").status_code == 200
    response = client.post(
        f"/admin/core/venue/{town.hall.pk}/change/",
        {
            "agency": town.smyrna.pk,
            "name": "Renamed",
            "address": "x",
            "latitude": "39.3",
            "longitude": "-75.6",
        },
    )
    assert response.status_code == 403
    assert Venue.objects.get(pk=town.hall.pk).name == "Smyrna Town Hall"


def test_coordinator_change_is_audited_with_before_and_after(client, town):
    client.force_login(town.smyrna_coordinator)
    response = client.post(
        f"/admin/core/venue/{town.hall.pk}/change/",
        {
            "agency": town.smyrna.pk,
            "name": "Smyrna Town Hall",
            "address": "27 S Market St",
            "latitude": "39.2995",
            "longitude": "-75.6047",
            "accessibility": "Ramp",
        },
    )
    assert response.status_code == 302
    entry = AuditEvent.objects.get(action="venue.update")
    assert entry.actor == town.smyrna_coordinator
    assert entry.before["address"] == "27 South Market Street, Smyrna, DE"
    assert entry.after["address"] == "27 S Market St"


def test_coordinator_cannot_assign_a_venue_to_another_agency(client, town):
    client.force_login(town.smyrna_coordinator)
    response = client.post(
        "/admin/core/venue/add/",
        {
            "agency": town.clayton.pk,
            "name": "Sneaky",
            "address": "x",
            "latitude": "39.3",
            "longitude": "-75.6",
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert not Venue.objects.filter(name="Sneaky").exists()


def test_admin_event_with_runaway_rule_shows_what_to_fix(client, town):
    client.force_login(town.smyrna_coordinator)
    response = client.post(
        "/admin/events/event/add/",
        {
            "agency": town.smyrna.pk,
            "programme": town.meeting.pk,
            "title": "Runaway",
            "slug": "runaway",
            "venue": town.hall.pk,
            "start_0": "2030-01-01",
            "start_1": "18:00",
            "duration_minutes": "60",
            "rrule": "FREQ=DAILY",
            "waitlist": "on",
            "is_published": "on",
        },
    )
    assert response.status_code == 200
    assert "never ends" in response.content.decode()
    assert not town.smyrna.events.filter(slug="runaway").exists()


def test_only_agency_administrators_read_the_audit_log(client, town):
    factories.event(town, title="Smyrna Only")  # staff writes fill the log
    chief = factories.user("smyrna.chief", town.smyrna, Role.ADMIN)
    entry = AuditEvent.objects.filter(agency=town.smyrna).first()
    for person in (town.smyrna_officer, town.smyrna_coordinator):
        client.force_login(person)
        assert client.get("/admin/core/auditevent/").status_code == 403, person
        assert client.get(f"/admin/core/auditevent/{entry.pk}/change/").status_code == 403
        assert "/admin/core/auditevent/" not in client.get("/admin/").content.decode()
    client.force_login(chief)
    assert client.get(f"/admin/core/auditevent/{entry.pk}/change/").status_code == 200
    assert "/admin/core/auditevent/" in client.get("/admin/").content.decode()
