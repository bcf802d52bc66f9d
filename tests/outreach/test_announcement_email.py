"""An announcement's email reads well in any mail program and speaks for its department.

Announcements are written in Markdown. The email is multipart/alternative: a plain-text part
without Markdown's marks (a link is its text and its full address) and a sanitized HTML part,
every link absolute (a link written "/events/" is useless in a mail program), with the
department's name as the sender and in a header band in its colour, its logo, and the
one-click unsubscribe link. Received by a real SMTP server and parsed as a mail program would.
"""

import io
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from PIL import Image

from openbeat.core.models import Agency
from openbeat.outreach import actions
from tests import factories
from tests.outreach import steps

BODY = """Meet the **new unit** at [Town Hall](/agencies/smyrna-pd/) on _Monday_.

- Coffee with a Cop: <https://example.org/coffee>
- Questions? [Write to us](mailto:cpu@smyrna.example)

<script>alert(1)</script> <a href="/x" onclick="steal()">click</a> [bad](javascript:alert(1))
"""


class _Page(HTMLParser):
    """The elements of an HTML part: (tag, attributes), in order."""

    def __init__(self, html):
        super().__init__()
        self.elements = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def hrefs(self):
        return [attrs["href"] for tag, attrs in self.elements if tag == "a"]


def _parts(message):
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _logo():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "#1f4e79").save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def smyrna(mailbox):
    town = factories.town()
    town.smyrna.colour = "#1f4e79"
    town.smyrna.logo.save("smyrna.png", _logo())
    town.smyrna.save()
    return town


def _publish(town, body=BODY, title="Community Policing Unit"):
    item = steps.announcement(town.smyrna_coordinator, town.smyrna, title=title, body=body)
    actions.publish(item, acting_user=town.smyrna_coordinator)
    return item


def test_an_announcement_is_sent_as_text_and_html_with_absolute_links(smyrna, mailbox):
    subscription = steps.subscriber(smyrna.smyrna, "reader@example.org")
    mailbox.clear()
    item = _publish(smyrna)

    [message] = mailbox.to("reader@example.org")
    text, html = _parts(message)

    # The text part: what the department wrote, without Markdown, links in full.
    assert "Meet the new unit at Town Hall (http://testserver/agencies/smyrna-pd/) on Monday." in (
        text
    )
    assert "• Coffee with a Cop: https://example.org/coffee" in text
    assert "• Questions? Write to us (mailto:cpu@smyrna.example)" in text
    for mark in ("**", "[Town Hall]", "](/", "](mailto", "_Monday_", "- Coffee", "<https"):
        assert mark not in text, mark
    assert f"http://testserver{item.get_absolute_url()}" in text

    # The HTML part: sanitized, every link absolute, the unsubscribe links in it.
    page = _Page(html)
    hrefs = page.hrefs()
    assert "http://testserver/agencies/smyrna-pd/" in hrefs
    assert "https://example.org/coffee" in hrefs and "mailto:cpu@smyrna.example" in hrefs
    assert all(urlsplit(href).scheme in ("http", "https", "mailto") for href in hrefs), hrefs
    assert all(href.startswith(("http://testserver/", "https://", "mailto:")) for href in hrefs)
    unsubscribe = steps.header(message, "List-Unsubscribe").strip("<>")
    assert unsubscribe in hrefs and unsubscribe in text
    assert f"http://testserver{subscription.get_absolute_url()}" in hrefs
    assert f"http://testserver{item.get_absolute_url()}" in hrefs
    assert "<strong>new unit</strong>" in html
    # What the department pasted as HTML is shown as text, never run.
    assert not [tag for tag, _attrs in page.elements if tag in ("script", "iframe", "style")]
    assert not [name for _tag, attrs in page.elements for name in attrs if name.startswith("on")]
    assert "javascript:" not in " ".join(hrefs)


def test_the_email_speaks_for_its_department(smyrna, mailbox):
    steps.subscriber(smyrna.smyrna, "reader@example.org")
    mailbox.clear()
    _publish(smyrna)

    [message] = mailbox.to("reader@example.org")
    assert message["From"].addresses[0].display_name == "Smyrna Police Department"
    assert message["From"].addresses[0].addr_spec == "noreply@openbeat.invalid"
    text, html = _parts(message)
    assert "Smyrna Police Department" in text.splitlines()[1]  # under the title
    logo = [a["src"] for tag, a in _Page(html).elements if tag == "img"]
    assert logo == [f"http://testserver{smyrna.smyrna.logo.url}"]
    assert "background:#1f4e79" in html  # the header band
    assert 'style="color:#1f4e79"' in html  # its links


