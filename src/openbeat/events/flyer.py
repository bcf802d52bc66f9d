"""A meeting's (or a series') printable one-page flyer: as a PDF (fpdf2) and as a print page.

Both come from one `Flyer`: the title, when, where, access notes, hosts, the officers attending,
a short description, and a QR code (segno) to the meeting's page. The PDF embeds DejaVu Sans
(Debian's fonts-dejavu-core, or OPENBEAT_FLYER_FONT_DIR), which covers Spanish and most Latin,
Greek and Cyrillic text; text is cut to fit, so the flyer is always one page. A machine without
that font (a first demo before `apt-get install fonts-dejavu-core`) still gets its flyer, in the
PDF's own Helvetica: Spanish and Western European text print, other characters print as "?".
"""

import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from openbeat.core import plaintext
from openbeat.events import queries
from openbeat.events.models import Event, Occurrence

if TYPE_CHECKING:
    from fpdf import FPDF

logger = logging.getLogger(__name__)

SERIES_DATES = 6  # the next dates a series' flyer lists
DESCRIPTION_CHARS = 600
PLAIN = str.maketrans(
    {"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"}
)
# Invisible characters that reorder or hide text: a printed flyer shows them as nothing, or
# reorders a line (bidirectional overrides); they are dropped with the controls.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    """`text` as a flyer prints it: no control or invisible character, lines kept."""
    text = plaintext.clean(text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\t\x0b\x0c]", " ", INVISIBLE.sub("", text))
    return text.strip()


@dataclass
class Flyer:
    language: str
    title: str
    agency: str
    url: str
    when: list[str]
    place: str
    address: str
    access: str
    hosts: str
    officers: str
    description: str
    cancelled: bool = False
    facts: list[tuple[str, str]] = field(default_factory=list)

    def qr_svg(self) -> str:
        import segno  # here, not at start-up (openbeat.events.qr)

        buffer = io.BytesIO()
        segno.make(self.url, error="m").save(
            buffer,
            kind="svg",
            xmldecl=False,
            svgns=True,
            omitsize=True,
            scale=8,
            title=_("QR code to the meeting's page"),
            svgclass="qr",
        )
        return buffer.getvalue().decode()


def _when(occurrence: Occurrence) -> str:
    tz = occurrence.event.agency.tz
    start = timezone.localtime(occurrence.start, tz)
    end = timezone.localtime(occurrence.end, tz)
    day = formats.date_format(start, "DATE_FORMAT")
    return f"{day}, {formats.time_format(start, 'TIME_FORMAT')}–{formats.time_format(end, 'TIME_FORMAT')}"


def _common(event: Event, url: str, language: str, place, occurrences, description: str) -> Flyer:
    hosts = [event.agency.name, *(a.name for a in event.co_hosts.order_by("name"))]
    officers = [o.display_name for o in event.officers.select_related("user").order_by("id")]
    flyer = Flyer(
        language=language,
        title=printable(event.title),
        agency=printable(event.agency.name),
        url=url,
        when=[_when(o) for o in occurrences],
        place=printable(place.name),
        address=printable(place.address),
        access=printable(place.accessibility),
        hosts=printable(" & ".join(hosts)),
        officers=printable(", ".join(officers)),
        description=printable(description)[:DESCRIPTION_CHARS],
    )
    flyer.facts = [
        (_("When"), "\n".join(flyer.when) or _("No dates ahead")),
        (_("Where"), f"{flyer.place}\n{flyer.address}"),
        *([(_("Access"), flyer.access)] if flyer.access else []),
        (_("Hosted by"), flyer.hosts),
        *([(_("Officers attending"), flyer.officers)] if flyer.officers else []),
    ]
    return flyer


def for_occurrence(occurrence: Occurrence, language: str) -> Flyer:
    with translation.override(language):
        flyer = _common(
            occurrence.event,
            settings.BASE_URL + occurrence.get_absolute_url(),
            language,
            occurrence.place,
            [occurrence],
            occurrence.event.description,
        )
        flyer.cancelled = occurrence.is_cancelled
        return flyer


