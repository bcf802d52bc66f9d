"""The Atom feeds' writer: whatever is stored, the feed is well-formed and carries no live markup.

Django's Atom1Feed answers 500 for a control character anywhere in a feed (a resident's report
could take an area's feed down for everyone), and always sends an entry's summary as
`type="html"`, so a feed reader would run a resident's `<b onmouseover=…>` as markup. Here every
text is cleaned of what XML cannot carry (openbeat.core.plaintext), and a summary is plain text
unless the feed declares it sanitised HTML.
"""

from typing import Any

from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import SimplerXMLGenerator

from openbeat.core import plaintext


def _clean(value: object) -> object:
    if isinstance(value, list | tuple):  # categories
        return [plaintext.clean(v) for v in value]
    return plaintext.clean(value)


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _clean(value) for key, value in values.items()}


class TextAtomFeed(Atom1Feed):
    """Summaries are plain text: what residents wrote is shown as they wrote it, never run."""

    summary_type = "text"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.feed = _cleaned(self.feed)

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*args, **kwargs)
        self.items[-1] = _cleaned(self.items[-1])

    def item_attributes(self, item: dict[str, Any]) -> dict[str, str]:
        attributes: dict[str, str] = super().item_attributes(item)
        if item.get("lang"):  # an entry in another language than the feed's (xml:lang)
            attributes["xml:lang"] = str(item["lang"])
        return attributes

    def add_item_elements(self, handler: SimplerXMLGenerator, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": self.summary_type})


class SanitisedHtmlAtomFeed(TextAtomFeed):
    """Summaries are HTML that openbeat.core.markup has sanitised (staff Markdown)."""

    summary_type = "html"
