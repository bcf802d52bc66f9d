"""`{% scrolltable %}…{% endscrolltable %}`: a data table that scrolls inside a phone's width.

A table wider than the screen would make the whole page scroll sideways. Wrapped, only the table
scrolls, in a region named by the table's caption that a keyboard can reach (tabindex) and
scroll with the arrow keys. The caption's id comes from the table's own content, so the same
page renders the same bytes (and ETag) every time.
"""

import hashlib
import re

from django import template
from django.template.base import Parser, Token
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CAPTION = re.compile(r"<caption(\s[^>]*)?>")


class ScrollTableNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        inner = self.nodelist.render(context)
        ident = "table-" + hashlib.blake2s(inner.encode(), digest_size=5).hexdigest()
        html, found = CAPTION.subn(lambda m: f'<caption id="{ident}"{m.group(1) or ""}>', inner, 1)
        named = f' aria-labelledby="{ident}"' if found else ""
        return mark_safe(  # noqa: S308  (our own template's output, escaped when it rendered)
            f'<div class="table-scroll" role="region"{named} tabindex="0">{html}</div>'
        )


@register.tag
def scrolltable(parser: Parser, token: Token) -> ScrollTableNode:
    nodelist = parser.parse(("endscrolltable",))
    parser.delete_first_token()
    return ScrollTableNode(nodelist)