def for_series(event: Event, language: str) -> Flyer:
    occurrences = list(
        queries.upcoming(queries.public_occurrences().filter(event=event))
        .exclude(status="cancelled")
        .select_related("venue")[:SERIES_DATES]
    )
    place = occurrences[0].place if occurrences else event.venue
    with translation.override(language):
        return _common(
            event,
            settings.BASE_URL + event.get_absolute_url(),
            language,
            place,
            occurrences,
            event.description,
        )


def font_dir() -> Path:
    return Path(settings.OPENBEAT_FLYER_FONT_DIR)


# Letter, portrait, in millimetres; the QR code and its words fill the bottom band.
MARGIN = 18.0
BAND_TOP = 200.0


def _fit(pdf: "FPDF", text: str, width: float, height: float, room: float) -> list[str]:
    """The lines of `text` that fit in `room` millimetres, the last one cut with an ellipsis."""
    found = pdf.multi_cell(width, height, text, dry_run=True, output="LINES")
    lines = [str(line) for line in found] if isinstance(found, list) else [text]
    most = max(int(room // height), 0)
    if len(lines) <= most:
        return lines
    if most == 0:
        return []
    kept = lines[:most]
    kept[-1] = kept[-1].rstrip()[: max(len(kept[-1]) - 2, 0)] + "…"
    return kept


def pdf_bytes(flyer: Flyer) -> bytes:
    with translation.override(flyer.language):
        return _pdf(flyer)


def _pdf(flyer: Flyer) -> bytes:
    # Imported when a flyer is asked for: fpdf2 brings numpy, which serving pages does not need
    # (tests/core/test_serving_imports.py).
    from fpdf import FPDF

    fonts = font_dir()
    pdf = FPDF(orientation="portrait", unit="mm", format="Letter")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    regular, bold = fonts / "DejaVuSans.ttf", fonts / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        family = "DejaVu"
        pdf.add_font(family, "", str(regular))
        pdf.add_font(family, "B", str(bold))

        def encodable(text: str) -> str:
            return text

    else:
        logger.warning("No DejaVu Sans in %s: flyers use Helvetica (Western text only)", fonts)
        family = "helvetica"

        def encodable(text: str) -> str:
            # The PDF's standard fonts know Latin-1 only: typographic dashes, quotes and the
            # ellipsis become their plain forms, anything else "?".
            return text.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")

    pdf.set_title(flyer.title)
    pdf.set_author(flyer.agency)
    pdf.set_lang(flyer.language)
    pdf.set_creator("OpenBeat")
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    def write(text: str, size: float, style: str = "", room: float | None = None) -> None:
        pdf.set_font(family, style, size)
        height = size * 0.5
        space = (BAND_TOP - 4 - pdf.get_y()) if room is None else room
        lines = _fit(pdf, encodable(text), width, height, space)
        if lines:
            pdf.multi_cell(width, height, "\n".join(lines), new_x="LMARGIN", new_y="NEXT")

    write(flyer.agency, 13, "B", room=8)
    pdf.ln(2)
    if flyer.cancelled:
        write(_("This meeting is canceled."), 18, "B", room=10)
    write(flyer.title, 26, "B", room=40)
    pdf.ln(4)
    for label, value in flyer.facts:
        write(label, 11, "B", room=6)
        write(value, 14, room=7 * (SERIES_DATES + 1) if label == _("When") else 30)
        pdf.ln(2)
    if flyer.description:
        pdf.ln(2)
        write(flyer.description, 11)

    import segno

    png = io.BytesIO()
    segno.make(flyer.url, error="m").save(png, kind="png", scale=10, border=4)
    png.seek(0)
    qr_size = 62.0
    pdf.image(png, x=MARGIN, y=BAND_TOP, w=qr_size, h=qr_size)
    text_x = MARGIN + qr_size + 6
    pdf.set_xy(text_x, BAND_TOP + 8)
    pdf.set_font(family, "B", 16)
    scan = encodable(_("Scan for the details and to say you're coming."))
    pdf.multi_cell(pdf.w - MARGIN - text_x, 8, scan)
    pdf.set_x(text_x)
    pdf.set_font(family, "", 10)
    pdf.multi_cell(pdf.w - MARGIN - text_x, 5, encodable(flyer.url))
    return bytes(pdf.output())
