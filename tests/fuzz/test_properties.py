"""Hypothesis property tests of the recurrence, RSVP capacity and concern status logic, through
the real functions and actions and the real database.

Each database example runs inside a savepoint that is rolled back, so every example starts from
the same town and nothing leaks between examples.

Findings, reported to be fixed in src/ (pinned at the end as strict xfails):
- a rule whose BYDAY ordinal is out of range for its frequency (FREQ=MONTHLY;BYDAY=9MO) raises
  IndexError from dateutil instead of ValidationError: Event.clean lets it through, a 500 on the
  staff event form;
- a rule that never produces a date (FREQ=MINUTELY;BYSETPOS=2;COUNT=5) is iterated to the year
  9999 before it is refused: minutes to hours of CPU in one request. The series horizon is only
  checked against dates the rule yields, not used to stop the iteration.
"""

import contextlib
import datetime
import os
import signal
import traceback
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.models import CLOSED_STATUSES, Concern, Status
from openbeat.events import actions as event_actions
from openbeat.events.models import RSVP, RSVPStatus
from openbeat.events.recurrence import local_starts, utc_starts
from tests import factories
from tests.fuzz import harness

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _settings(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=harness.SEED is None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        print_blob=False,
    )


class RuleTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds):
    """Interrupt a rule's expansion after `seconds` (dateutil's iteration is plain Python)."""

    def expire(signum, frame):
        raise RuleTimeout(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except RuleTimeout as interrupted:
        # Raised anew: the interrupted dateutil frame can lack a line number, which breaks
        # pytest's report of the traceback.
        raise RuleTimeout(str(interrupted)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# (a) Recurrence ---------------------------------------------------------------------------------

# Every local time of day that exists on every day of the year: 02:xx is skipped once a year.
wall_clock = st.tuples(
    st.sampled_from([h for h in range(24) if h != 2]), st.sampled_from([0, 15, 30, 45])
)
dtstart_days = st.dates(datetime.date(2026, 1, 1), datetime.date(2028, 12, 31))
count = st.integers(1, 20)


@st.composite
def monthly_or_weekly(draw):
    if draw(st.booleans()):
        ordinal = draw(st.sampled_from([1, 2, 3, 4, -1]))
        rule = f"FREQ=MONTHLY;BYDAY={ordinal}{draw(st.sampled_from(DAYS))}"
    else:
        days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))
        rule = f"FREQ=WEEKLY;BYDAY={','.join(days)}"
    if draw(st.booleans()):
        rule += f";INTERVAL={draw(st.integers(1, 2))}"
    return rule


@_settings(300)
@given(day=dtstart_days, clock=wall_clock, rule=monthly_or_weekly(), count=count)
def test_recurrence_keeps_the_wall_clock_across_dst(day, clock, rule, count):
    rule = f"{rule};COUNT={count}"
    local = datetime.datetime(day.year, day.month, day.day, *clock, tzinfo=TZ)
    # Created the day before its first meeting: 20 meetings at most 2 months apart fit the
    # 5-year horizon.
    now = local - datetime.timedelta(days=1)
    starts = utc_starts(local.astimezone(datetime.UTC), rule, TZ, now=now)
    assert len(starts) == count
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))
    assert all(s.tzinfo == datetime.UTC for s in starts)
    walls = {s.astimezone(TZ).time() for s in starts}
    assert walls == {local.time()}, f"{rule} from {local}: {sorted(walls)}"
    offsets = {s.astimezone(TZ).utcoffset() for s in starts}
    event("crosses a DST change" if len(offsets) > 1 else "stays in one offset")


fast = st.sampled_from(["SECONDLY", "MINUTELY", "HOURLY", "DAILY"])


@_settings(100)
@given(
    day=dtstart_days,
    clock=wall_clock,
    runaway=st.one_of(
        # Never ending: neither COUNT nor UNTIL.
        st.builds(lambda f, i: f"FREQ={f};INTERVAL={i}", fast | st.just("WEEKLY"), count),
        monthly_or_weekly(),
        # More than MAX_OCCURRENCES meetings.
        st.builds(lambda f, n: f"FREQ={f};COUNT={n}", fast, st.integers(261, 10**9)),
        # Until beyond the horizon (MAX_SERIES_YEARS), or too many before it.
        st.builds(
            lambda f, d: f"FREQ={f};UNTIL={d:%Y%m%d}T000000Z",
            fast | st.sampled_from(["WEEKLY", "MONTHLY"]),
            st.dates(datetime.date(2034, 1, 1), datetime.date(9999, 1, 1)),
        ),
    ),
)
def test_runaway_and_endless_rules_are_refused(day, clock, runaway):
    local = datetime.datetime(day.year, day.month, day.day, *clock, tzinfo=TZ)
    with pytest.raises(ValidationError), time_limit(10):
        local_starts(local.astimezone(datetime.UTC), runaway, TZ, now=NOW)


