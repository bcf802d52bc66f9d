"""Retention: expired concerns are anonymised (record and public history kept), idempotently,
never under a legal hold; "delete my data"; the redacted records export."""

import csv
import datetime
import io
import secrets
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from openbeat.cli import main as openbeat
from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Concern, ConcernUpdate, Photo, Status, Supporter
from openbeat.core.models import AuditEvent, Role
from openbeat.retention import actions
from openbeat.retention.models import Anonymisation, LegalHold, RetentionRule
from tests import factories
from tests.concerns import images
from tests.tasks import drain

MONTHS = 24


def _reported(town, marker=None, category="drug-activity", **extra):
    marker = marker or secrets.token_hex(5)
    concern = factories.concern(
        category=category,
        point=("39.301234", "-75.601234"),
        description=f"Dealing outside number 12, I am Name{marker}",
        photos=[images.jpeg_with_gps()],
        name=f"Name{marker}",
        email=f"mail{marker}@example.org",
        phone=f"555{marker[:7]}",
        location_text=f"12 Home Street {marker}",
        **extra,
    )
    return concern, marker


def _closed(town, concern, months_ago):
    """Close the concern through the status action, then date the closure back."""
    concern_actions.change_status(
        concern, Status.RESOLVED, "Fixed.", acting_user=town.smyrna_officer
    )
    when = timezone.now() - datetime.timedelta(days=31 * months_ago)
    Concern.objects.filter(pk=concern.pk).update(closed_at=when)
    concern.refresh_from_db()
    return concern


def _keep_for(town, slug, months, agency=None):
    agency = agency or town.smyrna
    category = agency.categories.get(slug=slug)
    actions.set_retention(agency, {category.pk: months}, acting_user=town.smyrna_coordinator)


def _everything():
    """Every stored value that retention could change, to compare two runs."""
    rows = []
    for model in (Concern, ConcernUpdate, Photo, Supporter, AuditEvent, Anonymisation):
        rows.append(list(model.objects.order_by("pk").values()))
    return rows


def test_an_expired_concern_loses_its_reporter_but_keeps_its_public_history(
    town, django_capture_on_commit_callbacks
):
    concern, marker = _reported(town)
    factories.supporter(concern, f"follower{marker}@example.org")
    photo_file = Path(concern.photos.get().image.path)
    _closed(town, concern, MONTHS + 1)
    _keep_for(town, "drug-activity", MONTHS)
    old_token = concern.tracking_token

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.run_retention() == [concern.pk]

    concern.refresh_from_db()
    assert (concern.reporter_name, concern.reporter_email, concern.reporter_phone) == ("", "", "")
    assert concern.description == actions.REMOVED and concern.location_text == ""
    # Kept only as precisely as the public map shows it (a concern about people: ~100 m).
    assert (str(concern.latitude), str(concern.longitude)) == ("39.301000", "-75.601000")
    assert concern.tracking_token != old_token
    assert not concern.photos.exists() and not photo_file.exists()
    assert concern.supporters.get().email == ""
    # The record and its public status history stay.
    assert concern.status == Status.RESOLVED
    assert concern.updates.filter(is_public=True, status_after=Status.RESOLVED).exists()
    # Nothing of the reporter's is left anywhere in the database's rows for it, audit included.
    stored = repr(_everything())
    assert marker not in stored and "12 Home Street" not in stored
    event = AuditEvent.objects.get(action="concern.anonymised")
    assert event.actor is None and event.after == {"reason": "retention", "photos_removed": 1}


def test_the_job_is_idempotent_and_spares_fresh_held_and_kept_concerns(town):
    expired, _ = _reported(town)
    _closed(town, expired, MONTHS + 2)
    fresh, fresh_marker = _reported(town)
    _closed(town, fresh, MONTHS - 2)
    held, held_marker = _reported(town)
    _closed(town, held, MONTHS + 6)
    actions.place_hold(held, "Subpoena 2026-17", acting_user=town.smyrna_coordinator)
    kept, kept_marker = _reported(town, category="noise")  # no period for noise: kept
    _closed(town, kept, 120)
    still_open, open_marker = _reported(town)
    _keep_for(town, "drug-activity", MONTHS)

    assert actions.run_retention(dry_run=True) == [expired.pk]
    assert not Anonymisation.objects.exists()
    assert actions.run_retention() == [expired.pk]
    first = _everything()
    assert actions.run_retention() == []
    assert _everything() == first
    for concern, marker in (
        (fresh, fresh_marker),
        (held, held_marker),
        (kept, kept_marker),
        (still_open, open_marker),
    ):
        concern.refresh_from_db()
        assert concern.reporter_email == f"mail{marker}@example.org"
        assert concern.photos.exists()

    # Releasing the hold lets the next run do its work.
    actions.release_hold(held, "Case closed", acting_user=town.smyrna_coordinator)
    assert actions.run_retention() == [held.pk]


