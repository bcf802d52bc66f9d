import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Concern
from openbeat.core.models import AuditEvent
from openbeat.problems import actions, analysis
from openbeat.problems.models import OwnerKind, Phase, Problem, Volunteer
from tests import factories

BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}


@pytest.fixture
def speeding(town):
    concerns = [
        factories.concern(
            category="speeding-traffic", description=f"Speeding {i}", email=f"r{i}@example.org"
        )
        for i in range(3)
    ]
    problem = actions.create_problem(
        town.smyrna,
        "Speeding near the school",
        "Cars speed at pick-up.",
        area=town.smyrna.areas.get(),
        categories=[town.smyrna.categories.get(slug="speeding-traffic")],
        concerns=concerns,
        acting_user=town.smyrna_coordinator,
    )
    return problem


def _at(concern, when):
    Concern.objects.filter(pk=concern.pk).update(created_at=when)


def test_linking_another_agencys_concern_is_refused(town, speeding):
    clayton = factories.concern(point=factories.CLAYTON_POINT)
    with pytest.raises(ValidationError, match="another agency"):
        actions.link_concerns(speeding, [clayton], acting_user=town.smyrna_coordinator)
    assert speeding.concerns.count() == 3


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "Polygon"),
        (BOWTIE, "crosses itself"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "not valid GeoJSON"),
    ],
)
def test_bad_outlines_are_refused(town, boundary, message):
    with pytest.raises(ValidationError, match=message):
        actions.create_problem(
            town.smyrna, "X", "Y", boundary=boundary, acting_user=town.smyrna_coordinator
        )
    assert not Problem.objects.exists()


def test_actions_need_an_owner_and_a_future_due_date(town, speeding):
    with pytest.raises(ValidationError) as refused:
        actions.add_action(
            speeding, "Speed trailer", OwnerKind.POLICE, "", acting_user=town.smyrna_coordinator
        )
    assert "owner_name" in refused.value.message_dict
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        actions.add_action(
            speeding,
            "Speed trailer",
            OwnerKind.POLICE,
            "Traffic unit",
            due_date=yesterday,
            acting_user=town.smyrna_coordinator,
        )
    assert "due_date" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.add_action(speeding, "X", "aliens", "Them", acting_user=town.smyrna_coordinator)
    assert not speeding.actions.exists()


def test_phases_move_one_step_and_closing_needs_an_assessment(town, speeding):
    with pytest.raises(ValidationError, match="one step at a time"):
        actions.set_phase(speeding, Phase.RESPONSE, acting_user=town.smyrna_coordinator)
    actions.set_phase(speeding, Phase.ANALYSIS, acting_user=town.smyrna_coordinator)
    actions.set_phase(speeding, Phase.RESPONSE, acting_user=town.smyrna_coordinator)
    assert speeding.response_started_at is not None
    actions.set_phase(speeding, Phase.ASSESSMENT, acting_user=town.smyrna_coordinator)
    with pytest.raises(ValidationError, match="close-out story"):
        actions.set_phase(speeding, Phase.CLOSED, acting_user=town.smyrna_coordinator)
    actions.update_analysis(
        speeding, closeout_story="Speeds fell.", acting_user=town.smyrna_coordinator
    )
    # A response begun minutes ago has no before/after to judge yet: a measure is the result.
    with pytest.raises(ValidationError, match="at least one result"):
        actions.set_phase(speeding, Phase.CLOSED, acting_user=town.smyrna_coordinator)
    actions.add_measure(speeding, "Speed checks", 12, acting_user=town.smyrna_coordinator)
    actions.set_phase(speeding, Phase.CLOSED, "Done together.", acting_user=town.smyrna_coordinator)
    speeding.refresh_from_db()
    assert speeding.phase == Phase.CLOSED and speeding.closed_at
    actions.set_phase(
        speeding, Phase.RESPONSE, "It came back.", acting_user=town.smyrna_coordinator
    )
    assert AuditEvent.objects.filter(action="problem.phase").count() == 5


def test_closing_without_any_result_is_refused(town):
    problem = actions.create_problem(
        town.smyrna, "Noise", "Loud nights", acting_user=town.smyrna_coordinator
    )
    problem.phase = Phase.ASSESSMENT
    problem.closeout_story = "We talked."
    problem.save()
    with pytest.raises(ValidationError, match="at least one result"):
        actions.set_phase(problem, Phase.CLOSED, acting_user=town.smyrna_coordinator)
    actions.add_measure(problem, "Households visited", 14, acting_user=town.smyrna_coordinator)
    actions.set_phase(problem, Phase.CLOSED, acting_user=town.smyrna_coordinator)


