"""Volunteer sign-ups through the write path: places, the waiting list, tokens, bad input."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openbeat.projects import actions
from openbeat.projects.models import Shift, SignUp, SignUpStatus
from tests import factories


@pytest.fixture
def shift(town):
    return Shift.objects.get(role__project=factories.project(town, slots=2))


def _statuses(shift):
    return list(shift.sign_ups.order_by("id").values_list("email", "status"))


def _link(message, kind):
    body = message.get_body(("plain",)).get_content()
    pattern = r"http://testserver/projects/sign-ups/[\w-]+/" + (
        "confirm/" if kind == "confirm" else ""
    )
    found = re.findall(pattern + r"(?=\s)", body)
    assert len(found) == 1, body
    return found[0]


def test_a_sign_up_holds_no_place_until_its_address_is_confirmed(shift):
    first = factories.volunteer(shift, email="a@example.org", confirm=False)
    assert first.status == SignUpStatus.PENDING
    factories.volunteer(shift, email="b@example.org")
    factories.volunteer(shift, email="c@example.org")
    late, changed = actions.confirm_sign_up(first.token)
    # Places go in the order addresses were confirmed: a pending sign-up blocks nobody.
    assert (late.status, changed) == (SignUpStatus.WAITLISTED, True)
    assert _statuses(shift) == [
        ("a@example.org", "waitlisted"),
        ("b@example.org", "confirmed"),
        ("c@example.org", "confirmed"),
    ]
    again, changed = actions.confirm_sign_up(first.token)
    assert (again.status, changed) == (SignUpStatus.WAITLISTED, False)


def test_confirmation_promotion_and_emails_arrive_through_smtp(shift, mailbox):
    ann, outcome = actions.sign_up(shift.pk, "Ann", "Ann@Example.org")
    assert outcome == "new"
    confirm = mailbox.to("ann@example.org")
    assert [m["Subject"] for m in confirm] == [
        "Please confirm your sign-up: Neighbourhood Watch walks"
    ]
    token = _link(confirm[0], "confirm").rstrip("/").split("/")[-2]
    assert token == ann.token
    actions.confirm_sign_up(ann.token)
    factories.volunteer(shift, email="bob@example.org")
    factories.volunteer(shift, email="cy@example.org")
    assert mailbox.to("cy@example.org")[-1]["Subject"].startswith("On the waiting list:")

    cancel_link = _link(mailbox.to("ann@example.org")[-1], "manage")
    assert cancel_link.endswith(f"/sign-ups/{ann.token}/")
    _cancelled, promoted = actions.cancel_sign_up(ann.token)
    assert len(promoted) == 1
    promotion = mailbox.to("cy@example.org")[-1]
    assert promotion["Subject"].startswith("A place is yours: Neighbourhood Watch walks")
    body = promotion.get_body(("plain",)).get_content()
    assert "Where: Smyrna Town Hall" in body
    assert re.search(r"6:00 PM–8:00 PM E[SD]T", body), body
    assert _statuses(shift)[2] == ("cy@example.org", "confirmed")
    assert len(mailbox.to("ann@example.org")) == 2  # confirm, confirmed: no mail on cancel


def test_a_sign_up_never_confirmed_is_forgotten_after_a_week_by_the_worker(shift):
    from openbeat.core.worker import run_periodic_jobs
    from tests.insights.clock import at

    unconfirmed = factories.volunteer(shift, email="never@example.org", confirm=False)
    held = factories.volunteer(shift, email="held@example.org")
    run_periodic_jobs()
    assert SignUp.objects.filter(pk=unconfirmed.pk).exists()  # a day or six: still there
    with at(timezone.now() + datetime.timedelta(days=8)):
        run_periodic_jobs()
        run_periodic_jobs()
    assert list(SignUp.objects.values_list("email", flat=True)) == [held.email]


def test_a_reused_or_forged_cancel_token_changes_nothing(shift):
    signed = factories.volunteer(shift, email="a@example.org")
    waiting = [factories.volunteer(shift) for _ in range(3)]
    actions.cancel_sign_up(signed.token)
    before = _statuses(shift)
    with pytest.raises(ValidationError, match="already canceled"):
        actions.cancel_sign_up(signed.token)
    with pytest.raises(SignUp.DoesNotExist):
        # One character changed (never to the one it was: a token ending in "x" once made it
        # the real token, 1 run in 64).
        last = "y" if signed.token.endswith("x") else "x"
        actions.cancel_sign_up(signed.token[:-1] + last)
    assert _statuses(shift) == before
    assert [w.pk for w in waiting if w.status == SignUpStatus.CONFIRMED] == [waiting[0].pk]


@pytest.mark.parametrize(
    ("name", "email", "field"),
    [
        ("", "a@example.org", "name"),
        ("Ana", "not-an-email", "email"),
        ("Ana", "ana@", "email"),
        ("A" * 121, "a@example.org", "name"),
    ],
)
def test_bad_sign_ups_are_refused_and_change_nothing(shift, name, email, field):
    with pytest.raises(ValidationError) as refused:
        actions.sign_up(shift.pk, name, email)
    assert list(refused.value.message_dict) == [field]
    assert not SignUp.objects.exists()


def test_signing_up_twice_for_one_shift_makes_one_and_emails_the_address(shift, mailbox):
    first, outcome = actions.sign_up(shift.pk, "Ana", "ana@example.org", form_nonce="n1")
    same, outcome_again = actions.sign_up(shift.pk, "Ana", "ana@example.org", form_nonce="n1")
    assert (outcome, outcome_again, same.pk) == ("new", "same", first.pk)
    assert actions.sign_up(shift.pk, "Ana", "ANA@example.org", form_nonce="n2")[1] == "pending"
    actions.confirm_sign_up(first.token)
    assert actions.sign_up(shift.pk, "Ana", "ana@example.org")[1] == "already"
    assert SignUp.objects.count() == 1
    subjects = [m["Subject"].split(":")[0] for m in mailbox.to("ana@example.org")]
    assert subjects == [
        "Please confirm your sign-up",
        "Please confirm your sign-up",  # asked again: the same confirmation
        "You're on the shift",
        "You have already signed up",  # with the link to the sign-up, to the address only
    ]
    assert first.get_absolute_url() in mailbox.to("ana@example.org")[-1].get_content()
    actions.cancel_sign_up(first.token)
    again, outcome = actions.sign_up(shift.pk, "Ana", "ana@example.org")
    assert outcome == "new" and again.pk != first.pk


def test_past_shifts_take_no_sign_ups_confirmations_or_cancellations(shift):
    pending = factories.volunteer(shift, email="late@example.org", confirm=False)
    confirmed = factories.volunteer(shift, email="on@example.org")
    Shift.objects.filter(pk=shift.pk).update(
        start=timezone.now() - datetime.timedelta(hours=1), end=timezone.now()
    )
    with pytest.raises(ValidationError, match="already started"):
        actions.sign_up(shift.pk, "Ana", "ana@example.org")
    with pytest.raises(ValidationError, match="already started"):
        actions.confirm_sign_up(pending.token)
    with pytest.raises(ValidationError, match="already started"):
        actions.cancel_sign_up(confirmed.token)
    assert _statuses(shift) == [("late@example.org", "pending"), ("on@example.org", "confirmed")]


def test_a_role_with_requirements_needs_the_resident_to_meet_them(town):
    project = factories.project(town, requirements="Completed the Neighbourhood Watch training.")
    shift = Shift.objects.get(role__project=project)
    with pytest.raises(ValidationError, match="training") as refused:
        actions.sign_up(shift.pk, "Ana", "ana@example.org")
    assert list(refused.value.message_dict) == ["meets_requirements"]
    assert not SignUp.objects.exists()
    signed, _created = actions.sign_up(shift.pk, "Ana", "ana@example.org", meets_requirements=True)
    assert signed.status == SignUpStatus.PENDING


def test_an_unpublished_project_takes_no_sign_ups(town):
    project = factories.project(town)
    project.is_published = False
    project.save()
    with pytest.raises(ValidationError, match="Choose one of the shifts"):
        actions.sign_up(Shift.objects.get(role__project=project).pk, "Ana", "ana@example.org")
