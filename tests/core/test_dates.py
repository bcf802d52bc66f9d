"""Every date a person types is bounded: enumerated over every form of the project."""

import importlib
import inspect
import pkgutil

from django import forms

import openbeat
from openbeat.core import dates


def _project_forms():
    for module_info in pkgutil.walk_packages(openbeat.__path__, "openbeat."):
        if ".migrations" in module_info.name or module_info.name.endswith(".cli"):
            continue
        module = importlib.import_module(module_info.name)
        for _, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__:
                yield form


def test_every_date_field_of_every_form_refuses_impossible_years():
    seen, unbounded = [], []
    for form in _project_forms():
        for name, field in getattr(form, "base_fields", {}).items():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                seen.append(f"{form.__name__}.{name}")
                if dates.plausible_year not in field.validators:
                    unbounded.append(f"{form.__module__}.{form.__name__}.{name}")
    assert len(seen) >= 10, seen  # the finder, moves, shifts, projects, announcements, reports…
    assert unbounded == [], f"use openbeat.core.dates' fields: {unbounded}"
