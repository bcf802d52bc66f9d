"""Staff pages for projects: setting up, the roster, hours, CSV exports; scoped and audited."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openbeat.core.models import AuditEvent
from openbeat.projects.models import Project, Shift, SignUpStatus
from tests import factories


@pytest.fixture
def project(town):
    return factories.project(town, slots=2)


@pytest.fixture
def shift(project):
    return Shift.objects.get(role__project=project)


def _as(client, user):
    client.force_login(user)
    return client


def _started(shift):
    """The shift began an hour ago (a real shift cannot be created in the past)."""
    now = timezone.now()
    Shift.objects.filter(pk=shift.pk).update(
        start=now - datetime.timedelta(hours=1), end=now + datetime.timedelta(hours=1)
    )


def _csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_coordinator_sets_up_a_project_with_a_role_and_a_shift(client, town):
    coordinator = _as(client, town.smyrna_coordinator)
    today = timezone.localdate()
    response = coordinator.post(
        "/staff/projects/new/",
        {
            "agency": town.smyrna.pk,
            "title": "Porch lights on",
            "goal": "Every porch light on along Mill Street.",
            "programme": town.meeting.pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=30)).isoformat(),
            "is_published": "on",
        },
    )
    project = Project.objects.get(title="Porch lights on")
    assert response["Location"] == f"/staff/projects/{project.pk}/"
    coordinator.post(
        f"/staff/projects/{project.pk}/roles/",
        {"name": "Door knocker", "requirements": "Over 18."},
    )
    role = project.roles.get()
    start = timezone.localtime(timezone.now(), town.smyrna.tz) + datetime.timedelta(days=3)
    response = coordinator.post(
        f"/staff/projects/{project.pk}/shifts/",
        {
            "role": role.pk,
            "start": start.strftime("%Y-%m-%dT18:00"),
            "end": start.strftime("%Y-%m-%dT20:00"),
            "place": "Mill Street corner",
            "slots": "6",
        },
    )
    assert response.status_code == 302
    shift = role.shifts.get()
    # 18:00 typed is 18:00 in the agency's zone, stored in UTC.
    assert timezone.localtime(shift.start, town.smyrna.tz).hour == 18
    actions = list(
        AuditEvent.objects.filter(action__startswith="project").values_list("action", flat=True)
    )
    assert sorted(actions) == ["project.create", "project.role.create", "project.shift.create"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2020-01-01T18:00", "end": "2020-01-01T20:00"}, "Choose a start in the future."),
        ({"end": "START"}, "The shift must end after it starts."),
        ({"slots": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"slots": "-3"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_bad_shift_is_explained_and_nothing_is_added(client, town, project, data, message):
    start = timezone.localtime(timezone.now(), town.smyrna.tz) + datetime.timedelta(days=5)
    form = {
        "role": project.roles.get().pk,
        "start": start.strftime("%Y-%m-%dT18:00"),
        "end": start.strftime("%Y-%m-%dT20:00"),
        "place": "Town Hall",
        "slots": "4",
        **data,
    }
    if form["end"] == "START":
        form["end"] = form["start"]
    response = _as(client, town.smyrna_coordinator).post(
        f"/staff/projects/{project.pk}/shifts/", form
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Shift.objects.filter(role__project=project).count() == 1


def test_the_roster_shows_volunteers_to_staff_and_the_coordinator_logs_hours(
    client, town, project, shift
):
    ann = factories.volunteer(shift, name="Ann Smith", email="ann@example.org")
    factories.volunteer(shift, name="Bob Jones", email="bob@example.org")
    factories.volunteer(shift, name="Cy Waiting", email="cy@example.org")
    officer = _as(client, town.smyrna_officer)
    page = officer.get(f"/staff/projects/{project.pk}/").content.decode()
    assert "ann@example.org" in page and "Cy Waiting" in page
    assert "2 of 2 places taken" in page and "1 waiting" in page
    # Officers see the roster; hours are the coordinator's to log.
    response = officer.post(
        f"/staff/projects/{project.pk}/hours/", {"sign_up": ann.pk, "hours": "2"}
    )
    assert response.status_code == 404

    coordinator = _as(client, town.smyrna_coordinator)
    response = coordinator.post(
        f"/staff/projects/{project.pk}/hours/", {"sign_up": ann.pk, "hours": "2"}
    )
    assert response.status_code == 400
    assert "This shift has not started yet" in response.content.decode()
    _started(shift)
    for bad, message in (
        ("-1", "Ensure this value is greater than or equal to 0."),
        ("25", "Ensure this value is less than or equal to 24."),
        ("lots", "Enter a number."),
    ):
        response = coordinator.post(
            f"/staff/projects/{project.pk}/hours/", {"sign_up": ann.pk, "hours": bad}
        )
        assert response.status_code == 400 and message in response.content.decode(), bad
    ann.refresh_from_db()
    assert ann.hours is None
    response = coordinator.post(
        f"/staff/projects/{project.pk}/hours/", {"sign_up": ann.pk, "hours": "2.5"}
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert str(ann.hours) == "2.50"
    event = AuditEvent.objects.get(action="project.hours")
    assert (event.before, event.after, event.actor) == (
        {"hours": None},
        {"hours": "2.50"},
        town.smyrna_coordinator,
    )
    waiting = shift.sign_ups.get(status=SignUpStatus.WAITLISTED)
    response = coordinator.post(
        f"/staff/projects/{project.pk}/hours/", {"sign_up": waiting.pk, "hours": "1"}
    )
    assert response.status_code == 400
    assert "only be logged for a volunteer with a confirmed place" in response.content.decode()


def test_roster_and_hours_export_as_csv_for_the_agency_only(client, town, project, shift):
    ann = factories.volunteer(shift, name='=HYPERLINK("http://evil")', email="ann@example.org")
    factories.volunteer(shift, name="Bob Jones", email="bob@example.org")
    factories.volunteer(shift, name="Pending Pat", email="pat@example.org", confirm=False)
    _started(shift)
    from openbeat.projects import actions

    actions.log_hours(ann, "1.75", acting_user=town.smyrna_coordinator)
    staff = _as(client, town.smyrna_officer)
    roster = _csv(staff.get(f"/staff/projects/{project.pk}/roster.csv"))
    assert roster[0] == [
        "Role",
        "Start",
        "End",
        "Meeting place",
        "Name",
        "Email",
        "Status",
        "Confirmed at",
        "Hours",
    ]
    names = [row[4] for row in roster[1:]]
    # A name that a spreadsheet would run as a formula is written as text.
    assert names == ['\'=HYPERLINK("http://evil")', "Bob Jones", "Pending Pat"]
    assert [row[6] for row in roster[1:]] == ["Confirmed", "Confirmed", "Email not confirmed yet"]
    hours = _csv(staff.get(f"/staff/projects/{project.pk}/hours.csv"))
    assert hours == [
        ["Name", "Email", "Shifts worked", "Hours"],
        ['\'=HYPERLINK("http://evil")', "ann@example.org", "1", "1.75"],
    ]
    other = _as(client, town.clayton_coordinator)
    for url in ("roster.csv", "hours.csv", ""):
        assert other.get(f"/staff/projects/{project.pk}/{url}").status_code == 404
    assert project.get_absolute_url() not in other.get("/staff/projects/").content.decode()


def test_a_project_cannot_use_another_agencys_programme(client, town):
    coordinator = _as(client, town.smyrna_coordinator)
    today = timezone.localdate().isoformat()
    response = coordinator.post(
        "/staff/projects/new/",
        {
            "agency": town.smyrna.pk,
            "title": "Borrowed",
            "goal": "A goal.",
            "programme": town.clayton_meeting.pk,
            "starts_on": today,
            "ends_on": today,
        },
    )
    assert response.status_code == 400
    assert not Project.objects.exists()


def _shift_form(shift, **changes):
    tz = shift.agency.tz
    data = {
        "shift": shift.pk,
        "start": timezone.localtime(shift.start, tz).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.localtime(shift.end, tz).strftime("%Y-%m-%dT%H:%M"),
        "place": shift.place,
        "slots": shift.slots,
    }
    return {**data, **changes}


def test_a_moved_shift_tells_its_volunteers_and_more_places_go_to_the_waiting_list(
    client, town, shift, mailbox
):
    held = [factories.volunteer(shift, email=f"on{n}@example.org") for n in range(2)]
    waiting = factories.volunteer(shift, email="waiting@example.org")
    unconfirmed = factories.volunteer(shift, email="unconfirmed@example.org", confirm=False)
    mailbox.clear()
    coordinator = _as(client, town.smyrna_coordinator)
    later = timezone.localtime(shift.start, shift.agency.tz) + datetime.timedelta(days=2)
    response = coordinator.post(
        f"/staff/projects/{shift.role.project_id}/shifts/change/",
        _shift_form(
            shift,
            start=later.strftime("%Y-%m-%dT%H:%M"),
            end=(later + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            place="Library steps",
            slots=3,
        ),
    )
    assert response.status_code == 302
    shift.refresh_from_db()
    assert (shift.place, shift.slots) == ("Library steps", 3)
    for person in held:
        [changed] = mailbox.to(person.email)
        assert changed["Subject"].startswith("Shift changed: Neighbourhood Watch walks")
        assert "Where: Library steps" in changed.get_body(("plain",)).get_content()
    [promoted] = mailbox.to("waiting@example.org")  # the new place is theirs: one email
    assert promoted["Subject"].startswith("A place is yours")
    assert not mailbox.to("unconfirmed@example.org")  # an unconfirmed address is not mailed
    waiting.refresh_from_db()
    unconfirmed.refresh_from_db()
    assert (waiting.status, unconfirmed.status) == ("confirmed", "pending")
    assert AuditEvent.objects.filter(action="project.shift.change").count() == 1


def test_places_never_drop_below_the_volunteers_holding_one(client, town, shift):
    factories.volunteer(shift)
    factories.volunteer(shift)
    coordinator = _as(client, town.smyrna_coordinator)
    response = coordinator.post(
        f"/staff/projects/{shift.role.project_id}/shifts/change/",
        _shift_form(shift, slots=1, place="Elsewhere"),
    )
    assert response.status_code == 400
    assert "2 volunteers already hold places: keep at least 2 places" in response.content.decode()
    shift.refresh_from_db()
    assert (shift.slots, shift.place) == (2, "Smyrna Town Hall")
    assert not AuditEvent.objects.filter(action="project.shift.change").exists()


def test_a_cancelled_shift_tells_its_volunteers_why_and_takes_no_more_sign_ups(
    client, town, shift, mailbox
):
    from openbeat.projects import actions
    from openbeat.projects.tasks import queue_due_reminders

    held = factories.volunteer(shift, email="held@example.org")
    unconfirmed = factories.volunteer(shift, email="unconfirmed@example.org", confirm=False)
    mailbox.clear()
    coordinator = _as(client, town.smyrna_coordinator)
    url = f"/staff/projects/{shift.role.project_id}/shifts/cancel/"
    assert coordinator.post(url, {"shift": shift.pk, "reason": " "}).status_code == 400
    assert not Shift.objects.get(pk=shift.pk).is_cancelled
    response = coordinator.post(url, {"shift": shift.pk, "reason": "Storm warning: stay in."})
    assert response.status_code == 302
    [told] = mailbox.to("held@example.org")
    assert told["Subject"].startswith("Shift canceled: Neighbourhood Watch walks")
    assert "Storm warning: stay in." in told.get_body(("plain",)).get_content()
    assert not mailbox.to("unconfirmed@example.org")
    page = client.get(held.get_absolute_url()).content.decode()
    assert "This shift is canceled, and your sign-up with it." in page
    assert "Storm warning: stay in." in page
    public = client.get(shift.role.project.get_absolute_url()).content.decode()
    assert f'value="{shift.pk}"' not in public and "Canceled shifts" in public
    with pytest.raises(ValidationError, match="This shift is canceled"):
        actions.sign_up(shift.pk, "Late Comer", "late@example.org")
    with pytest.raises(ValidationError):
        actions.confirm_sign_up(unconfirmed.token)
    Shift.objects.filter(pk=shift.pk).update(start=timezone.now() + datetime.timedelta(hours=3))
    assert queue_due_reminders() == 0  # no reminder for a cancelled shift
    again = coordinator.post(url, {"shift": shift.pk, "reason": "Twice."})
    assert again.status_code == 400
    assert AuditEvent.objects.filter(action="project.shift.cancel").count() == 1