def test_the_cli_dry_run_lists_without_changing(town, capsys):
    concern, marker = _reported(town)
    _closed(town, concern, MONTHS + 1)
    _keep_for(town, "drug-activity", MONTHS)
    openbeat(["retention", "--dry-run"])
    assert f"Would anonymise 1 concern(s) past their retention period: #{concern.pk}" in (
        capsys.readouterr().out
    )
    concern.refresh_from_db()
    assert concern.reporter_email == f"mail{marker}@example.org"
    openbeat(["retention"])
    assert "Anonymised 1 concern(s)" in capsys.readouterr().out


def test_the_worker_runs_retention_daily_through_the_task_queue(transactional_db, database_tasks):
    from django_tasks_db.models import DBTaskResult

    from openbeat.retention.actions import enqueue_if_due

    town = factories.town()
    concern, _marker = _reported(town)
    _closed(town, concern, MONTHS + 1)
    _keep_for(town, "drug-activity", MONTHS)
    assert enqueue_if_due() is True
    drain()
    assert DBTaskResult.objects.get(task_path__endswith="apply_retention").status == "SUCCESSFUL"
    assert Anonymisation.objects.filter(concern=concern).exists()
    assert enqueue_if_due() is False  # done today


def test_retention_settings_are_for_agency_admins_and_audited(client, town):
    admin = factories.user("smyrna.admin", town.smyrna, Role.ADMIN)
    category = town.smyrna.categories.get(slug="noise")
    factories.sign_in(client, town.smyrna_officer)
    assert client.get("/staff/retention/").status_code == 403
    factories.sign_in(client, town.smyrna_coordinator)
    page = client.get("/staff/retention/").content.decode()
    assert "/staff/records/smyrna-pd/concerns.csv" in page and 'name="months-' not in page
    refused = client.post("/staff/retention/", {"agency": "smyrna-pd"})
    assert refused.status_code == 403
    factories.sign_in(client, admin)
    page = client.get("/staff/retention/").content.decode()
    assert "Smyrna Police Department" in page and "Clayton Police Department" not in page
    bad = client.post(
        "/staff/retention/", {"agency": "smyrna-pd", f"months-{category.pk}": "two years"}
    )
    assert bad.status_code == 400 and "whole number of months" in bad.content.decode()
    assert not RetentionRule.objects.exists()
    response = client.post(
        "/staff/retention/", {"agency": "smyrna-pd", f"months-{category.pk}": "36"}
    )
    assert response.status_code == 302
    assert RetentionRule.objects.get(category=category).months_after_closing == 36
    assert AuditEvent.objects.filter(action="retention.rule", actor=admin).exists()
    assert client.post("/staff/retention/", {"agency": "clayton-pd"}).status_code == 404


def test_a_legal_hold_needs_a_reason_and_is_audited(client, town):
    concern, _marker = _reported(town)
    factories.sign_in(client, town.smyrna_coordinator)
    refused = client.post(f"/staff/concerns/{concern.pk}/hold/", {"reason": " "})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    assert not LegalHold.objects.exists()
    client.post(f"/staff/concerns/{concern.pk}/hold/", {"reason": "Records request 88"})
    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert "Under a legal hold" in page and "Records request 88" in page
    client.post(f"/staff/concerns/{concern.pk}/hold/", {"reason": "Answered", "release": "1"})
    assert not LegalHold.objects.exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="concern.hold")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["concern.hold", "concern.hold_released"]
    # Officers cannot hold; another agency's coordinator gets "not found".
    factories.sign_in(client, town.smyrna_officer)
    assert client.post(f"/staff/concerns/{concern.pk}/hold/", {"reason": "x"}).status_code == 404
    factories.sign_in(client, town.clayton_coordinator)
    assert client.post(f"/staff/concerns/{concern.pk}/hold/", {"reason": "x"}).status_code == 404


def test_a_resident_deletes_their_data_from_the_tracking_link(client, mailbox, database_tasks):
    town = factories.town()
    concern, marker = _reported(town, category="noise")
    drain()
    assert len(mailbox.to(f"mail{marker}@example.org")) == 1  # "received", before the request
    track = f"/concerns/track/{concern.tracking_token}/"
    assert "Delete my data from this concern" in client.get(track).content.decode()
    confirm = client.get(track + "forget/")
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.content.decode()
    assert Concern.objects.get(pk=concern.pk).reporter_email  # nothing changes on GET

    # An answer queued before the request goes out after it: it finds no address.
    concern_actions.respond(concern, "Patrols this week", acting_user=town.smyrna_officer)
    done = client.post(track + "forget/")
    assert done.status_code == 200 and "Your data is deleted" in done.content.decode()
    drain()
    assert len(mailbox.to(f"mail{marker}@example.org")) == 1
    assert not any(marker in m.as_string() for m in mailbox.messages[1:])
    concern.refresh_from_db()
    assert concern.reporter_email == "" and concern.anonymisation.reason == "request"
    assert client.get(track).status_code == 404  # the old link is gone
    assert client.get(concern.get_absolute_url()).status_code == 200  # the concern stays
    assert AuditEvent.objects.filter(action="concern.anonymised", after__reason="request").exists()


