"""The dashboards' snapshot: computed in the background, read by pages as one row.

A write that changes what the dashboards count (a concern, its history, a meeting, a reply's
check-in, a survey answer, a problem) marks its agency's snapshot stale and queues one refresh;
the worker also refreshes every snapshot hourly, as meetings pass. A page never aggregates the
concerns table while a reader waits.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from openbeat.concerns.models import Concern, ConcernUpdate
from openbeat.core import pagecache
from openbeat.core.background import enqueue_with_write, task
from openbeat.core.models import Agency
from openbeat.events.models import RSVP, Occurrence
from openbeat.insights import metrics
from openbeat.insights.models import DashboardSnapshot, SurveyKind, SurveyResponse
from openbeat.problems.analysis import before_after
from openbeat.problems.models import Problem

MONTHS = 12
REFRESH_EVERY = datetime.timedelta(hours=1)
STUCK_AFTER = datetime.timedelta(minutes=15)  # a queued refresh that never ran: queue another
# A refresh waits this long after the write that asked for it, so a burst of writes (a meeting's
# intake, an import) is counted in one refresh and public pages' cache is renewed once.
GATHER_WRITES = datetime.timedelta(seconds=60)


def page_scope(agency_id):
    """The page cache's scope of an agency's transparency page: renewed by each refresh."""
    return f"dashboard:{agency_id}"


def _queue_refresh(agency_id):
    task_function = refresh_dashboards
    if task_function.get_backend().supports_defer:
        task_function = task_function.using(run_after=timezone.now() + GATHER_WRITES)
    enqueue_with_write(task_function, agency_id)


COMMENTS = 40


def mark_stale(agency_id):
    """Note in the write's transaction that the agency's dashboards must be recomputed.

    Only the first write after a refresh queues one: the others find the mark already set.
    """
    if agency_id is None:
        return
    now = timezone.now()
    if DashboardSnapshot.objects.filter(agency_id=agency_id, stale_since__isnull=True).update(
        stale_since=now
    ):
        _queue_refresh(agency_id)
        return
    if DashboardSnapshot.objects.filter(agency_id=agency_id).exists():
        return
    try:
        with transaction.atomic():
            DashboardSnapshot.objects.create(agency_id=agency_id, stale_since=now)
    except IntegrityError:  # another write created it at the same moment, and queued its refresh
        return
    _queue_refresh(agency_id)


def _counts(sender, created, update_fields):
    """Whether this save can change a figure: a new future meeting or a new reply cannot (a
    meeting counts once held, which the hourly refresh sees; a reply once checked in)."""
    if sender._meta.label_lower == "events.occurrence":
        return not created
    if sender._meta.label_lower == "events.rsvp":
        return bool(update_fields) and "checked_in_at" in update_fields
    return True


def _on_save(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    if not raw and _counts(sender, created, update_fields):
        mark_stale(instance.agency_id)


def watch_writes():
    """Connect the models whose writes change the dashboards (called once, at start-up).

    Signals rather than a call in each write path: concerns, meetings and replies are written by
    many actions, the admin and the importers, and every one of them must count.
    """
    for model in (Concern, ConcernUpdate, Occurrence, RSVP, SurveyResponse, Problem):
        post_save.connect(_on_save, sender=model, dispatch_uid=f"insights-{model.__name__}")


def refresh(agency_id, now=None):
    """Recompute and store one agency's dashboards; public pages show them from the next request."""
    now = now or timezone.now()
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return None
    # Writes from here on mark it stale again and queue the next refresh.
    DashboardSnapshot.objects.filter(agency=agency, stale_since__lte=now).update(stale_since=None)
    data = build(agency, now)
    with transaction.atomic():
        snapshot, _created = DashboardSnapshot.objects.update_or_create(
            agency=agency, defaults={"data": data, "computed_at": now}
        )
        pagecache.bump(page_scope(agency.pk))
    return snapshot


def refresh_due(now=None):
    """Queue a refresh for each agency whose snapshot is missing, old, or stuck stale."""
    now = now or timezone.now()
    fresh = DashboardSnapshot.objects.filter(computed_at__gte=now - REFRESH_EVERY).exclude(
        stale_since__lt=now - STUCK_AFTER
    )
    queued = 0
    for agency_id in Agency.objects.exclude(pk__in=fresh.values("agency_id")).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            DashboardSnapshot.objects.get_or_create(agency_id=agency_id)
            DashboardSnapshot.objects.filter(agency_id=agency_id).update(stale_since=now)
            enqueue_with_write(refresh_dashboards, agency_id)
        queued += 1
    return queued


def snapshot_for(agency):
    """The stored dashboards of an agency, or None before the first refresh."""
    snapshot = DashboardSnapshot.objects.filter(agency=agency, computed_at__isnull=False).first()
    return snapshot


# -- What is stored -----------------------------------------------------------------------------


def _problems(agency):
    problems = []
    for problem in Problem.objects.filter(agency=agency).select_related("area")[:50]:
        result = before_after(problem)
        problems.append(
            {
                "id": problem.pk,
                "title": problem.title,
                "area": problem.area.name if problem.area else "",
                "phase": problem.phase,
                "result": None
                if result is None
                else {
                    k: result[k] for k in ("days", "ran", "before", "after", "change", "outcome")
                },
            }
        )
    return problems


def _comments(agency):
    """Recent free-text answers with the meeting (or the kind of concern) they are about."""
    answers = (
        SurveyResponse.objects.filter(agency=agency)
        .exclude(comment="")
        .select_related("occurrence__event", "concern__category")
        .order_by("-month", "-id")[:COMMENTS]
    )
    comments = []
    for answer in answers:
        if answer.kind == SurveyKind.MEETING and answer.occurrence:
            about = str(answer.occurrence)
        elif answer.concern:
            about = answer.concern.category.name
        else:
            about = ""
        comments.append(
            {
                "kind": answer.kind,
                "about": about,
                "month": f"{answer.month:%Y-%m}",
                "text": answer.comment,
            }
        )
    return comments


def build(agency, now=None):
    """Everything both dashboards show, as JSON-safe data."""
    now = now or timezone.now()
    months = metrics.months_back(agency, MONTHS, now)
    since = metrics.month_start(agency, months[0])
    year_ago = since
    span = metrics.ConcernSpan(agency, since, now)  # read once for both dashboards
    return {
        "computed_at": now.isoformat(),
        "months": [f"{m:%Y-%m}" for m in months],
        "meetings": metrics.meetings_by_month(agency, since),
        "concerns": metrics.concern_counts(agency, since, public=True, span=span),
        "response": metrics.response_metrics(agency, since, public=True, span=span),
        "trust": metrics.trust(agency, since),
        "problems": _problems(agency),
        "staff": {
            "concerns": metrics.concern_counts(agency, since, public=False, span=span),
            "response": metrics.response_metrics(agency, since, public=False, span=span),
            "engagement": metrics.engagement(agency, year_ago, now),
            "comments": _comments(agency),
        },
    }


@task()
def refresh_dashboards(agency_id):
    """Recompute one agency's dashboards, and ask for a new hotspot map when the concerns it was
    computed from changed: the transparency page shows both without reading the concerns."""
    # Here, not at the top: numpy and h3 stay out of web workers, which import this module.
    from openbeat.hotspots import compute

    snapshot = refresh(agency_id)
    if snapshot is not None:
        compute.refresh_if_stale(snapshot.agency)
