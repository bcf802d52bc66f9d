# Followers move into outreach: one model (Subscription, with a role) and one way to send.
#
# Before, three ways to email a concern's or a problem's followers: the reporter and the confirmed
# supporters of a concern got its updates by one task per address (concerns.tasks.
# send_concern_email "update"); a problem's phase change went by one task per address
# (problems.tasks.send_phase_email) to the reporters and confirmed supporters of its linked
# concerns that are not private, minus problems.OptOut; and subscribed followers (Subscription,
# kind concern or problem) through outreach.delivery.
#
# After it, each address gets the same emails, one per change where it got two (as reporter and
# subscribed follower, say):
# 1. Every reporter's address and every confirmed supporter's becomes an active subscription of
#    its concern with that role. Where the address had asked to follow (one subscription per
#    address and concern), that one takes the stronger role and is active: it was mailed as
#    reporter or supporter whatever its own state.
# 2. A problem subscription that was unsubscribed, of an address still mailed as the reporter or
#    supporter of a linked concern without an opt-out, loses its address (as the retention job
#    does with every ended subscription): unsubscribing from a problem now stops all of its
#    email, and that address's came through the concern, which it never stopped.
# 3. A problem's opt-out becomes an unsubscribed subscription of the problem; an address that
#    had asked to follow it and not confirmed stops waiting (it got nothing before); an active
#    one stays active (it was mailed through it before).
# 4. Mailings started before went to subscribed followers only, and still do if not yet planned.
# 5. Emails queued by the removed tasks and not yet sent become deliveries of a mailing of their
#    update or phase change, sent by the queued job itself, rewritten to send that mailing
#    (with the Redis queue, let the workers empty it before upgrading, as for core 0007).
import secrets

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

STRENGTH = {"reporter": 0, "supporter": 1, "follower": 2}
CHUNK = 2000
READY = "READY"
CONCERN_TASK = "openbeat.concerns.tasks.send_concern_email"
PHASE_TASK = "openbeat.problems.tasks.send_phase_email"
SEND_TASK = "openbeat.outreach.delivery.send_mailing"


def _stronger(role, other):
    return role if STRENGTH[role] <= STRENGTH[other] else other


def concern_followers(apps):
    """Step 1; returns how many addresses now follow as reporter or supporter."""
    Subscription = apps.get_model("outreach", "Subscription")
    Concern = apps.get_model("concerns", "Concern")
    Supporter = apps.get_model("concerns", "Supporter")
    wanted = {}
    reporters = (
        Concern.objects.exclude(reporter_email="")
        .values_list("pk", "agency_id", "reporter_email", "language", "created_at")
        .order_by("pk")
    )
    for pk, agency_id, email, language, created_at in reporters.iterator(chunk_size=CHUNK):
        wanted[(pk, email.strip().lower())] = (agency_id, "reporter", language, created_at)
    supporters = (
        Supporter.objects.filter(confirmed_at__isnull=False)
        .exclude(email="")
        .values_list("concern_id", "agency_id", "email", "language", "confirmed_at")
        .order_by("pk")
    )
    for concern_id, agency_id, email, language, confirmed_at in supporters.iterator(
        chunk_size=CHUNK
    ):
        wanted.setdefault(
            (concern_id, email.strip().lower()), (agency_id, "supporter", language, confirmed_at)
        )
    existing = {
        (concern_id, email): (pk, role)
        for pk, concern_id, email, role in Subscription.objects.filter(
            kind="concern", email__isnull=False
        ).values_list("pk", "concern_id", "email", "role")
    }
    rows = []
    for (concern_id, email), (agency_id, role, language, since) in wanted.items():
        found = existing.get((concern_id, email))
        if found is not None:
            pk, had = found
            Subscription.objects.filter(pk=pk).update(
                role=_stronger(had, role),
                status="active",
                language=language,
                confirmed_at=since,
                unsubscribed_at=None,
            )
            continue
        rows.append(
            Subscription(
                agency_id=agency_id,
                kind="concern",
                concern_id=concern_id,
                email=email,
                role=role,
                language=language,
                status="active",
                confirmed_at=since,
            )
        )
        if len(rows) >= CHUNK:
            Subscription.objects.bulk_create(rows)
            rows = []
    Subscription.objects.bulk_create(rows)
    return len(wanted)


def _derived(apps, problem_id):
    """The addresses mailed a problem's phase changes as reporter or supporter, with the role."""
    Subscription = apps.get_model("outreach", "Subscription")
    Concern = apps.get_model("concerns", "Concern")
    linked = Concern.objects.filter(
        problems=problem_id, is_private=False, category__is_sensitive=False
    ).values("pk")
    found = {}
    for email, role in (
        Subscription.objects.filter(
            kind="concern",
            concern__in=linked,
            role__in=["reporter", "supporter"],
            status="active",
            email__isnull=False,
        )
        .order_by("pk")
        .values_list("email", "role")
    ):
        found.setdefault(email, role)
    return found


