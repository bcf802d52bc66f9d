"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

One browser serves the whole package; every resident gets a fresh browser context (own cookies,
language, JavaScript on or off) on a phone-sized screen.
"""

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 10_000
# Map tiles are requested here and answered 404 (see `site`); every other asset must load.
NO_TILES = "/static/no-tiles/"


@pytest.fixture(scope="package")
def browser():
    # Playwright's sync API runs an event loop on the main thread, so while it is up Django
    # refuses ORM calls from the test body and from the database fixtures' teardown. These tests
    # build state and read the database between browser steps, one thing at a time, so the
    # guard is lifted for exactly as long as Playwright runs: set at module level instead, the
    # variable reaches every test and subprocess of the session (`check --deploy` flags it).
    # Package scope stops the loop before tests outside tests/e2e run.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server, settings):
    """The live server, with email links pointing at it and map tiles that stay on it.

    The real tile server is on the internet, which these tests never reach; a same-origin tile
    URL that answers 404 keeps the map script working and the page's CSP unchanged.
    """
    settings.BASE_URL = live_server.url
    settings.MAP_TILES_URL = live_server.url + NO_TILES + "{z}/{x}/{y}.png"
    return live_server


class Resident:
    """One person's phone browser, noting what they would see go wrong on any page.

    `errors`: uncaught script errors. `broken`: images, styles and scripts that failed to load.
    """

    def __init__(self, context):
        self.page = context.new_page()
        self.errors = []
        self.broken = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("response", self._note_broken)

    def _note_broken(self, response):
        if (
            response.status >= 400
            and NO_TILES not in response.url
            and response.request.resource_type != "document"
        ):
            self.broken.append(f"{response.status} {response.url}")


@pytest.fixture
def resident(browser):
    """Open a phone browser: resident() in English, resident(locale="es"), resident(js=False)."""
    contexts = []

    def open_phone(locale="en-US", js=True):
        context = browser.new_context(**PHONE, locale=locale, java_script_enabled=js)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return Resident(context)

    yield open_phone
    for context in contexts:
        context.close()
