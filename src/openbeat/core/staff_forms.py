"""The one way a staff page submits a form to a write path."""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _

F = TypeVar("F", bound=forms.BaseForm)


def show_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Each message beside its field when the form has it, above the form otherwise."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def apply_form(
    request: HttpRequest,
    form: F,
    write: Callable[[dict[str, Any]], object],
    done: str,
    show_again: Callable[[F], HttpResponse],
) -> HttpResponse | HttpResponseRedirect:
    """Run `write(cleaned_data)` for a valid form and go to `done`; otherwise `show_again(form)`
    renders the page with the form's mistakes. A ValidationError from the write path (the
    invariant it protects) is shown as the form's own error, so nothing is half-saved. A write
    that returns False changed nothing and has said so itself: no "Saved." then."""
    if form.is_valid():
        try:
            changed = write(form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            if changed is not False:
                messages.success(request, _("Saved."))
            return redirect(done)
    return show_again(form)
