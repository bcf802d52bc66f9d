"""Answers to a category's extra questions, checked against each question's type."""

import datetime
import re
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from openbeat.concerns.models import Category, Datatype


def answers_from_post(post):
    """attribute[CODE]=v and attribute[CODE][]=v1&attribute[CODE][]=v2 as {code: v or [...]}."""
    answers = {}
    for key in post:
        match = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if match:
            values = post.getlist(key)
            answers[match.group(1)] = values if match.group(2) else values[-1]
    return answers


def _empty(value):
    return value in (None, "", []) or (isinstance(value, list) and not any(value))


def clean_answers(category: Category, answers: Any, errors: Any) -> dict[str, Any]:
    """The answers as stored (code -> value or list), or errors naming what to fix (an
    actions.Problems: a question the category does not have is a thing that does not exist)."""
    answers = answers or {}
    questions = {q.code: q for q in category.questions.all()}
    for code, value in answers.items():
        # An empty answer is no answer (Open311's rule for every parameter), asked or not.
        if code not in questions and not _empty(value):
            errors.not_found(
                f"attribute[{code}]",
                _("%(code)s is not a question of %(category)s.")
                % {"code": code, "category": category.name},
            )
    cleaned = {}
    for code, question in questions.items():
        value = answers.get(code)
        if _empty(value):
            if question.required:
                errors[f"attribute[{code}]"] = _("Please answer: %(question)s") % {
                    "question": question.question
                }
            continue
        problem, value = _check(question, value)
        if problem:
            errors[f"attribute[{code}]"] = problem
        else:
            cleaned[code] = value
    return cleaned


def _check(question, value):
    keys = {choice["key"] for choice in question.choices}
    if question.datatype == Datatype.MULTI:
        values = value if isinstance(value, list) else [value]
        unknown = [v for v in values if v not in keys]
        if unknown:
            return _("%(value)s is not one of the choices for %(code)s.") % {
                "value": unknown[0],
                "code": question.code,
            }, None
        return None, values
    if isinstance(value, list):
        if len(value) != 1:
            return _("%(code)s takes one answer.") % {"code": question.code}, None
        value = value[0]
    value = str(value).strip()
    if question.datatype == Datatype.SINGLE and value not in keys:
        return _("%(value)s is not one of the choices for %(code)s.") % {
            "value": value,
            "code": question.code,
        }, None
    if question.datatype == Datatype.NUMBER:
        try:
            float(value)
        except ValueError:
            return _("%(code)s must be a number.") % {"code": question.code}, None
    if question.datatype == Datatype.DATETIME:
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well-formed but impossible, e.g. 30 February
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            # A web form's date-and-time field has no zone: it is the agency's local time.
            parsed = parsed.replace(tzinfo=question.category.agency.tz)
        if parsed is None:
            return _(
                "%(code)s must be a date and time with its time zone, e.g. 2026-07-09T08:00:00-04:00."
            ) % {"code": question.code}, None
        value = parsed.astimezone(datetime.UTC).isoformat()
    if question.datatype == Datatype.STRING and "\n" in value:
        return _("%(code)s must fit on one line.") % {"code": question.code}, None
    if len(value) > 4000:
        return _("%(code)s is too long (4000 characters at most).") % {"code": question.code}, None
    return None, value
