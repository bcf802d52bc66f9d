"""Staff-written Markdown for email: sanitized HTML and readable plain text, links absolute.

An email is read away from the site, so a link written as "/events/" must name the site in
full (`absolute`). The HTML part is the Markdown rendered and sanitized as on the pages
(`core.markup`: no raw HTML, no script, no event handler, only http(s)/mailto/tel links), with
relative links made absolute and links in the department's colour. The plain-text part reads as
the department wrote it, without Markdown's marks: "**new unit**" is "new unit", a link is its
text followed by its full address in brackets, a list item starts with a bullet.
"""

from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from markdown_it.token import Token

from openbeat.core.markup import ALLOWED_TAGS, _md

SCHEMES = {"http", "https", "mailto", "tel"}


def absolute(url: str, base_url: str) -> str:
    """`url` resolved against the site's address; a URL with its own scheme is kept."""
    return urljoin(base_url.rstrip("/") + "/", url.strip())


def _href(base_url: str, url: str) -> str | None:
    full = absolute(url, base_url)
    return full if urlsplit(full).scheme in SCHEMES else None


def email_html(text: str | None, base_url: str, accent: str = "") -> str:
    """Sanitized HTML of Markdown `text` for an email: every href absolute, links in `accent`."""

    def attribute(tag: str, name: str, value: str) -> str | None:
        if tag == "a" and name == "href":
            return _href(base_url, value)
        return value

    extra: dict[str, dict[str, str]] = {}
    if accent:
        extra["a"] = {"style": f"color:{accent}"}
    return nh3.clean(
        _md.render(text or ""),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes=SCHEMES,
        link_rel="noopener nofollow",
        attribute_filter=attribute,
        set_tag_attribute_values=extra,
    )


def _inline(children: list[Token], base_url: str) -> str:
    out: list[str] = []
    links: list[tuple[int, str]] = []  # where each open link's text starts, and its address
    for child in children:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content or str(child.attrs.get("alt", "")))
        elif child.type == "link_open":
            links.append((len(out), _href(base_url, str(child.attrs.get("href", ""))) or ""))
        elif child.type == "link_close" and links:
            start, href = links.pop()
            label = "".join(out[start:])
            if href and label.strip() not in (href, href.removeprefix("mailto:")):
                out.append(f" ({href})")
            elif href and not label.strip():
                out.append(href)
    return "".join(out)


def email_text(text: str | None, base_url: str) -> str:
    """Markdown `text` as plain text a person reads: no Markdown marks, links in full."""
    out: list[str] = []
    lists: list[list[Any]] = []  # per open list: [ordered, next number]
    quotes = 0
    item_start = False
    in_cell = False
    row: list[str] = []
    tight = False  # the next block continues a list or a table: one line break, not two

    def add(block: str) -> None:
        nonlocal tight
        if out:
            out.append("\n" if tight else "\n\n")
        out.append(block)

    for token in _md.parse(text or ""):
        kind = token.type
        lead = "> " * quotes
        if kind in ("bullet_list_open", "ordered_list_open"):
            tight = bool(lists)
            lists.append([kind == "ordered_list_open", int(token.attrs.get("start", 1) or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            tight = bool(lists)
        elif kind == "list_item_open":
            item_start = True
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "table_open":
            tight = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            add(lead + " | ".join(row))
            tight = True
        elif kind == "table_close":
            tight = False
        elif kind in ("th_open", "td_open"):
            in_cell = True
        elif kind in ("th_close", "td_close"):
            in_cell = False
        elif kind == "hr":
            add(lead + "—" * 20)
        elif kind in ("fence", "code_block"):
            add("\n".join(lead + "    " + line for line in token.content.rstrip("\n").split("\n")))
        elif kind == "inline":
            content = _inline(token.children or [], base_url)
            if in_cell:
                row.append(" ".join(content.split()))
                continue
            indent = "  " * len(lists)
            first = lead + indent
            if lists and item_start:
                ordered, number = lists[-1]
                marker = f"{number}. " if ordered else "• "
                lists[-1][1] += ordered
                first = lead + "  " * (len(lists) - 1) + marker
                item_start = False
            lines = content.split("\n")
            add("\n".join([first + lines[0]] + [lead + indent + line for line in lines[1:]]))
            tight = bool(lists)
    return "".join(out).strip()