def test_before_and_after_matches_a_hand_count(town, speeding):
    now = timezone.now()
    start = now - datetime.timedelta(days=30)
    Problem.objects.filter(pk=speeding.pk).update(response_started_at=start, phase=Phase.RESPONSE)
    speeding.refresh_from_db()
    for (
        concern
    ) in speeding.concerns.all():  # the three linked ones: long before, outside the window
        _at(concern, start - datetime.timedelta(days=200))
    for day in range(12):  # 12 in the 30 days before
        _at(
            factories.concern(category="speeding-traffic", description=f"b{day}"),
            start - datetime.timedelta(days=day + 1),
        )
    for day in range(3):  # 3 in the 30 days after
        _at(
            factories.concern(category="speeding-traffic", description=f"a{day}"),
            start + datetime.timedelta(days=day + 1),
        )
    _at(
        factories.concern(category="noise", description="other kind"),
        start + datetime.timedelta(days=2),
    )
    _at(
        factories.concern(category="speeding-traffic", point=factories.CLAYTON_POINT),
        start + datetime.timedelta(days=2),
    )
    copy = factories.concern(category="speeding-traffic", description="copy")
    _at(copy, start + datetime.timedelta(days=3))
    concern_actions.mark_duplicate(copy, speeding.concerns.first(), acting_user=town.smyrna_officer)
    result = analysis.before_after(speeding, now=now)
    assert (result["days"], result["before"], result["after"]) == (30, 12, 3)
    assert (result["before_rate"], result["after_rate"], result["change"]) == (12.0, 3.0, -75)
    # 3 or fewer of 15 in the second window: (1 + 15 + 105 + 455) / 2^15, doubled: p = 0.035.
    assert round(result["p"], 4) == 0.0352
    assert result["verdict"] == (
        "Fewer concerns since the response began: down 75%, from 12 to 3 in two windows of 30 days."
    )


def test_before_and_after_needs_four_weeks_of_record_ten_concerns_and_a_change_beyond_chance(
    town, speeding
):
    """Each case places the same pool of concerns around the response's start: how many in
    the window before, how many after, how long the response has run, and when the agency's
    record begins (its first concern)."""
    start = timezone.now() - datetime.timedelta(days=400)
    Problem.objects.filter(pk=speeding.pk).update(response_started_at=start, phase=Phase.RESPONSE)
    speeding.refresh_from_db()
    pool = list(speeding.concerns.all()) + [
        factories.concern(category="speeding-traffic", description=f"pool {n}") for n in range(12)
    ]
    record = factories.concern(category="noise", description="The agency's first concern")
    cases = [  # (before, after, days run, days recorded before) -> (outcome, change, verdict)
        ((12, 3, 30, 900), ("fewer", -75, "Fewer concerns since the response began: down 75%")),
        ((3, 12, 30, 900), ("more", 300, "More concerns since the response began: up 300%")),
        ((0, 12, 30, 900), ("more", None, "More concerns since the response began: none before")),
        ((10, 4, 30, 900), ("same", -60, "No clear change: 10 before and 4 after the response")),
        ((1, 0, 30, 900), ("few", None, "Not enough data to compare: 1 before and 0 after")),
        ((9, 0, 30, 900), ("few", None, "Not enough data to compare")),
        ((12, 3, 27, 900), ("early", None, "Too early to compare: the response has run 27 days")),
        ((12, 3, 1000, 900), ("fewer", -75, "Fewer concerns since the response began: down 75%")),
        # The agency's first concern 40 days before: the windows stop there, and 10 before it.
        ((3, 12, 60, 40), ("more", 300, "More concerns since the response began: up 300%, f")),
        ((0, 12, 60, 10), ("history", None, "Not enough history to compare: concerns were first")),
    ]
    wrong = []
    for (before, after, ran, recorded), (outcome, change, verdict) in cases:
        days = min(ran, analysis.MAX_WINDOW_DAYS, recorded)
        for n, concern in enumerate(pool):
            if n < before:  # in the window before, its first day included
                when = start - datetime.timedelta(days=days) + datetime.timedelta(hours=n + 1)
            elif n < before + after:  # in the window after
                when = start + datetime.timedelta(hours=n + 1)
            else:  # after the second window
                when = start + datetime.timedelta(days=ran + 1 + n)
            _at(concern, when)
        _at(record, start - datetime.timedelta(days=recorded))
        result = analysis.before_after(speeding, now=start + datetime.timedelta(days=ran))
        got = (result["outcome"], result["change"], result["days"])
        if got != (outcome, change, days) or not result["verdict"].startswith(verdict):
            wrong.append(((before, after, ran, recorded), got, result["verdict"]))
    assert not wrong
    # Chance alone: an even split is p = 1; all ten in one window, 2 / 2^10.
    assert (analysis.binomial_p(5, 10), analysis.binomial_p(0, 10)) == (1.0, 2 / 1024)