# Rule text as staff may type it: every token RRULE knows, with values in and out of range.
_part = st.one_of(
    st.integers(-5, 400).map("COUNT={}".format),
    st.integers(0, 5).map("INTERVAL={}".format),
    st.lists(
        st.tuples(st.sampled_from(["", "1", "-1", "5", "-5", "53", "60"]), st.sampled_from(DAYS)),
        min_size=1,
        max_size=3,
    ).map(lambda days: "BYDAY=" + ",".join(n + d for n, d in days)),
    st.integers(-40, 40).map("BYMONTHDAY={}".format),
    st.integers(-1, 13).map("BYMONTH={}".format),
    st.integers(0, 25).map("BYHOUR={}".format),
    st.dates(datetime.date(2020, 1, 1), datetime.date(2040, 1, 1)).map(
        "UNTIL={:%Y%m%d}T000000Z".format
    ),
    st.sampled_from(["UNTIL=20270101", "WKST=SU", "BYDAY=XX", "COUNT=x", "DTSTART=20260101"]),
)
typed_rules = st.builds(
    lambda freq, parts: ";".join([f"FREQ={freq}", *parts]),
    st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"]),
    st.lists(_part, max_size=4),
)


def _known_rule_bug(exc):
    """The reported ways a rule escapes validation, or None for anything new."""
    if isinstance(exc, RuleTimeout):
        return "a rule that yields nothing (or INTERVAL=0) is iterated without bound"
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, IndexError | ZeroDivisionError | ValueError | TypeError) and frames[
        -1
    ].filename.endswith(os.path.join("dateutil", "rrule.py")):
        return f"dateutil's {type(exc).__name__} escapes while the rule is expanded"
    return None


@pytest.mark.filterwarnings("ignore:Using both 'count' and 'until':DeprecationWarning")
@_settings(200)
@given(rule=typed_rules, day=dtstart_days, clock=wall_clock)
def test_any_typed_rule_gives_meetings_or_a_validation_error(rule, day, clock):
    """What the staff form relies on: Event.clean turns only ValidationError into a message, and
    the meetings are stored one per distinct start."""
    local = datetime.datetime(day.year, day.month, day.day, *clock, tzinfo=TZ)
    try:
        with time_limit(1):
            starts = local_starts(local.astimezone(datetime.UTC), rule, TZ, now=NOW)
    except ValidationError:
        return
    except Exception as exc:
        known = _known_rule_bug(exc)
        if known is None:
            raise
        event(f"known: {known}")
        return
    assert 1 <= len(starts) <= 260 * 4
    if "INTERVAL=0" in rule and len(set(starts)) < len(starts):
        event("known: INTERVAL=0 repeats one start")
        return
    assert all(a < b for a, b in zip(starts, starts[1:], strict=False))


# (b) Capacity and the waiting list --------------------------------------------------------------

_reply = st.tuples(st.just("reply"), st.integers(1, 5))
_cancel = st.tuples(st.just("cancel"), st.integers(0, 30))
# Replies first, so that the meeting fills and people wait; then replies and cancels mixed.
capacity_ops = st.builds(
    lambda first, rest: first + rest,
    st.lists(_reply, min_size=2, max_size=8),
    st.lists(_reply | _cancel, min_size=1, max_size=20),
)


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _places(occurrence):
    return sum(
        RSVP.objects.filter(occurrence=occurrence, status=RSVPStatus.CONFIRMED).values_list(
            "party_size", flat=True
        )
    )


@_settings(80)
@given(capacity=st.integers(1, 6), ops=capacity_ops)
def test_capacity_and_fifo_waiting_list(town, capacity, ops):
    """Against a model of the rules: a reply is confirmed if it fits, else waits; a cancel frees
    places and the waiting list is walked in the order people joined, each taken if it fits."""
    with rolled_back():
        meeting = factories.event(town, capacity=capacity, waitlist=True)
        occurrence = meeting.occurrences.get()
        model = {}  # rsvp pk -> [party size, status], in creation order
        for step, (kind, value) in enumerate(ops):
            note(f"{step}: {kind} {value}; model {model}")
            if kind == "reply":
                if value > capacity:
                    with pytest.raises(ValidationError):
                        factories.rsvp(occurrence, party_size=value)
                    continue
                taken = sum(n for n, s in model.values() if s == RSVPStatus.CONFIRMED)
                rsvp = factories.rsvp(occurrence, party_size=value)
                expected = (
                    RSVPStatus.CONFIRMED if taken + value <= capacity else RSVPStatus.WAITLISTED
                )
                assert rsvp.status == expected
                model[rsvp.pk] = [value, expected]
            elif model:
                pk = list(model)[value % len(model)]
                was = model[pk][1]
                _, promoted = event_actions.cancel_rsvp(RSVP.objects.get(pk=pk).token)
                model[pk][1] = RSVPStatus.CANCELLED
                expected_promoted = []
                if was != RSVPStatus.CANCELLED:
                    free = capacity - sum(n for n, s in model.values() if s == RSVPStatus.CONFIRMED)
                    for other, (size, status) in model.items():
                        if status == RSVPStatus.WAITLISTED and size <= free:
                            model[other][1] = RSVPStatus.CONFIRMED
                            expected_promoted.append(other)
                            free -= size
                assert promoted == expected_promoted
                if promoted:
                    event("a cancel promoted from the waiting list")
                    if any(
                        model[pk][0] < size
                        for pk in promoted
                        for other, (size, status) in model.items()
                        if status == RSVPStatus.WAITLISTED and other < pk
                    ):
                        event("a smaller reply was promoted past a larger one")
            stored = dict(RSVP.objects.filter(occurrence=occurrence).values_list("pk", "status"))
            assert stored == {pk: status for pk, (_, status) in model.items()}
            places = _places(occurrence)
            assert places <= capacity
            if kind == "cancel":
                free = capacity - places
                assert not RSVP.objects.filter(
                    occurrence=occurrence, status=RSVPStatus.WAITLISTED, party_size__lte=free
                ).exists(), "a waiting reply that fits is still waiting"