def problem_followers(apps):
    """Steps 2 and 3."""
    Subscription = apps.get_model("outreach", "Subscription")
    OptOut = apps.get_model("problems", "OptOut")
    Problem = apps.get_model("problems", "Problem")
    opted_out = set(OptOut.objects.values_list("problem_id", "email"))
    derived = {}
    ended = Subscription.objects.filter(kind="problem", status="unsubscribed", email__isnull=False)
    for pk, problem_id, email in ended.values_list("pk", "problem_id", "email"):
        if problem_id not in derived:
            derived[problem_id] = _derived(apps, problem_id)
        if email in derived[problem_id] and (problem_id, email) not in opted_out:
            Subscription.objects.filter(pk=pk).update(email=None, token=secrets.token_urlsafe(24))
    agencies = dict(Problem.objects.values_list("pk", "agency_id"))
    for problem_id, raw, at in OptOut.objects.values_list("problem_id", "email", "at"):
        email = raw.strip().lower()
        mine = Subscription.objects.filter(kind="problem", problem_id=problem_id, email=email)
        found = mine.first()
        if found is None:
            if problem_id not in derived:
                derived[problem_id] = _derived(apps, problem_id)
            Subscription.objects.create(
                agency_id=agencies[problem_id],
                kind="problem",
                problem_id=problem_id,
                email=email,
                role=derived[problem_id].get(email, "follower"),
                status="unsubscribed",
                unsubscribed_at=at,
            )
        elif found.status == "pending":
            mine.update(status="unsubscribed", unsubscribed_at=at)


def _legacy_mailing(apps, cache, agency_id, **source):
    Mailing = apps.get_model("outreach", "Mailing")
    key = tuple(sorted(source.items()))
    if key not in cache:
        kind = "concern" if "concern_update_id" in source else "problem"
        now = timezone.now()
        cache[key] = Mailing.objects.create(
            agency_id=agency_id, kind=kind, created_at=now, planned_at=now, **source
        )
    return cache[key]


def _concern_job(apps, args):
    """(mailing source, agency, subscription) of a queued "update" email, or None."""
    Subscription = apps.get_model("outreach", "Subscription")
    Concern = apps.get_model("concerns", "Concern")
    Supporter = apps.get_model("concerns", "Supporter")
    concern_id, _kind, recipient, update_id = args[:4]
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None or update_id is None:
        return None
    if recipient == "reporter":
        email = concern.reporter_email
    else:
        supporter = Supporter.objects.filter(pk=recipient, concern_id=concern_id).first()
        email = supporter.email if supporter else ""
    follows = Subscription.objects.filter(
        kind="concern", concern_id=concern_id, email=email.strip().lower()
    ).first()
    if not email or follows is None:
        return None
    return {"concern_update_id": update_id}, concern.agency_id, follows


def _phase_job(apps, args):
    """(mailing source, agency, subscription) of a queued phase email, or None."""
    Subscription = apps.get_model("outreach", "Subscription")
    Problem = apps.get_model("problems", "Problem")
    problem_id, change_id, raw = args[:3]
    email = raw.strip().lower()
    problem = Problem.objects.filter(pk=problem_id).first()
    if problem is None:
        return None
    through_concern = Subscription.objects.filter(
        kind="concern",
        concern__problems=problem_id,
        role__in=["reporter", "supporter"],
        email=email,
    ).order_by("pk")
    follows = (
        through_concern.first()
        or Subscription.objects.filter(kind="problem", problem_id=problem_id, email=email).first()
    )
    if follows is None:
        return None
    return {"phase_change_id": change_id}, problem.agency_id, follows


def queued_emails(apps):
    """Steps 4 and 5; returns how many queued emails became deliveries."""
    Mailing = apps.get_model("outreach", "Mailing")
    Delivery = apps.get_model("outreach", "Delivery")
    Mailing.objects.filter(kind__in=["concern", "problem"]).update(role="follower")
    Task = apps.get_model("django_tasks_database", "DBTaskResult")
    cache, moved = {}, 0
    jobs = Task.objects.filter(status=READY).filter(
        Q(task_path=CONCERN_TASK, args_kwargs__args__1="update") | Q(task_path=PHASE_TASK)
    )
    for job in jobs.order_by("enqueued_at"):
        args = (job.args_kwargs or {}).get("args") or []
        found = _concern_job(apps, args) if job.task_path == CONCERN_TASK else _phase_job(apps, args)
        if found is None:  # it would have sent nothing: nobody to send it to any more
            job.delete()
            continue
        source, agency_id, follows = found
        mailing = _legacy_mailing(apps, cache, agency_id, **source)
        Delivery.objects.get_or_create(mailing=mailing, subscription=follows)
        job.task_path = SEND_TASK
        job.args_kwargs = {"args": [mailing.pk], "kwargs": {}}
        job.save(update_fields=["task_path", "args_kwargs"])
        moved += 1
    return moved


def forward(apps, schema_editor):
    concern_followers(apps)
    problem_followers(apps)
    queued_emails(apps)


def backward(apps, schema_editor):
    """Back to the three ways: reporters and supporters are read from the concerns again, and
    a problem's "no more" becomes an opt-out."""
    Subscription = apps.get_model("outreach", "Subscription")
    OptOut = apps.get_model("problems", "OptOut")
    stopped = Subscription.objects.filter(
        kind="problem", status="unsubscribed", email__isnull=False
    ).values_list("problem_id", "email", "unsubscribed_at")
    for problem_id, email, at in stopped:
        OptOut.objects.get_or_create(
            problem_id=problem_id, email=email, defaults={"at": at or timezone.now()}
        )
    Subscription.objects.filter(kind="concern", role__in=["reporter", "supporter"]).delete()
    Subscription.objects.exclude(role="follower").update(role="follower")


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_follower_roles"),
        ("concerns", "0007_supporter_confirmed_at"),
        ("problems", "0001_initial"),
        ("django_tasks_database", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]

