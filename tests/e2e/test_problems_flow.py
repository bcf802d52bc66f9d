"""A neighbourhood problem, worked through the whole SARA cycle in the browser.

Three residents report speeding; a coordinator at a desk opens a problem from their concern
numbers, analyses it, plans a police, a community and a partner action and starts the response;
a neighbour on a phone volunteers and confirms by email; the before/after count is computed from
concerns moved into the month before and after the response began; the coordinator records a
result, assesses and closes. Each follower hears of each phase once; the public pages pass axe in
English and Spanish; another agency's coordinator cannot see the case.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openbeat.concerns.models import Concern
from openbeat.problems.models import OwnerKind, Phase, Problem, Volunteer
from tests import factories
from tests.e2e.concern_steps import sign_in
from tests.e2e.conftest import TIMEOUT_MS, Resident
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
TITLE = "Speeding on Main Street at school time"
REPORTERS = [f"reporter{i}@example.org" for i in range(3)]
NEIGHBOUR = "neighbour@example.org"
VOLUNTEER = "vera@example.org"
PHASES = ["Analysis", "Response", "Assessment", "Closed"]
COMMUNITY_ACTION = "Speed watch with residents at pick-up"
# The response began 30 days ago: 12 concerns in the 30 days before, 2 in the 30 days after,
# a change chance alone would make less than one time in twenty.
VERDICT = (
    "Fewer concerns since the response began: down 83%, from 12 to 2 in two windows of 30 days."
)
BEFORE_AFTER = [["Before", "12", "12.0"], ["After", "2", "2.0"]]


@pytest.fixture
def town(site):
    return factories.town()


@pytest.fixture
def desk(browser, site):
    """Sign a staff member in on a desktop browser: desk(user) → the page, on the staff home."""
    contexts = []

    def open_desk(user):
        context = browser.new_context(**DESKTOP, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = Resident(context).page
        sign_in(page, site, user)
        return page

    yield open_desk
    for context in contexts:
        context.close()


def _created(concern, when):
    Concern.objects.filter(pk=concern.pk).update(created_at=when)


def _saved(page):
    expect(page.locator(".messages")).to_have_text("Saved.")


def _move_to(page, phase, note):
    page.get_by_label("Move to").select_option(label=phase)
    page.get_by_label("Note for residents").fill(note)
    page.get_by_role("button", name="Change phase and tell residents").click()
    _saved(page)
    expect(page.locator("main > p strong").first).to_have_text(phase)


def _plan(page, title, who, owner, due, volunteers=False):
    page.get_by_label("What will be done").fill(title)
    page.get_by_label("Who", exact=True).select_option(label=who)
    page.get_by_label("Owner", exact=True).fill(owner)
    page.get_by_label("Due", exact=True).fill(due.isoformat())
    expect(page.get_by_label("Public", exact=True)).to_be_checked()
    if volunteers:
        page.get_by_label("Residents can volunteer").check()
    page.get_by_role("button", name="Add to the plan").click()
    _saved(page)


def _cells(table):
    return [row.locator("th, td").all_text_contents() for row in table.locator("tbody tr").all()]


def _open_problem(desk, site, town, reports):
    page = desk(town.smyrna_coordinator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff problems").click()
    page.get_by_role("link", name="Open a problem").click()
    expect(page).to_have_url(site.url + "/staff/problems/new/")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Public summary", exact=True).fill(
        "Neighbours report cars racing down Main Street while children walk to school."
    )
    page.get_by_label("Area").select_option(label="Town of Smyrna (Smyrna Police Department)")
    page.get_by_label("Categories").select_option(label="Speeding and traffic")
    page.get_by_label("Concern numbers, comma-separated").fill(
        ", ".join(f"#{c.pk}" for c in reports)
    )
    page.get_by_role("button", name="Open it").click()

    problem = Problem.objects.get()
    expect(page).to_have_url(f"{site.url}/staff/problems/{problem.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    linked = page.locator("section.panel", has_text="Linked concerns").get_by_role("link")
    expect(linked).to_have_text([f"#{c.pk} Speeding and traffic" for c in reversed(reports)])
    assert (problem.phase, problem.area.slug) == (Phase.SCANNING, "smyrna")
    assert [c.slug for c in problem.categories.all()] == ["speeding-traffic"]
    return page, problem


def _analyse_and_plan(page):
    _move_to(page, "Analysis", "We are measuring speeds and talking to the school.")
    triangle = {
        "Place: where, and what about it": "Main Street between the school and Glenwood Avenue.",
        "Place managers": "Smyrna School District; the shops on Main Street.",
        "Victims or targets": "Children walking to school and their parents.",
        "Guardians": "Crossing guards, parents, shopkeepers.",
        "Offenders": "Through drivers cutting the corner at pick-up time.",
        "Handlers": "Employers of the commuters; the driving school.",
        "Why here, why now": "The bypass is closed for repairs until spring.",
    }
    for label, text in triangle.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page)
    expect(page.get_by_label("Why here, why now")).to_have_value(triangle["Why here, why now"])

    due = timezone.localdate() + datetime.timedelta(days=21)
    _plan(page, "Speed trailer and patrols at pick-up", "Police", "Traffic unit", due)
    _plan(page, COMMUNITY_ACTION, "Community", "Main Street neighbours", due, volunteers=True)
    _plan(
        page, "Crossing guard at Glenwood Avenue", "Partner agency", "Smyrna School District", due
    )
    plan = page.locator("section.panel", has_text="Response plan").locator("ul > li")
    expect(plan).to_have_count(3)
    _move_to(page, "Response", "The plan is under way: see who is doing what.")


def _volunteer(resident, mailbox, site, problem):
    """A neighbour offers to help on a phone and confirms from the email, later."""
    person = resident()
    page = person.page
    page.goto(site.url + problem.get_absolute_url())
    expect(page.locator(".phases [aria-current=step]")).to_have_text("Response")
    community = problem.actions.get(owner_kind=OwnerKind.COMMUNITY)
    cards = page.get_by_role("region", name="Who is doing what").locator(".card")
    expect(cards.get_by_role("heading", level=3)).to_have_count(3)
    expect(cards.locator("form")).to_have_count(1)
    card = page.locator(f"#action-{community.pk}")
    expect(card).to_contain_text("Community: Main Street neighbours · Planned")
    card.get_by_label("Your name").fill("Vera Lopez")
    card.get_by_label("Email").fill(VOLUNTEER)
    audit = Audit(person, "en")
    audit.check("public problem page with the volunteer form")
    card.get_by_role("button", name="I'll help").click()
    expect(page.locator(".messages")).to_contain_text("open the link in it to confirm")

    [message] = mailbox.wait_for(VOLUNTEER)
    assert message["Subject"] == f'Please confirm: you offered to help with "{COMMUNITY_ACTION}"'
    links = re.findall(
        re.escape(site.url) + r"/problems/volunteer/[\w-]+/",
        message.get_body(("plain",)).get_content(),
    )
    offer = Volunteer.objects.get()
    assert links == [f"{site.url}/problems/volunteer/{offer.token}/"]
    assert (offer.action, offer.name, offer.confirmed_at) == (community, "Vera Lopez", None)

    later = resident().page
    later.goto(links[0])
    expect(later.get_by_role("heading", level=1)).to_have_text("Confirm your offer to help")
    later.get_by_role("button", name="Yes, I'll help").click()
    expect(later).to_have_url(site.url + problem.get_absolute_url())
    expect(later.locator(".messages")).to_have_text("Confirmed. The organizers will be in touch.")
    offer.refresh_from_db()
    assert offer.confirmed_at is not None
    return audit


def _seed_before_and_after(problem, reports):
    """The response began 30 days ago: 12 speeding concerns in the 30 days before, 2 after.

    The three reports that revealed the problem are among the 12; a noise concern in the same
    place and a Clayton speeding concern, both after, are not the problem's and are not counted.
    The agency's record begins with a noise concern 60 days before the response, so there is
    history enough for two 30-day windows.
    """
    start = timezone.now() - datetime.timedelta(days=30)
    Problem.objects.filter(pk=problem.pk).update(response_started_at=start)
    for day, concern in enumerate(reports, start=1):
        _created(concern, start - datetime.timedelta(days=day))
    for day in range(4, 13):
        speeding = factories.concern(category="speeding-traffic", description=f"Before {day}")
        _created(speeding, start - datetime.timedelta(days=day))
    for day in range(1, 3):
        speeding = factories.concern(category="speeding-traffic", description=f"After {day}")
        _created(speeding, start + datetime.timedelta(days=day))
    _created(factories.concern(category="noise", description="Loud music"), start)
    _created(
        factories.concern(category="noise", description="Barking dog"),
        start - datetime.timedelta(days=60),
    )
    _created(
        factories.concern(category="speeding-traffic", point=factories.CLAYTON_POINT),
        start + datetime.timedelta(days=2),
    )


def _expect_results(page):
    results = page.get_by_role("region", name="Results")
    expect(results.locator(".big")).to_have_text(VERDICT)
    table = results.get_by_role("table")
    expect(table.locator("caption")).to_have_text(
        "Concerns in the 30 days before and the 30 days after the response began"
    )
    assert _cells(table) == BEFORE_AFTER


def _expect_charts(page):
    """Three charts drawn from the 14 speeding concerns in Smyrna, each with its numbers."""
    data = page.get_by_role("region", name="What the reports show")
    expect(data.get_by_role("img")).to_have_count(3)
    expect(data.locator("figcaption")).to_have_text(
        ["Concerns per month", "By hour of day", "By day of week"]
    )
    for figure in data.locator("figure").all():
        counts = figure.locator("tbody td:nth-child(2)").all_text_contents()
        assert sum(map(int, counts)) == 14, counts
        expect(figure.locator("rect.bar")).to_have_count(len(counts))


def _assess_and_close(page, problem):
    page.reload()
    expect(page.get_by_text(VERDICT)).to_be_visible()
    page.get_by_label("What was measured").fill("Cars over 35 mph at pick-up, per hour")
    page.get_by_label("Value").fill("6")
    page.get_by_label("Unit").fill("cars")
    page.get_by_role("button", name="Record").click()
    _saved(page)
    measures = page.locator("section.panel", has_text="Measures").locator("ul > li")
    expect(measures).to_have_text(["Cars over 35 mph at pick-up, per hour: 6 cars"])

    _move_to(page, "Assessment", "Speeds are down; we are checking the numbers.")
    for action in problem.actions.all():
        status = page.locator(f"#st-{action.pk}")
        status.select_option(label="Done")
        page.locator("form", has=status).get_by_role("button", name="Update").click()
        _saved(page)
    page.get_by_label("Close-out story (public)").fill(
        "Speed trailers, a crossing guard and twelve neighbours on speed watch: "
        "speeding reports fell by more than half."
    )
    page.get_by_role("button", name="Save", exact=True).click()
    _saved(page)
    _move_to(page, "Closed", "Thank you to everyone who helped.")


def _expect_closed_public_page(page, site, problem):
    page.goto(site.url + problem.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator(".phases [aria-current=step]")).to_have_text("Closed")
    expect(page.get_by_role("region", name="How it ended")).to_contain_text("speed watch")
    cards = page.get_by_role("region", name="Who is doing what").locator(".card")
    expect(cards).to_have_count(3)
    expect(cards.locator("form")).to_have_count(0)
    _expect_results(page)
    expect(page.get_by_role("region", name="Results").locator("li")).to_have_text(
        ["Cars over 35 mph at pick-up, per hour: 6 cars"]
    )
    _expect_charts(page)
    expect(page.get_by_role("region", name="History").locator("li strong")).to_have_text(
        ["Scanning", *PHASES]
    )


def _expect_hidden_from_another_agency(page, site, problem):
    """Clayton's coordinator: not in their list, 404 on the page and on a phase change."""
    page.goto(site.url + "/staff/problems/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Problems")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    url = f"{site.url}/staff/problems/{problem.pk}/"
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text(TITLE)
    [csrf] = [c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"]
    reopen = page.request.post(
        url + "phase/",
        form={"phase": "response", "note": "Reopened by another town"},
        headers={"X-CSRFToken": csrf, "Referer": url},
    )
    assert reopen.status == 404
    problem.refresh_from_db()
    assert problem.phase == Phase.CLOSED and problem.phase_changes.count() == 5


def test_three_concerns_become_a_problem_worked_through_to_close_out(
    site, mailbox, resident, desk, town
):
    reports = [
        factories.concern(
            category="speeding-traffic",
            description=f"Cars race down Main Street after school ({i}).",
            email=email,
        )
        for i, email in enumerate(REPORTERS)
    ]
    factories.supporter(reports[0], NEIGHBOUR)
    for email in REPORTERS:
        mailbox.wait_for(email)

    page, problem = _open_problem(desk, site, town, reports)
    _analyse_and_plan(page)
    problem.refresh_from_db()
    assert problem.phase == Phase.RESPONSE and problem.response_started_at is not None
    assert sorted(problem.actions.values_list("owner_kind", "wants_volunteers")) == [
        ("community", True),
        ("partner", False),
        ("police", False),
    ]

    audit = _volunteer(resident, mailbox, site, problem)
    page.reload()
    expect(page.locator("section.panel", has_text="Response plan")).to_contain_text(
        f"{COMMUNITY_ACTION} — Community: Main Street neighbours · Planned · 1 volunteer"
    )

    _seed_before_and_after(problem, reports)
    phone = resident().page
    phone.goto(site.url + problem.get_absolute_url())
    _expect_results(phone)
    _expect_charts(phone)

    _assess_and_close(page, problem)
    problem.refresh_from_db()
    assert problem.phase == Phase.CLOSED and problem.closed_at is not None

    _expect_closed_public_page(phone, site, problem)

    phase_subjects = [f"{TITLE}: now {phase}" for phase in PHASES]
    for concern, email in zip(reports, REPORTERS, strict=True):
        received = f"Received: concern #{concern.pk} (Speeding and traffic)"
        subjects = [m["Subject"] for m in mailbox.to(email)]
        assert subjects == [received, *phase_subjects], (email, subjects)
    # The first email asked the neighbour's address to confirm the support.
    assert [m["Subject"] for m in mailbox.to(NEIGHBOUR)][1:] == phase_subjects
    assert len(mailbox.to(VOLUNTEER)) == 1
    [closed] = [m for m in mailbox.to(NEIGHBOUR) if m["Subject"].endswith("now Closed")]
    body = closed.get_body(("plain",)).get_content()
    assert "Thank you to everyone who helped." in body
    assert site.url + problem.get_absolute_url() in body
    assert closed["List-Unsubscribe"].strip().startswith(f"<{site.url}/unsubscribe/")

    audits = [audit]
    for language in ("en", "es"):
        person = resident(locale=language)
        audits.append(Audit(person, language))
        person.page.goto(site.url + problem.get_absolute_url())
        expect(person.page.locator("figure svg[role=img]")).to_have_count(3)
        audits[-1].check("closed problem page with charts")
        person.page.goto(site.url + "/problems/")
        expect(person.page.get_by_role("link", name=TITLE)).to_be_visible()
        audits[-1].check("problems list")
    found = [text for a in audits for text in a.problems]
    assert not found, "\n".join(found)

    _expect_hidden_from_another_agency(desk(town.clayton_coordinator), site, problem)