def test_a_held_concern_is_not_deleted_on_request(client, town):
    concern, _marker = _reported(town)
    actions.place_hold(concern, "Litigation", acting_user=town.smyrna_coordinator)
    url = f"/concerns/track/{concern.tracking_token}/forget/"
    assert "legal hold" in client.get(url).content.decode()
    assert client.post(url).status_code == 409
    concern.refresh_from_db()
    assert concern.reporter_email


def test_staff_delete_a_reporters_data_on_their_behalf(client, town):
    first, marker = _reported(town)
    second = factories.concern(
        category="noise", email=f"mail{marker}@example.org", description="Another"
    )
    clayton = factories.concern(
        category="noise",
        point=factories.CLAYTON_POINT,
        email=f"mail{marker}@example.org",
        description="In Clayton",
    )
    factories.sign_in(client, town.smyrna_coordinator)
    url = f"/staff/concerns/{first.pk}/forget/"
    assert "for good" in client.get(url).content.decode()
    client.post(url, {"same_email": "on"})
    for concern, emptied in ((first, True), (second, True), (clayton, False)):
        concern.refresh_from_db()
        assert (concern.reporter_email == "") is emptied
    assert (
        AuditEvent.objects.filter(
            action="concern.anonymised", actor=town.smyrna_coordinator
        ).count()
        == 2
    )
    factories.sign_in(client, town.clayton_coordinator)
    assert client.post(f"/staff/concerns/{clayton.pk}/forget/").status_code == 302
    assert client.get(url).status_code == 404


def test_the_records_export_is_redacted_and_scoped(client, town):
    concern, marker = _reported(town)
    concern_actions.respond(
        concern, f"Called Name{marker} back", public=False, acting_user=town.smyrna_officer
    )
    factories.concern(category="noise", point=factories.CLAYTON_POINT, description="Clayton only")
    factories.sign_in(client, town.smyrna_coordinator)
    response = client.get("/staff/records/smyrna-pd/concerns.csv")
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert f"mail{marker}" not in body and f"555{marker[:7]}" not in body
    assert f"Called Name{marker}" not in body and "Clayton only" not in body
    (row,) = [r for r in csv.DictReader(io.StringIO(body)) if r["id"] == str(concern.pk)]
    assert row["reporter"] == "[redacted]" and row["internal_notes"] == "[withheld: 1]"
    assert (row["public_latitude"], row["public_longitude"]) == ("39.301", "-75.601")
    assert AuditEvent.objects.filter(action="records.export").exists()
    assert client.get("/staff/records/clayton-pd/concerns.csv").status_code == 404
    factories.sign_in(client, town.smyrna_officer)
    assert client.get("/staff/records/smyrna-pd/concerns.csv").status_code == 404


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)"])
def test_the_export_never_hands_a_spreadsheet_a_formula(client, town, value):
    factories.concern(description=value)
    factories.sign_in(client, town.smyrna_coordinator)
    body = client.get("/staff/records/smyrna-pd/concerns.csv").content.decode()
    (row,) = csv.DictReader(io.StringIO(body))
    assert row["description"] == "'" + value


def test_migrations_are_complete(db):
    call_command("makemigrations", "retention", "--check", "--dry-run", verbosity=0)


def test_removed_text_is_stored_in_no_language_and_shown_in_the_readers(client, town):
    from django.utils import translation

    concern, marker = _reported(town, category="noise")
    _closed(town, concern, 0)
    concern_actions.contest(concern.tracking_token, f"Still noisy, Name{marker}")
    actions.forget_reporter(concern.tracking_token)
    concern.refresh_from_db()
    assert concern.description == "" and concern.updates.get(kind="contest").body == ""
    shown = "[Removed: the reporter's text is no longer kept.]"
    english = client.get(concern.get_absolute_url()).content.decode()
    assert english.count(shown) == 2  # the description and the contest
    with translation.override("es"):
        spanish_marker = translation.gettext(shown)
    spanish = client.get(concern.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert spanish_marker in spanish and 'lang="es"' in spanish


def test_only_those_allowed_see_the_retention_link(client, town):
    factories.sign_in(client, town.smyrna_officer)
    assert "/staff/retention/" not in client.get("/staff/").content.decode()
    factories.sign_in(client, town.smyrna_coordinator)
    assert "/staff/retention/" in client.get("/staff/").content.decode()