def test_a_colour_stored_past_validation_is_not_used(smyrna, mailbox):
    # White text on yellow cannot be read: the site's own blue instead (and no logo here).
    Agency.objects.filter(pk=smyrna.smyrna.pk).update(colour="#ffcc00", logo="")
    steps.subscriber(smyrna.smyrna, "reader@example.org")
    mailbox.clear()
    _publish(smyrna)

    [message] = mailbox.to("reader@example.org")
    _text, html = _parts(message)
    assert "#ffcc00" not in html and "background:#0b4f8a" in html
    assert not [tag for tag, _attrs in _Page(html).elements if tag == "img"]


def test_a_spanish_subscriber_gets_both_parts_in_spanish(smyrna, mailbox):
    subscription = steps.subscriber(smyrna.smyrna, "lector@example.org")
    subscription.language = "es"
    subscription.save()
    mailbox.clear()
    _publish(smyrna)

    [message] = mailbox.to("lector@example.org")
    text, html = _parts(message)
    assert "Léalo en internet:" in text and "Léalo en internet:" in html
    assert '<html lang="es">' in html
    assert "su suscripción" in html and "cancelar la suscripción" in html


def test_the_weekly_digest_has_both_parts_too(smyrna, mailbox):
    steps.subscriber(smyrna.smyrna, "weekly@example.org", frequency="weekly")
    mailbox.clear()
    _publish(smyrna, title="First")
    _publish(smyrna, body="See [the calendar](/events/).", title="Second")
    actions.start_digests()

    [message] = mailbox.to("weekly@example.org")
    text, html = _parts(message)
    assert "the calendar (http://testserver/events/)" in text and "**" not in text
    assert "http://testserver/events/" in _Page(html).hrefs()
    assert "<h2" in html and "First" in html and "Second" in html


def test_other_mail_backends_get_the_same_two_parts(smyrna, settings):
    # Not SMTP (the demo's console, or an address that is not ASCII): built as Django messages.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    steps.subscriber(smyrna.smyrna, "reader@example.org")
    mail.outbox.clear()
    _publish(smyrna)

    [sent] = [m for m in mail.outbox if m.to == ["reader@example.org"]]
    message = sent.message()
    assert "Smyrna Police Department" in message["From"]
    assert [content_type for _html, content_type in sent.alternatives] == ["text/html"]
    html = sent.alternatives[0][0]
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe in _Page(html).hrefs() and "**" not in sent.body


def test_every_email_names_its_department_as_the_sender(smyrna, mailbox):
    # A confirmation from the news list, and a meeting reply's, as well as the mailings.
    steps.subscriber(smyrna.smyrna, "new@example.org", confirm=False)
    meeting = factories.event(smyrna, agency=smyrna.clayton)
    factories.rsvp(meeting.occurrences.get(), email="guest@example.org", confirm=False)

    for address, department in (
        ("new@example.org", "Smyrna Police Department"),
        ("guest@example.org", "Clayton Police Department"),
    ):
        [message] = mailbox.to(address)
        assert message["From"].addresses[0].display_name == department
        assert message["From"].addresses[0].addr_spec == "noreply@openbeat.invalid"


HOSTILE = '"><script>alert(1)</script><b onmouseover=alert(2)>x</b>\r\n<svg onload=alert(3)>'


def test_hostile_text_in_title_name_and_body_runs_nothing(smyrna, mailbox):
    # Written straight to the database, as an import or an old row would hold it.
    Agency.objects.filter(pk=smyrna.smyrna.pk).update(name="Smyrna " + HOSTILE)
    steps.subscriber(smyrna.smyrna, "reader@example.org")
    mailbox.clear()
    body = (
        HOSTILE
        + "\n\n[x](javascript:alert(4)) ![y](javascript:alert(5)) <img src=x onerror=alert(6)>"
    )
    _publish(smyrna, title="Title " + HOSTILE, body=body)

    [message] = mailbox.to("reader@example.org")
    assert message["From"].addresses[0].addr_spec == "noreply@openbeat.invalid"
    text, html = _parts(message)
    elements = _Page(html).elements
    assert not [tag for tag, _attrs in elements if tag in ("script", "svg", "iframe", "style")]
    assert not [name for _tag, attrs in elements for name in attrs if name.startswith("on")]
    assert not [v for _tag, attrs in elements for v in attrs.values() if "javascript:" in (v or "")]
    assert "alert(1)" in html and "alert(1)" in text  # shown as text, not dropped
