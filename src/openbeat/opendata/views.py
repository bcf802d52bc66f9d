import datetime
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from openbeat.core import ratelimit
from openbeat.core.dates import plausible_year
from openbeat.core.models import Agency
from openbeat.core.pagecache import public_page
from openbeat.opendata.datasets import DATASETS
from openbeat.opendata.streams import FORMATS

EXPORT_LIMIT = (60, 3600)  # exports per client per hour: each one reads a whole table
MAX_RANGE_DAYS = 3660  # ten years: longer is a typing mistake, not a question


class BadFilter(Exception):
    pass


def _day(request, name):
    value = (request.GET.get(name) or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise BadFilter(
            _("%(name)s must be a date written YYYY-MM-DD, e.g. 2026-01-31.") % {"name": name}
        ) from None


def _plausible(name, day):
    try:
        plausible_year(day)  # 9999-12-31 has no day after it: the end of the range overflowed
    except ValidationError as exc:
        raise BadFilter(f"{name}: {' '.join(exc.messages)}") from None


def _filters(request, dataset):
    """The queryset the request asks for, or BadFilter saying what to fix."""
    unknown = set(request.GET) - {"from", "to", "agency"}
    if unknown:
        raise BadFilter(
            _("Unknown filter: %(names)s. Use from, to and agency.")
            % {"names": ", ".join(sorted(unknown))}
        )
    start, end = _day(request, "from"), _day(request, "to")
    if start and end and start > end:
        raise BadFilter(
            _("from (%(start)s) is after to (%(end)s): swap them.")
            % {"start": start.isoformat(), "end": end.isoformat()}
        )
    if start and end and (end - start).days > MAX_RANGE_DAYS:
        raise BadFilter(
            _("The range is longer than ten years; ask for at most ten years at a time.")
        )
    for name, day in (("from", start), ("to", end)):
        if day:
            _plausible(name, day)
    queryset = dataset.base()
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if start:
        begin = datetime.datetime.combine(start, datetime.time(), tz)
        queryset = queryset.filter(**{f"{dataset.date_field}__gte": begin})
    if end:
        after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), tz)
        queryset = queryset.filter(**{f"{dataset.date_field}__lt": after})
    slug = (request.GET.get("agency") or "").strip()
    if slug:
        agency = Agency.objects.filter(slug=slug).first()
        if agency is None:
            raise BadFilter(
                _("There is no agency %(slug)s. See /data/ for the list.") % {"slug": slug}
            )
        owner = "event__agency" if dataset.slug == "events" else "agency"
        queryset = queryset.filter(**{owner: agency})
    return queryset


@require_GET
def export(request, dataset, fmt):
    if dataset not in DATASETS or fmt not in FORMATS:
        raise Http404(_("There is no such data set. See /data/ for the list."))
    data = DATASETS[dataset]
    try:
        queryset = _filters(request, data)
    except BadFilter as bad:
        return HttpResponse(str(bad) + "\n", status=400, content_type="text/plain; charset=utf-8")
    try:
        ratelimit.hit("opendata.export", ratelimit.client_key(request), *EXPORT_LIMIT)
    except ratelimit.RateLimited as limited:
        return ratelimit.too_many(request, limited.retry_after)
    write, content_type = FORMATS[fmt]
    response = StreamingHttpResponse(
        write(data.names, data.chunks(queryset)), content_type=content_type
    )
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="openbeat-{dataset}-{stamp}.{fmt}"'
    return response


@require_GET
@public_page
def index(request):
    return render(
        request,
        "opendata/index.html",
        {"datasets": DATASETS.values(), "formats": FORMATS, "agencies": Agency.objects.all()},
    )