def test_followers_get_each_phase_email_once_and_can_opt_out(client, town, speeding, mailbox):
    concern = speeding.concerns.first()
    factories.supporter(concern, "neighbour@example.org")
    factories.supporter(speeding.concerns.last(), "neighbour@example.org")  # follows two
    confirmations = len(mailbox.to("neighbour@example.org"))
    actions.set_phase(
        speeding, Phase.ANALYSIS, "We are looking at speeds.", acting_user=town.smyrna_coordinator
    )
    (message,) = mailbox.to("neighbour@example.org")[confirmations:]
    assert "Analysis" in message["Subject"]
    assert "We are looking at speeds." in message.get_content()
    for i in range(3):
        assert len([m for m in mailbox.to(f"r{i}@example.org") if "Analysis" in m["Subject"]]) == 1
    opt_out_url = message["List-Unsubscribe"].strip().strip("<>").replace("http://testserver", "")
    # The one-click unsubscribe of every follower's email (RFC 8058): it answers on its page.
    assert client.post(opt_out_url).status_code == 200
    actions.set_phase(speeding, Phase.RESPONSE, acting_user=town.smyrna_coordinator)
    assert len(mailbox.to("neighbour@example.org")) == confirmations + 1
    assert len(mailbox.to("r0@example.org")) >= 2


def test_a_resident_volunteers_and_confirms_by_email(client, town, speeding, mailbox):
    watch = actions.add_action(
        speeding,
        "Speed watch with residents",
        OwnerKind.COMMUNITY,
        "Main Street neighbours",
        wants_volunteers=True,
        acting_user=town.smyrna_coordinator,
    )
    police = actions.add_action(
        speeding,
        "Speed trailer",
        OwnerKind.POLICE,
        "Traffic unit",
        acting_user=town.smyrna_coordinator,
    )
    page = client.get(speeding.get_absolute_url()).content.decode()
    assert "I&#x27;ll help" in page or "I'll help" in page
    url = f"/problems/{speeding.pk}/actions/{watch.pk}/volunteer/"
    client.post(url, {"name": "Vera", "email": "vera@example.org"})
    client.post(url, {"name": "Vera", "email": "vera@example.org"})
    offer = Volunteer.objects.get()
    assert offer.confirmed_at is None
    # Offered twice: asked twice to confirm, by email; the page answered the same both times.
    first, second = mailbox.to("vera@example.org")
    confirm = f"/problems/volunteer/{offer.token}/"
    assert confirm in first.get_content() and confirm in second.get_content()
    client.post(confirm)
    offer.refresh_from_db()
    assert offer.confirmed_at is not None
    client.post(
        f"/problems/{speeding.pk}/actions/{police.pk}/volunteer/",
        {"name": "V", "email": "v2@example.org"},
    )
    assert Volunteer.objects.count() == 1


def test_public_page_shows_plan_results_and_charts_but_not_internal_steps(client, town, speeding):
    actions.add_action(
        speeding,
        "Talk to the school",
        OwnerKind.PARTNER,
        "Smyrna School District",
        acting_user=town.smyrna_coordinator,
    )
    actions.add_action(
        speeding,
        "Plain-clothes watch",
        OwnerKind.POLICE,
        "Unit",
        is_public=False,
        acting_user=town.smyrna_coordinator,
    )
    page = client.get(speeding.get_absolute_url()).content.decode()
    assert "Talk to the school" in page and "Plain-clothes watch" not in page
    assert page.count('role="img"') == 3 and "<table" in page
    assert "r0@example.org" not in page


@pytest.mark.parametrize("user", ["clayton_officer", "clayton_coordinator", "outsider"])
def test_other_agencies_get_404_on_staff_problem_pages(client, town, speeding, user):
    client.force_login(getattr(town, user))
    assert client.get(f"/staff/problems/{speeding.pk}/").status_code == 404
    assert (
        client.post(f"/staff/problems/{speeding.pk}/phase/", {"phase": "analysis"}).status_code
        == 404
    )
    speeding.refresh_from_db()
    assert speeding.phase == Phase.SCANNING


def test_staff_open_a_problem_from_concern_numbers(client, town):
    concerns = [factories.concern(description=f"Graffiti {i}") for i in range(3)]
    clayton = factories.concern(point=factories.CLAYTON_POINT)
    client.force_login(town.smyrna_coordinator)
    numbers = ", ".join(str(c.pk) for c in concerns)
    refused = client.post(
        "/staff/problems/new/",
        {
            "title": "Graffiti wave",
            "summary": "Tags everywhere",
            "concerns": f"{numbers}, {clayton.pk}",
        },
    )
    assert (
        refused.status_code == 400
        and f"#{clayton.pk} is not one of your agency" in refused.content.decode()
    )
    response = client.post(
        "/staff/problems/new/",
        {"title": "Graffiti wave", "summary": "Tags everywhere", "concerns": numbers},
    )
    problem = Problem.objects.get()
    assert response.url == f"/staff/problems/{problem.pk}/"
    assert problem.concerns.count() == 3


