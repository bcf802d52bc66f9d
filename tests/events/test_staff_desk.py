"""The staff desk (/staff/): today's work at a glance, for the signed-in person's agencies only."""

import datetime
import re

from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Concern, Status
from openbeat.core import brand
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import OwnerKind, ProblemAction
from tests import factories


def _aged(concern, days):
    Concern.objects.filter(pk=concern.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def _count(page, label):
    """The figure shown beside a label of the desk's lists."""
    match = re.search(re.escape(label) + r'.*?<span class="n">(.*?)</span>', page, re.S)
    assert match, f"{label!r} is not on the desk"
    return match.group(1).strip()


def test_the_desk_shows_waiting_concerns_by_age_meetings_and_steps_due(
    client, town, django_assert_max_num_queries
):
    for days in (0, 0, 2, 5, 9):
        _aged(factories.concern(description=f"Waiting {days} days"), days)
    in_hand = factories.concern(description="Being handled")
    concern_actions.change_status(
        in_hand, Status.IN_PROGRESS, "On it.", acting_user=town.smyrna_officer
    )
    clayton_point = (39.2909, -75.6325)
    factories.concern(description="Clayton's own", point=clayton_point)
    coffee = factories.event(
        town, title="Coffee at Bridgeway", capacity=3, start=factories.in_days(2)
    )
    occurrence = coffee.occurrences.get()
    factories.rsvp(occurrence, "Ann", party_size=2)
    factories.rsvp(occurrence, "Bob", party_size=1)
    factories.rsvp(occurrence, "Cy", party_size=1)  # the meeting is full: Cy waits
    problem = problem_actions.create_problem(
        town.smyrna,
        "Speeding by the school",
        "Cars at pick-up.",
        acting_user=town.smyrna_coordinator,
    )
    problem_actions.add_action(
        problem,
        "Speed trailer on Main St",
        OwnerKind.POLICE,
        "Traffic unit",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
        acting_user=town.smyrna_coordinator,
    )
    late = problem_actions.add_action(
        problem,
        "Count cars",
        OwnerKind.COMMUNITY,
        "Watch group",
        acting_user=town.smyrna_coordinator,
    )
    ProblemAction.objects.filter(pk=late.pk).update(
        due_date=timezone.localdate() - datetime.timedelta(days=1)
    )

    client.force_login(town.smyrna_officer)
    brand.site_agency()  # a serving process has read the site's agency (kept for a minute)
    with django_assert_max_num_queries(16):  # fixed: no query per row
        page = client.get("/staff/").content.decode()
    assert _count(page, "Not yet acknowledged, reported today") == "2"
    assert _count(page, "Not yet acknowledged, 1 to 3 days") == "1"
    assert _count(page, "Overdue: not acknowledged after 3 days") == "2"
    assert _count(page, "Acknowledged or in progress") == "1"
    assert "3 of 3 places" in page and "1 waiting" in page
    assert "Speed trailer on Main St" in page
    assert re.search(r'class="late".*?Count cars.*?Overdue', page, re.S)

    client.force_login(town.clayton_officer)
    page = client.get("/staff/").content.decode()
    assert _count(page, "Not yet acknowledged, reported today") == "1"  # Clayton's own only
    assert _count(page, "Overdue: not acknowledged after 3 days") == "0"
    assert "Coffee at Bridgeway" not in page and "Speed trailer" not in page


def test_the_queue_shows_what_where_and_how_long(client, town):
    concern = factories.concern(
        description="Cars race down Main Street every morning at school time",
        location_text="Main St",
    )
    _aged(concern, 4)
    client.force_login(town.smyrna_officer)
    page = client.get("/staff/concerns/").content.decode()
    assert "Cars race down Main Street" in page
    assert "Main St" in page
    assert "4\xa0days" in page


def test_the_concern_page_leads_with_the_reply_and_names_people(client, town):
    town.smyrna_officer.first_name, town.smyrna_officer.last_name = "Brandon", "Dunning"
    town.smyrna_officer.save()
    concern = factories.concern()
    client.force_login(town.smyrna_officer)
    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    first_form = page.index(f'<form method="post" action="/staff/concerns/{concern.pk}/')
    assert page.index("Update the resident") < first_form
    assert page.index("/status/") < page.index("/assign/") < page.index("/reclassify/")
    assert re.search(r"<details[^>]*>\s*<summary>Assign", page)
    assert ">Brandon Dunning</option>" in page
    assert f">{town.smyrna_officer.username}</option>" not in page


def test_a_status_change_that_changes_nothing_tells_no_one(client, town, mailbox):
    concern = factories.concern(email="rita@example.org")
    concern_actions.change_status(
        concern, Status.ACKNOWLEDGED, "Seen.", acting_user=town.smyrna_officer
    )
    assert len(mailbox.to("rita@example.org")) == 2
    updates = concern.updates.count()
    client.force_login(town.smyrna_officer)
    url = f"/staff/concerns/{concern.pk}/status/"
    answer = client.post(url, {"status": "acknowledged", "note": ""}, follow=True)
    assert "Nothing changed" in answer.content.decode()
    assert "Saved." not in answer.content.decode()
    assert len(mailbox.to("rita@example.org")) == 2
    assert concern.updates.count() == updates
    # The same status with a reply is a public reply: said once, emailed once.
    client.post(url, {"status": "acknowledged", "note": "A patrol is booked for Friday."})
    assert len(mailbox.to("rita@example.org")) == 3
    assert "patrol is booked" in mailbox.to("rita@example.org")[-1].get_content()
    assert concern.updates.count() == updates + 1


def test_the_desk_lists_the_meetings_of_the_last_two_weeks_and_the_next_eight(client, town):
    """A monthly series has dates into the year after; the desk shows the weeks at hand."""
    series = factories.event(
        town, title="Monthly meeting", start=factories.in_days(-20), rrule="FREQ=MONTHLY;COUNT=6"
    )
    client.force_login(town.smyrna_officer)
    page = client.get("/staff/").content.decode()
    table = page.split("Meetings of the last two weeks and the next eight")[-1]
    shown = {o.pk for o in series.occurrences.all() if f"/staff/meetings/{o.pk}/" in table}
    now = timezone.now()
    at_hand = {
        o.pk
        for o in series.occurrences.all()
        if o.end >= now - datetime.timedelta(days=14)
        and o.start <= now + datetime.timedelta(weeks=8)
    }
    assert shown == at_hand and 1 <= len(at_hand) < 6
