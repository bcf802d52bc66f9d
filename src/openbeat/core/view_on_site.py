"""The admin's "view on site" link, scoped: Django's own looks a row up by id alone."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect

from openbeat.core.access import scoped


def _public_rows():
    from openbeat.concerns.models import Photo
    from openbeat.concerns.queries import public_concerns
    from openbeat.core.models import Agency
    from openbeat.events.models import Event, Occurrence
    from openbeat.problems.models import Problem

    return {
        "core.agency": Agency.objects.all(),
        "events.event": Event.objects.filter(is_published=True),
        "events.occurrence": Occurrence.objects.filter(event__is_published=True),
        "concerns.concern": public_concerns(),
        "concerns.photo": Photo.objects.public(),
        "problems.problem": Problem.objects.all(),
    }


@staff_member_required
def view_on_site(request, content_type_id, object_id):
    """Redirect to a row's page only when this account could see that page or row anyway."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist as exc:
        raise Http404("No such kind of record.") from exc
    if model is None or not hasattr(model, "get_absolute_url"):
        raise Http404("This record has no page.")
    label = model._meta.label_lower
    rows = (
        model._default_manager.filter(pk=object_id)
        if str(object_id).isdigit()
        else model._default_manager.none()
    )
    visible = request.user.is_superuser and rows.exists()
    if not visible and any(f.name == "agency" for f in model._meta.fields):
        visible = scoped(request.user, rows).exists()
    if not visible and label in _public_rows():
        visible = _public_rows()[label].filter(pk__in=rows.values("pk")).exists()
    if not visible:
        raise Http404("No such record for your agency.")
    return redirect(rows.get().get_absolute_url())