def test_officers_cannot_open_problems(client, town):
    client.force_login(town.smyrna_officer)
    assert client.post("/staff/problems/new/", {"title": "X", "summary": "Y"}).status_code == 403
    assert not Problem.objects.exists()


def test_phase_change_in_the_staff_page_explains_refusals(client, town, speeding):
    client.force_login(town.smyrna_coordinator)
    response = client.post(f"/staff/problems/{speeding.pk}/phase/", {"phase": "closed"})
    assert response.status_code == 400 and "one step at a time" in response.content.decode()


def test_staff_link_a_concern_from_the_triage_page_and_a_meeting(client, town, speeding):
    concern = factories.concern(category="speeding-traffic", description="Another speeder")
    client.force_login(town.smyrna_officer)
    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert "Speeding near the school" in page
    client.post(f"/staff/concerns/{concern.pk}/problem/", {"problem": speeding.pk})
    assert speeding.concerns.filter(pk=concern.pk).exists()
    meeting = factories.event(town, start=factories.in_days(3)).occurrences.get()
    client.post(f"/staff/problems/{speeding.pk}/meetings/", {"meeting": meeting.pk})
    assert "Problems discussed" in client.get(meeting.get_absolute_url()).content.decode()
    client.force_login(town.clayton_coordinator)
    other = factories.concern(point=factories.CLAYTON_POINT)
    assert (
        client.post(f"/staff/concerns/{other.pk}/problem/", {"problem": speeding.pk}).status_code
        == 404
    )


def test_queue_selection_opens_a_problem_with_those_concerns(client, town):
    concerns = [factories.concern(description=f"Tag {i}") for i in range(2)]
    client.force_login(town.smyrna_coordinator)
    assert 'form="to-problem"' in client.get("/staff/concerns/").content.decode()
    page = client.get(
        "/staff/problems/new/", {"concern": [c.pk for c in concerns]}
    ).content.decode()
    assert f"{concerns[0].pk}, {concerns[1].pk}" in page


def test_a_closed_problem_takes_no_volunteers_and_errors_show_at_the_form(client, town, speeding):
    watch = actions.add_action(
        speeding,
        "Speed watch",
        OwnerKind.COMMUNITY,
        "Neighbours",
        wants_volunteers=True,
        acting_user=town.smyrna_coordinator,
    )
    url = f"/problems/{speeding.pk}/actions/{watch.pk}/volunteer/"
    refused = client.post(url, {"name": "   ", "email": "v@example.org"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Please tell us your name." in page and 'value="v@example.org"' in page
    for phase in (Phase.ANALYSIS, Phase.RESPONSE, Phase.ASSESSMENT):
        actions.set_phase(speeding, phase, acting_user=town.smyrna_coordinator)
    actions.add_measure(speeding, "Checks", 3, acting_user=town.smyrna_coordinator)
    actions.update_analysis(speeding, closeout_story="Done.", acting_user=town.smyrna_coordinator)
    actions.set_phase(speeding, Phase.CLOSED, acting_user=town.smyrna_coordinator)
    assert "I&#x27;ll help" not in client.get(speeding.get_absolute_url()).content.decode()
    assert client.post(url, {"name": "Vera", "email": "vera@example.org"}).status_code == 400
    assert not Volunteer.objects.exists()


def test_a_response_begun_yesterday_shows_no_percentage_on_any_page(client, town, speeding):
    from openbeat.insights import dashboards

    yesterday = timezone.now() - datetime.timedelta(days=1)
    Problem.objects.filter(pk=speeding.pk).update(
        response_started_at=yesterday, phase=Phase.RESPONSE
    )
    _at(speeding.concerns.first(), yesterday - datetime.timedelta(hours=2))  # one just before
    dashboards.refresh(town.smyrna.pk)
    body = client.get("/agencies/smyrna-pd/transparency/").content.decode()
    assert "Too early to compare: the response has run 1 day." in body
    assert "-100%" not in body
    assert "A comparison needs at least 28 days and 10 concerns in the two windows" in body
    page = client.get(speeding.get_absolute_url()).content.decode()
    assert "Too early to compare: the response has run 1 day, and a comparison needs" in page
    assert "a rise or fall is called only when chance alone would make it less than" in page
