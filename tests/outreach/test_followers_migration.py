"""The move of followers into outreach (outreach/migrations/0005) keeps who gets what.

Each test builds the state of the release before (concerns' supporters and reporters read from
the concerns, problem opt-outs, subscriptions without a role, emails queued by the removed
tasks), with the migration executor, migrates, and checks that every address gets the emails it
got before — one per change — and that nobody else gets one.

`before_*` is the rule of the release before, as its code read (concerns.actions.
_notify_followers, problems.actions._followers and the two mailings).
"""

import collections
import os
import time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import Concern, Status
from openbeat.outreach.models import Kind, Role, Subscription, SubscriptionStatus
from openbeat.problems import actions as problem_actions
from openbeat.problems.models import Phase
from tests import factories
from tests.tasks import drain

OLD = [("outreach", "0003_suppression_moves_to_core"), ("problems", "0001_initial")]


def _migrate(targets):
    """Migrate to `targets`; the models as the database now has them: every applied migration
    (another app's latest may depend on what going back to `targets` unapplied)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_release(transactional_db):
    """Migrate back to the release before for the test, and forward again after it."""
    latest = _latest()
    apps = _migrate(OLD)
    yield apps
    _migrate(latest)


def before_concern(apps, concern_id):
    """Who the release before emailed a concern's public update to: the reporter and confirmed
    supporters by one task each, and active subscribed followers while the concern was public."""
    concern = apps.get_model("concerns", "Concern").objects.select_related("category")
    concern = concern.get(pk=concern_id)
    supporters = apps.get_model("concerns", "Supporter").objects.filter(
        concern_id=concern_id, confirmed_at__isnull=False
    )
    got = set(supporters.exclude(email="").values_list("email", flat=True))
    if concern.reporter_email:
        got.add(concern.reporter_email)
    if not (concern.is_private or concern.is_hidden or concern.category.is_sensitive):
        subscriptions = apps.get_model("outreach", "Subscription").objects
        got |= set(
            subscriptions.filter(
                kind="concern", concern_id=concern_id, status="active"
            ).values_list("email", flat=True)
        )
    return got


def before_problem(apps, problem_id):
    """Who the release before emailed a problem's phase change to: the reporters and confirmed
    supporters of its linked concerns that are not private, minus opt-outs, by one task each,
    and its active subscribed followers."""
    problem = apps.get_model("problems", "Problem").objects.get(pk=problem_id)
    got = set()
    for concern in problem.concerns.filter(is_private=False, category__is_sensitive=False):
        if concern.reporter_email:
            got.add(concern.reporter_email.lower())
        supporters = apps.get_model("concerns", "Supporter").objects.filter(
            concern=concern, confirmed_at__isnull=False
        )
        got |= {e.lower() for e in supporters.exclude(email="").values_list("email", flat=True)}
    opt_outs = apps.get_model("problems", "OptOut").objects.filter(problem_id=problem_id)
    got -= set(opt_outs.values_list("email", flat=True))
    subscriptions = apps.get_model("outreach", "Subscription").objects
    return got | set(
        subscriptions.filter(kind="problem", problem_id=problem_id, status="active").values_list(
            "email", flat=True
        )
    )


def _follower(apps, target, email, status):
    """A subscribed follower as the release before stored one (no role)."""
    kind = "concern" if isinstance(target, Concern) else "problem"
    now = timezone.now()
    apps.get_model("outreach", "Subscription").objects.create(
        agency_id=target.agency_id,
        kind=kind,
        **{f"{kind}_id": target.pk},
        email=email,
        status=status,
        confirmed_at=now if status != "pending" else None,
        unsubscribed_at=now if status == "unsubscribed" else None,
    )


def _opt_out(apps, problem, email):
    apps.get_model("problems", "OptOut").objects.create(problem_id=problem.pk, email=email)


def _received(mailbox):
    return collections.Counter(message["To"] for message in mailbox.messages)


def test_every_address_gets_the_same_emails_after_the_migration(town, mailbox):
    latest = _latest()
    coordinator = town.smyrna_coordinator
    speeding = "speeding-traffic"
    public = factories.concern(category=speeding, description="Racing", email="rita@example.org")
    private = factories.concern(category=speeding, description="Private", email="vic@example.org")
    hidden = factories.concern(category=speeding, description="Hidden", email="hid@example.org")
    third = factories.concern(category=speeding, description="Third", email="carl@example.org")
    factories.supporter(public, "sam@example.org")
    factories.supporter(public, "pat@example.org", confirm=False)
    factories.supporter(private, "sue@example.org")
    factories.supporter(third, "opt@example.org")
    factories.supporter(third, "wait@example.org")
    concern_actions.reclassify(
        private, private.category, make_private=True, acting_user=coordinator
    )
    concern_actions.set_hidden(hidden, True, "Abusive words", acting_user=coordinator)
    problem = problem_actions.create_problem(
        town.smyrna,
        "Speeding on Main Street",
        "Cars race after school.",
        concerns=[public, private, hidden, third],
        acting_user=coordinator,
    )
    apps = _migrate(OLD)
    try:
        for email, status in [
            ("fay@example.org", "active"),
            ("pen@example.org", "pending"),
            ("una@example.org", "unsubscribed"),
            ("rita@example.org", "active"),  # the reporter follows too
            ("sam@example.org", "unsubscribed"),  # a supporter who stopped following
        ]:
            _follower(apps, public, email, status)
        _follower(apps, private, "fred@example.org", "active")
        for email, status in [
            ("pfol@example.org", "active"),
            ("ppend@example.org", "pending"),
            ("punsub@example.org", "unsubscribed"),
            ("rita@example.org", "active"),  # a reporter who follows the problem too
            ("carl@example.org", "unsubscribed"),  # stopped following; still its reporter
            ("wait@example.org", "pending"),  # asked to follow, and opted out below
        ]:
            _follower(apps, problem, email, status)
        for email in ("sam@example.org", "opt@example.org", "wait@example.org"):
            _opt_out(apps, problem, email)
        expected = {
            "public": before_concern(apps, public.pk),
            "private": before_concern(apps, private.pk),
            "problem": before_problem(apps, problem.pk),
        }
    finally:
        _migrate(latest)
    # The cases above, as the release before answered them.
    assert expected["public"] == {
        "rita@example.org",
        "sam@example.org",
        "fay@example.org",
    }
    assert expected["private"] == {"vic@example.org", "sue@example.org"}
    assert expected["problem"] == {
        "rita@example.org",
        "hid@example.org",  # a hidden concern's reporter still follows the problem, as before
        "carl@example.org",
        "pfol@example.org",
    }

    mailbox.clear()
    concern_actions.change_status(
        public, Status.IN_PROGRESS, "Patrols from Monday.", acting_user=coordinator
    )
    assert _received(mailbox) == dict.fromkeys(expected["public"], 1)
    mailbox.clear()
    concern_actions.change_status(
        private, Status.IN_PROGRESS, "Looking into it.", acting_user=coordinator
    )
    assert _received(mailbox) == dict.fromkeys(expected["private"], 1)
    mailbox.clear()
    problem_actions.set_phase(problem, Phase.ANALYSIS, "Counting cars.", acting_user=coordinator)
    assert _received(mailbox) == dict.fromkeys(expected["problem"], 1)


def test_emails_queued_by_the_removed_tasks_are_sent_once_after_the_migration(
    town, mailbox, database_tasks
):
    from django_tasks_db.models import DBTaskResult

    latest = _latest()
    coordinator = town.smyrna_coordinator
    concern = factories.concern(category="speeding-traffic", email="rita@example.org")
    supporter = factories.supporter(concern, "sam@example.org")
    problem = problem_actions.create_problem(
        town.smyrna, "Speeding", "Cars race.", concerns=[concern], acting_user=coordinator
    )
    drain()
    apps = _migrate(OLD)
    try:
        update = apps.get_model("concerns", "ConcernUpdate").objects.create(
            concern_id=concern.pk,
            agency_id=concern.agency_id,
            kind="status",
            is_public=True,
            body="Patrols from Monday.",
            status_before="submitted",
            status_after="in_progress",
        )
        apps.get_model("concerns", "Concern").objects.filter(pk=concern.pk).update(
            status="in_progress"
        )
        change = apps.get_model("problems", "PhaseChange").objects.create(
            problem_id=problem.pk,
            agency_id=problem.agency_id,
            from_phase="scanning",
            to_phase="analysis",
            note="Counting cars.",
        )
        queued = [
            (
                "openbeat.concerns.tasks.send_concern_email",
                [concern.pk, "update", "reporter", update.pk],
            ),
            (
                "openbeat.concerns.tasks.send_concern_email",
                [concern.pk, "update", supporter.pk, update.pk, 1],
            ),
            (
                "openbeat.problems.tasks.send_phase_email",
                [problem.pk, change.pk, "rita@example.org", "en"],
            ),
            (
                "openbeat.problems.tasks.send_phase_email",
                [problem.pk, change.pk, "sam@example.org", "es"],
            ),
        ]
        for path, args in queued:
            DBTaskResult.objects.create(
                args_kwargs={"args": args, "kwargs": {}},
                task_path=path,
                backend_name="default",
                run_after=timezone.now(),
            )
    finally:
        _migrate(latest)
    assert not DBTaskResult.objects.filter(task_path__endswith="send_phase_email").exists()
    mailbox.clear()
    drain()
    subjects = collections.Counter((m["To"], m["Subject"]) for m in mailbox.messages)
    assert subjects == {
        ("rita@example.org", f"Concern #{concern.pk}: In progress"): 1,
        ("sam@example.org", f"Concern #{concern.pk}: In progress"): 1,
        ("rita@example.org", "Speeding: now Analysis"): 1,
        ("sam@example.org", "Speeding: now Analysis"): 1,
    }
    email_jobs = DBTaskResult.objects.exclude(task_path__startswith="openbeat.insights")
    assert set(email_jobs.values_list("status", flat=True)) == {"SUCCESSFUL"}


def test_the_migration_on_a_large_table(transactional_db, capsys):
    """Reporters and supporters of many concerns become subscriptions in bounded time.

    OPENBEAT_FOLLOWER_MIGRATION_CONCERNS sets the size (2,000 here; 20,000 for the figure in
    the closing note); each concern has a reporter and two confirmed supporters."""
    size = int(os.environ.get("OPENBEAT_FOLLOWER_MIGRATION_CONCERNS", "2000"))
    latest = _latest()
    factories.town()
    template = factories.concern(category="speeding-traffic", email="seed@example.org")
    apps = _migrate(OLD)
    try:
        Old = apps.get_model("concerns", "Concern")
        OldSupporter = apps.get_model("concerns", "Supporter")
        base = {
            field.attname: getattr(Old.objects.get(pk=template.pk), field.attname)
            for field in Old._meta.concrete_fields
            if field.attname not in ("id", "tracking_token", "form_nonce", "open311_token")
        }
        now = timezone.now()
        for start in range(0, size, 2000):
            made = Old.objects.bulk_create(
                Old(**{**base, "reporter_email": f"r{n}@example.org", "tracking_token": f"t{n}"})
                for n in range(start, min(size, start + 2000))
            )
            OldSupporter.objects.bulk_create(
                OldSupporter(
                    concern_id=concern.pk,
                    agency_id=concern.agency_id,
                    email=f"s{k}.{concern.pk}@example.org",
                    token=f"s{k}.{concern.pk}",
                    confirmed_at=now,
                )
                for concern in made
                for k in range(2)
            )
    finally:
        started = time.monotonic()
        _migrate(latest)
        seconds = time.monotonic() - started
    rows = Subscription.objects.filter(kind=Kind.CONCERN).count()
    assert rows == 3 * size + 1
    assert (
        Subscription.objects.filter(role=Role.SUPPORTER, status=SubscriptionStatus.ACTIVE).count()
        == 2 * size
    )
    with capsys.disabled():
        print(f"\nfollower migration: {size} concerns, {rows} subscriptions in {seconds:.1f} s")
