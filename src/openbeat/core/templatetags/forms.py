"""`{% error_summary form %}`: the form's mistakes listed at its top, each linked to its field.

A long form (a report, an RSVP, a staff page of several forms) says what is wrong beside each
field, which may be far below the first screen on a phone. The summary (the GOV.UK pattern)
says it at the top too: a heading with the number of problems, then each message linked to the
field it is about, so a keyboard or screen-reader user jumps straight there. Errors about the
whole form are listed without a link. A form whose error key is not a field (a location made of
several fields, say) names its target in `error_anchors = {"key": "element-id"}`.
"""

from dataclasses import dataclass

from django import forms, template
from django.core.exceptions import NON_FIELD_ERRORS

register = template.Library()


@dataclass(frozen=True)
class Problem:
    message: str
    anchor: str  # the id of the element to jump to; "" for an error about the whole form


def problems(form: forms.BaseForm) -> list[Problem]:
    """Each error message of a bound form, in the order its fields are shown."""
    if not form.is_bound or not form.errors:
        return []
    anchors: dict[str, str] = getattr(form, "error_anchors", {})
    found = [Problem(str(m), "") for m in form.errors.get(NON_FIELD_ERRORS, [])]
    keys = [name for name in form.fields if name in form.errors]
    keys += [key for key in form.errors if key not in form.fields and key != NON_FIELD_ERRORS]
    for key in keys:
        if key in anchors:
            anchor = anchors[key]
        elif key in form.fields and not form[key].is_hidden:
            anchor = form[key].id_for_label or ""
        else:
            anchor = ""
        found += [Problem(str(message), anchor) for message in form.errors[key]]
    return found


@register.inclusion_tag("core/_error_summary.html")
def error_summary(form: forms.BaseForm | None) -> dict[str, object]:
    found = problems(form) if form is not None else []
    ident = f"{form.prefix}-problems" if form is not None and form.prefix else "problems"
    return {"problems": found, "ident": ident}