# (c) Concern status -----------------------------------------------------------------------------

status_ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("status"),
            st.sampled_from(Status.values + ["vanished"]),
            st.sampled_from(["", "Public Works"]),
        ),
        st.tuples(st.just("contest"), st.sampled_from(["", "Still broken"]), st.just("")),
        st.tuples(st.just("duplicate"), st.just(""), st.just("")),
    ),
    min_size=1,
    max_size=15,
)


@_settings(60)
@given(category=st.sampled_from(["noise", "speeding-traffic", "street-lighting"]), ops=status_ops)
def test_concern_status_and_contest(town, category, ops):
    """closed_at is set exactly when the status is a closed one; a contest succeeds only on a
    closed concern that is not a duplicate (with a reason), and reopens it as acknowledged."""
    with rolled_back():
        original = factories.concern(description="The original")
        concern = factories.concern(category=category, description="Under test")
        for step, (kind, value, referred_to) in enumerate(ops):
            concern.refresh_from_db()
            before = concern.status
            note(f"{step}: {kind} {value!r} {referred_to!r} from {before}")
            if kind == "status":
                refuse = (
                    value not in Status.values
                    or value == Status.DUPLICATE
                    or (value == Status.REFERRED and not (referred_to or concern.referred_to))
                )
                if refuse:
                    with pytest.raises(ValidationError):
                        concern_actions.change_status(
                            concern, value, "note", referred_to, acting_user=None
                        )
                else:
                    concern_actions.change_status(
                        concern, value, "note", referred_to, acting_user=None
                    )
            elif kind == "contest":
                allowed = before in CLOSED_STATUSES and before != Status.DUPLICATE and value
                if allowed:
                    concern_actions.contest(concern.tracking_token, value)
                    event("a contest reopened a closed concern")
                else:
                    with pytest.raises(ValidationError):
                        concern_actions.contest(concern.tracking_token, value)
            else:
                concern_actions.mark_duplicate(concern, original, acting_user=None)
                event("marked as a duplicate")
            stored = Concern.objects.get(pk=concern.pk)
            if kind == "contest" and allowed:
                assert stored.status == Status.ACKNOWLEDGED
            elif kind == "status" and not refuse:
                assert stored.status == value
            elif kind == "duplicate":
                assert stored.status == Status.DUPLICATE and stored.duplicate_of_id == original.pk
            else:
                assert stored.status == before
            assert (stored.closed_at is not None) == (stored.status in CLOSED_STATUSES), (
                f"{stored.status} with closed_at {stored.closed_at}"
            )


# The recurrence findings, pinned. Fixed, a case XPASSes: remove its mark.


def _escapes(rule, error):
    """Once an error escaping from dateutil; now each is refused with a ValidationError."""
    return pytest.param(rule, id=rule)


@pytest.mark.parametrize(
    "rule",
    [
        _escapes("FREQ=MONTHLY;BYDAY=9MO;COUNT=3", IndexError),
        _escapes("FREQ=HOURLY;INTERVAL=0;BYDAY=TU;COUNT=3", ZeroDivisionError),
        _escapes("FREQ=HOURLY;BYHOUR=25;COUNT=2", TypeError),
        _escapes("FREQ=MINUTELY;BYHOUR=24;INTERVAL=3;COUNT=2", ValueError),
    ],
)
def test_rule_errors_while_expanding_are_refused(rule):
    start = datetime.datetime(2026, 1, 5, 18, tzinfo=TZ).astimezone(datetime.UTC)
    with pytest.raises(ValidationError):
        local_starts(start, rule, TZ, now=NOW)


@pytest.mark.parametrize(
    "rule", ["FREQ=MINUTELY;BYSETPOS=2;COUNT=5", "FREQ=WEEKLY;INTERVAL=0;BYMONTH=11;COUNT=3"]
)
def test_rule_that_yields_nothing_is_refused_quickly(rule):
    start = datetime.datetime(2026, 1, 5, 18, tzinfo=TZ).astimezone(datetime.UTC)
    with pytest.raises(ValidationError), time_limit(2):
        local_starts(start, rule, TZ, now=NOW)


def test_interval_zero_is_refused(town):
    with pytest.raises(ValidationError):
        factories.event(town, rrule="FREQ=DAILY;INTERVAL=0;COUNT=3")
