"""`{% chrome "head" %}`, `{% chrome "header" %}`, `{% chrome "footer" %}`: the parts every page
shares (core/templates/chrome/), rendered once per process for each language, signed-in or not,
face of the site's agency and URL prefix, instead of on every page.

Those parts are most of base.html: its links (a dozen URLs reversed), its menu and footer (two
dozen translations). On a page-cache miss of the concerns' list they were about a fifth of the
page's CPU time, and every page rendered them again though they differ only by what the key
names. The one value a request adds, the page's own address in the language form's `next`, is
written into the rendered text at a marker, escaped as the template would have escaped it.
What is kept is a function of the key alone: a renamed or recoloured site agency is a new key
(`core.brand` forgets its agency when one is saved), a new deployment a new process.
"""

import threading
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

PARTS = ("head", "header", "footer")
# Stands for the page's address in the rendered header: nothing the template escapes.
NEXT_PATH = "openbeat-chrome-next-path-8c1f"
MOST = 64  # kept texts; each ~2-4 KB (a site agency renamed or restyled adds new ones)
_rendered: dict[tuple[Any, ...], str] = {}
_lock = threading.Lock()


def _face(agency: Any) -> tuple[Any, ...] | None:
    """What the parts show of the site's agency."""
    if not agency:
        return None
    return (agency.pk, agency.name, agency.logo.name if agency.logo else "", agency.colour)


@receiver(setting_changed)
def forget(**kwargs: Any) -> None:
    """A test's changed setting (URLs, static files, languages) renders the parts afresh."""
    with _lock:
        _rendered.clear()


@register.simple_tag(takes_context=True)
def chrome(context: template.Context, part: str) -> SafeString:
    if part not in PARTS:
        raise template.TemplateSyntaxError(f"chrome: no part {part!r}; one of {PARTS}")
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    agency = context.get("site_agency")
    key = (part, translation.get_language(), signed_in, _face(agency), get_script_prefix())
    text = _rendered.get(key)
    if text is None:
        text = get_template(f"chrome/{part}.html").render(
            {"site_agency": agency, "signed_in": signed_in, "next_path": NEXT_PATH}
        )
        with _lock:
            if len(_rendered) >= MOST:
                _rendered.clear()
            _rendered[key] = text
    if part == "header":
        request = context.get("request")
        path = request.get_full_path() if request is not None else ""
        text = text.replace(NEXT_PATH, escape(path))
    return mark_safe(text)  # noqa: S308 (our templates' output; the path escaped above)
