"""The interface speaks US English (the departments are American), with a British catalogue.

Every string a person reads is written in US spelling in the source: a British spelling in a
new msgid or template fails here. Readers whose browser asks for British English (or who choose
it) get locale/en_GB's spellings. Dates have one long and one short form per language, never
the numeric "12/05/2026" a reader from elsewhere takes for another day, and a time never ends
a sentence with a doubled period ("1:47 a.m..").
"""

import datetime
import io
import re
import tokenize
from pathlib import Path

import pytest
from django.template import defaultfilters
from django.utils import translation
from django.utils.translation.template import templatize

from tests import factories

SOURCE = Path(__file__).resolve().parent.parent / "src" / "openbeat"

# British spellings (and their inflections) with a different US form.
BRITISH = re.compile(
    r"\b(neighbour\w*|programmes?|colour\w*|organis\w*|cancell(ed|ing)|catalogue\w*|centre[sd]?"
    r"|(kilo)?metres?|behaviour\w*|favour\w*|honour\w*|labour\w*|licence\w*|anonymis\w*"
    r"|sanitis\w*|recognis\w*|analys(e|ed|ing)|enrolment|grey|whilst|amongst|travell(ed|ing))\b",
    re.IGNORECASE,
)
# A placeholder names a parameter, not a word anybody reads: "%(colour)s" stays.
PLACEHOLDER = re.compile(r"%\([^)]*\)|\{\{.*?\}\}|\{[a-z_]+\}")
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext_lazy"}


def _british(text):
    return [m.group() for m in BRITISH.finditer(PLACEHOLDER.sub("", text))]


def _python_messages(path):
    """The literals given to a gettext function in a Python file."""
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text()).readline))
    for i, token in enumerate(tokens[:-1]):
        if token.type == tokenize.NAME and token.string in GETTEXT and tokens[i + 1].string == "(":
            depth = 0
            for inner in tokens[i + 1 :]:
                if inner.type == tokenize.OP and inner.string in "([{":
                    depth += 1
                elif inner.type == tokenize.OP and inner.string in ")]}":
                    depth -= 1
                    if not depth:
                        break
                elif inner.type == tokenize.STRING:
                    yield inner.string


def _template_messages(path):
    """What makemessages would extract from a template: its gettext calls' literals."""
    code = templatize(path.read_text(), origin=str(path))
    yield from re.findall(
        r"""(?:gettext|pgettext|ngettext)\((?:[^()'"]|'[^']*'|"[^"]*")*\)""", code
    )


def _sources():
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, _python_messages(path)
    for path in sorted(SOURCE.rglob("templates/**/*")):
        if path.is_file():
            yield path, _template_messages(path)


def test_every_message_is_written_in_us_english():
    found = {}
    for path, messages in _sources():
        for message in messages:
            if words := _british(message):
                found.setdefault(str(path.relative_to(SOURCE)), []).extend(words)
    assert not found, f"British spellings in source strings (write US, add en_GB): {found}"


def test_the_catalogues_translate_us_msgids():
    # The Spanish and British catalogues are keyed by the US msgids (a British msgid left in a
    # catalogue would be a translation the pages no longer ask for).
    for language in ("es", "en_GB"):
        text = (SOURCE / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
        msgids = re.findall(r'^msgid(?:_plural)? ((?:".*"\n)+)', text, re.MULTILINE)
        british = [m for m in msgids if _british("".join(re.findall(r'"(.*)"', m)))]
        assert not british, (language, british[:5])


def test_the_checker_finds_a_british_spelling():
    assert _british("Neighbourhood programmes were cancelled in the town centre.") == [
        "Neighbourhood",
        "programmes",
        "cancelled",
        "centre",
    ]
    assert _british("White text on %(colour)s: choose a darker color.") == []


def test_british_readers_get_british_spelling(town, client):
    page = client.get("/programmes/", HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert '<html lang="en-gb">' in page
    assert "<h1>Programmes</h1>" in page and "neighbourhood safe" in page

    page = client.get("/programmes/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Programs</h1>" in page and "neighborhood safe" in page
    assert "Programme" not in page


def test_the_language_switcher_offers_each_language(town, client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert 'value="en-gb" lang="en-gb">English (UK)</button>' in page
    assert 'value="es" lang="es">Español</button>' in page
    assert 'value="en" ' not in page  # the page is already in it

    client.post("/i18n/setlang/", {"language": "en-gb", "next": "/programmes/"})
    page = client.get("/programmes/").content.decode()
    assert '<html lang="en-gb">' in page and "<h1>Programmes</h1>" in page
    assert 'value="en" lang="en">English (US)</button>' in page


MOMENT = datetime.datetime(2026, 12, 5, 13, 47)  # a Saturday, 1:47 in the afternoon


@pytest.mark.parametrize(
    ("language", "long", "short", "time"),
    [
        ("en", "Saturday, December 5, 2026", "Dec 5, 2026", "1:47 PM"),
        ("en-gb", "Saturday 5 December 2026", "5 Dec 2026", "13:47"),
        ("es", "sábado, 5 de diciembre de 2026", "5 dic 2026", "13:47"),
    ],
)
def test_one_long_and_one_short_date_per_language(language, long, short, time):
    with translation.override(language):
        assert defaultfilters.date(MOMENT, "DATE_FORMAT") == long
        assert defaultfilters.date(MOMENT, "SHORT_DATE_FORMAT") == short
        assert defaultfilters.time(MOMENT, "TIME_FORMAT") == time
        assert defaultfilters.date(MOMENT, "DATETIME_FORMAT") == f"{long}, {time}"
        assert defaultfilters.date(MOMENT, "SHORT_DATETIME_FORMAT") == f"{short}, {time}"
        for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT"):
            written = defaultfilters.date(MOMENT, name)
            assert "/" not in written and not written.endswith(".")


def test_a_meetings_page_title_gives_its_date_in_words(town, client):
    event = factories.event(town, start=factories.in_days(9, hour=19))
    occurrence = event.occurrences.get()
    page = client.get(occurrence.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    day = occurrence.start.astimezone(event.agency.tz)
    with translation.override("es"):
        spanish = defaultfilters.date(day, "DATE_FORMAT")
    assert f"<title>{event.title}, {spanish}" in page
    assert occurrence.date_key not in page.split("</title>")[0]
