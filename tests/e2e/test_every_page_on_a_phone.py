"""Every page, public and staff, on a 360 px phone in Spanish and English: nothing makes the
page scroll sideways, and axe-core finds no WCAG 2.2 A or AA violation (target size among them).

The pages are found the way people find them: links followed from the home page and, signed in
as the demo's officer, from the staff desk, in the demo town; private links (a reply, a
tracking link, a sign-up, a subscription) are opened from the database as their emails would.
One page per URL pattern is enough, so the crawl stays short. Every GET pattern Django routes
must be reached, or be listed in NOT_A_PAGE with why: a new page nobody links to fails here.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Error as PlaywrightError

from openbeat.concerns.models import Concern
from openbeat.demo.loader import DEMO_PASSWORD, load_demo
from openbeat.events import actions as event_actions
from openbeat.events.models import Occurrence, Question
from openbeat.insights import surveys
from openbeat.insights.models import SurveyInvitation
from openbeat.outreach import links
from openbeat.outreach.models import Subscription
from openbeat.projects.models import SignUp
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: F401  (the same browser as every e2e test)
from tests.e2e.test_accessibility import AXE, WCAG_AA
from tests.security.test_access_matrix import url_patterns

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 780}
NOT_FOLLOWED = ("/static/", "/media/", "/admin/", "/i18n/")

# Patterns that answer no HTML page to a GET, or only a page reached by a form (a POST, or a
# one-time emailed code), with the reason.
JSON_OR_XML = "an API answer (JSON or XML), not a page"
POSTED = "takes a form's POST; its answer is the page it redirects to, visited here"
NOT_A_PAGE = {
    **{
        name: JSON_OR_XML
        for name in (
            "agency_meetings_json",
            "api:api-root",
            "api:create_concern",
            "api:get_concern",
            "api:get_meeting",
            "api:list_concerns",
            "api:list_meetings",
            "api:openapi-json",
            "api:staff_get",
            "api:staff_list",
            "api:staff_set_status",
            "api_unrouted",
            "concerns:pins",
            "open311:discovery",
            "open311:request",
            "open311:requests",
            "open311:service",
            "open311:services",
            "open311:token",
        )
    },
    **{
        name: POSTED
        for name in (
            "concerns:flag",
            "concerns:support",
            "events:rsvp_create",
            "events:question_ask",
            "events:question_vote",
            "staff:question_moderate",
            "outreach:follow_concern",
            "outreach:follow_problem",
            "problems:volunteer",
            "projects:sign_up_create",
            "set_language",
            "staff:announcement_publish",
            "staff:announcement_withdraw",
            "staff:cancel",
            "staff:check_in",
            "staff:event_text",
            "staff:concern_assign",
            "staff:concern_duplicate",
            "staff:concern_hold",
            "staff:concern_moderate",
            "staff:concern_reclassify",
            "staff:concern_respond",
            "staff:concern_status",
            "staff:logout",
            "staff:move",
            "staff:problem_action",
            "staff:problem_action_status",
            "staff:problem_analysis",
            "staff:problem_link",
            "staff:problem_link_from_concern",
            "staff:problem_measure",
            "staff:problem_meeting",
            "staff:problem_phase",
            "staff:project_edit",
            "staff:project_hours",
            "staff:project_role",
            "staff:project_shift",
            "staff:project_shift_cancel",
            "staff:project_shift_change",
            "staff:record",
            "staff:two_factor_backup_codes",
            "staff:two_factor_reset",
        )
    },
    "staff:service_worker": "the staff meeting pages' service worker, a script, not a page",
    "api:openapi-view": "the API's documentation page, drawn by Swagger UI for programmers",
    "concerns:area_feed": "an Atom feed",
    "events:questions_live_list": "the live view's list alone, an HTML fragment its script "
    "fetches every few seconds (tests/e2e/test_questions_live.py)",
    "agency_embed": "a block framed by the agency's own website, linked from no page of ours: "
    "tests/e2e/test_outward_pages.py checks it on a phone with axe",
    "concerns:photo": "a photo",
    "officer_photo": "a photo (the demo's officers have none)",
    "staff:concern_photo": "a photo",
    "staff:engagement_csv": "a CSV download",
    "healthz": "a plain-text health check for load balancers",
    "brand_css": "a stylesheet (the site agency's colour)",
    "view_on_site": "a redirect to the object's public page",
    "staff:two_factor_verify": "asked only of an account with an authenticator (the demo's has "
    "none): tests/e2e/test_two_factor.py signs in through it on a phone",
    "problems:volunteer_confirm": "the demo town has no volunteer for a problem yet: "
    "tests/e2e/test_problems_flow.py confirms one on a phone",
    "concerns:support_confirm": "a supporter's confirmation from their email; its states are "
    "checked by tests/security/test_private_links.py",
    "rsvp_confirm": "a reply's confirmation from its email; its states are checked by "
    "tests/security/test_private_links.py",
    "problems:opt_out": "the demo town has no follower of a problem yet: "
    "tests/problems/test_problems.py opts one out",
}


def _pattern(url):
    try:
        return resolve(url.split("?", 1)[0]).view_name
    except Resolver404:
        return None


class Crawl:
    def __init__(self, page, base):
        self.page, self.base = page, base
        self.seen = {}  # URL pattern -> the URL opened for it
        self.too_wide = []
        self.violations = []

    def visit(self, url):
        name = _pattern(url)
        if name is None or name in self.seen:
            return []
        self.seen[name] = url
        try:
            answer = self.page.goto(self.base + url)
        except PlaywrightError as error:  # a calendar file or an export: a download, no page
            if "Download is starting" not in str(error):
                raise
            return []
        if answer is None or answer.status != 200:
            self.seen[name] = f"{url} ({answer.status if answer else 'no answer'})"
            return []
        if "text/html" not in answer.headers.get("content-type", ""):
            return []
        width = self.page.evaluate("document.documentElement.scrollWidth")
        if width > self.page.viewport_size["width"]:
            self.too_wide.append(f"{url}: {width} px")
        results = AXE.run(self.page, options=WCAG_AA)
        if results.violations_count:
            self.violations.append(f"== {url}\n{results.generate_report()}")
        return self.page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        )

    def follow(self, start, within=""):
        queue = [start]
        while queue:
            for href in self.visit(queue.pop(0)):
                if href.startswith(self.base):
                    href = href[len(self.base) :]
                href = href.split("#", 1)[0]
                if href.startswith("/") and within in href and not href.startswith(NOT_FOLLOWED):
                    queue.append(href)


def _emailed_links():
    """The private pages residents open from their emails: a reply, a tracking link, a
    volunteer's sign-up and its confirmation, a subscription, its confirmation and opt-out, a
    feedback form, the walk-in form of the QR code on a meeting's table; and the pages a form
    leads to (a subscription asked for, a password reset asked for and its emailed link)."""
    meeting = Occurrence.objects.filter(start__gt=timezone.now()).order_by("start").first()
    reply = event_actions.create_rsvp(meeting.pk, "Dana Phone", "dana@example.org", 1)[0]
    closed = Concern.objects.filter(closed_at__isnull=False).exclude(tracking_token="").first()
    closed.reporter_email = "rita@example.org"
    closed.save(update_fields=["reporter_email"])
    surveys.invite_after_closure(closed)
    sign_up, subscription = SignUp.objects.first(), Subscription.objects.first()
    held = Occurrence.objects.filter(start__lt=timezone.now()).order_by("-start").first()
    officer = get_user_model().objects.get(username="brandon.dunning")
    uid = urlsafe_base64_encode(force_bytes(officer.pk))
    return [
        reply.get_absolute_url(),
        f"/concerns/track/{closed.tracking_token}/",
        sign_up.get_absolute_url(),
        reverse("projects:confirm", args=[sign_up.token]),
        subscription.get_absolute_url(),
        links.confirm_url(subscription).removeprefix(settings.BASE_URL),
        links.unsubscribe_url(subscription).removeprefix(settings.BASE_URL),
        SurveyInvitation.objects.get().get_absolute_url(),
        reverse("insights:walk_in", args=[held.event.slug, held.date_key]),
        reverse("outreach:subscribe_sent"),
        reverse("question_email", args=[Question.objects.order_by("pk").first().token]),
        reverse("staff:password_reset_done"),
        reverse(
            "staff:password_reset_confirm", args=[uid, default_token_generator.make_token(officer)]
        ),
    ]


@pytest.mark.parametrize(
    "locale, viewport",
    [("es-US", PHONE_360), ("en-US", PHONE_360), ("en-US", {"width": 1280, "height": 900})],
    ids=["es-360", "en-360", "en-1280"],
)
def test_every_page_fits_a_360_px_phone_and_passes_axe(site, browser, locale, viewport, settings):
    load_demo()
    # As `openbeat demo` runs it: Smyrna PD's name and colour head every page axe checks.
    settings.SITE_AGENCY = "smyrna-pd"
    # Spanish words run longer than the English, so it is the harder test of width.
    phone = viewport is PHONE_360
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, locale=locale
    )
    crawl = Crawl(context.new_page(), site.url)
    crawl.follow("/")
    for link in _emailed_links():
        crawl.follow(link)
    page = crawl.page
    page.goto(site.url + "/staff/login/")
    page.locator("#id_username").fill("brandon.dunning")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    crawl.follow("/staff/", within="/staff/")
    context.close()

    assert crawl.too_wide == [], "pages wider than a 360 px phone"
    print("\n".join(crawl.violations))
    assert crawl.violations == [], "pages axe finds WCAG 2.2 AA violations on"
    routed = {p.name for p in url_patterns() if p.name and not p.name.startswith("admin:")}
    unreached = sorted(routed - set(crawl.seen) - set(NOT_A_PAGE))
    print(f"{len(crawl.seen)} pages, one per URL pattern, at 360 px")
    assert unreached == [], "pages no link reaches: link them, or say why in NOT_A_PAGE"
