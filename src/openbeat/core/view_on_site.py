"""The admin's "view on site" link, scoped: Django's own looks a row up by id alone.

A row's page is shown to staff of its agency (the model's `staff_access_paths`), to superusers,
and to anyone when the row is public: a model declares which rows are public with a `public()`
method on its query set, the same one every public page reads.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect

from openbeat.core.access import scoped


@staff_member_required
def view_on_site(
    request: HttpRequest, content_type_id: int, object_id: str
) -> HttpResponseRedirect:
    """Redirect to a row's page only when this account could see that page or row anyway."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist as exc:
        raise Http404("No such kind of record.") from exc
    if model is None or not hasattr(model, "get_absolute_url"):
        raise Http404("This record has no page.")
    rows = (
        model._default_manager.filter(pk=object_id)
        if str(object_id).isdigit()
        else model._default_manager.none()
    )
    visible = request.user.is_superuser and rows.exists()
    if not visible and any(f.name == "agency" for f in model._meta.fields):
        visible = scoped(request.user, rows).exists()
    public = getattr(model._default_manager, "public", None)
    if not visible and public is not None:
        visible = public().filter(pk__in=rows.values("pk")).exists()
    if not visible:
        raise Http404("No such record for your agency.")
    return redirect(rows.get().get_absolute_url())
