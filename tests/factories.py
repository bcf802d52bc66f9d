"""Build test state through the real write paths (actions), never by poking rows."""

import datetime
import itertools
import time
import zoneinfo
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp import user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from openbeat.concerns import actions as concern_actions
from openbeat.concerns.defaults import ensure_default_categories
from openbeat.core.models import Agency, Area, Role, StaffRole, Venue
from openbeat.events import actions
from openbeat.events.models import Event, Programme
from openbeat.twofactor import actions as two_factor
from openbeat.twofactor import policy as two_factor_policy

TZ = zoneinfo.ZoneInfo("America/New_York")
PASSWORD = "a-long-test-password-1"
_counter = itertools.count(1)


def _box(south, west, north, east):
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


def user(username, agency=None, role=Role.OFFICER, title=""):
    account = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    if agency is not None:
        StaffRole.objects.create(user=account, agency=agency, role=role, title=title)
    return account


def authenticator_code(user):
    """The code the account's authenticator app shows: computed from the device's secret as a
    phone would, one 30-second step ahead when this step's code was already used (a code is
    accepted once; the next step's is within the tolerance)."""
    device = TOTPDevice.objects.filter(user=user).latest("pk")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def enrol(user):
    """Set up an authenticator through the enrolment write path; its backup codes."""
    two_factor.pending_authenticator(user)
    codes, _device = two_factor.confirm_authenticator(user, authenticator_code(user))
    assert codes, "the first code did not confirm the authenticator"
    return codes


def sign_in(client, user):
    """Sign a test client in fully: the password step (force_login; the form itself is tested
    in tests/core/test_staff_sign_in.py), then, for an account with an authenticator, the
    second step through the real verify page. Where two-factor is required, an account without
    an authenticator sets one up first."""
    if not user_has_device(user) and two_factor_policy.required():
        enrol(user)
    client.force_login(user)
    if user_has_device(user):
        response = client.post("/staff/two-factor/verify/", {"code": authenticator_code(user)})
        assert response.status_code == 302, response.content.decode()[:500]


def town():
    smyrna = Agency.objects.create(name="Smyrna Police Department", slug="smyrna-pd")
    clayton = Agency.objects.create(name="Clayton Police Department", slug="clayton-pd")
    Area.objects.create(
        agency=smyrna,
        name="Town of Smyrna",
        slug="smyrna",
        boundary=_box(39.270, -75.625, 39.330, -75.570),
    )
    Area.objects.create(
        agency=clayton,
        name="Town of Clayton",
        slug="clayton",
        boundary=_box(39.275, -75.660, 39.305, -75.625),
    )
    hall = Venue.objects.create(
        agency=smyrna,
        name="Smyrna Town Hall",
        address="27 South Market Street, Smyrna, DE",
        latitude="39.2995",
        longitude="-75.6047",
    )
    diner = Venue.objects.create(
        agency=smyrna,
        name="Bridgeway Family Restaurant",
        address="Smyrna, DE",
        latitude="39.2870",
        longitude="-75.5985",
    )
    clayton_hall = Venue.objects.create(
        agency=clayton,
        name="Clayton Town Hall",
        address="Clayton, DE",
        latitude="39.2900",
        longitude="-75.6400",
    )
    ensure_default_categories(smyrna)
    ensure_default_categories(clayton)
    return SimpleNamespace(
        smyrna=smyrna,
        clayton=clayton,
        hall=hall,
        diner=diner,
        clayton_hall=clayton_hall,
        coffee=Programme.objects.create(
            agency=smyrna, name="Coffee with a Cop", slug="coffee-with-a-cop"
        ),
        meeting=Programme.objects.create(
            agency=smyrna, name="Community Awareness Meeting", slug="community-awareness-meeting"
        ),
        clayton_meeting=Programme.objects.create(
            agency=clayton, name="Clayton Town Meeting", slug="town-meeting"
        ),
        smyrna_officer=user("smyrna.officer", smyrna, Role.OFFICER),
        smyrna_coordinator=user("smyrna.coordinator", smyrna, Role.COORDINATOR),
        clayton_officer=user("clayton.officer", clayton, Role.OFFICER),
        clayton_coordinator=user("clayton.coordinator", clayton, Role.COORDINATOR),
        outsider=user("outsider"),
    )


def in_days(days, hour=18, minute=0):
    """A local (America/New_York) time `days` from today at hour:minute."""
    day = timezone.localdate(timezone=TZ) + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def event(
    town,
    *,
    title="Community Awareness Meeting",
    start=None,
    rrule="",
    capacity=None,
    waitlist=True,
    agency=None,
    programme=None,
    venue=None,
    co_hosts=(),
    duration=90,
):
    record = Event(
        agency=agency or town.smyrna,
        programme=programme or town.meeting,
        title=title,
        slug=f"{title.lower().replace(' ', '-')}-{next(_counter)}",
        venue=venue or town.hall,
        start=start or in_days(7),
        rrule=rrule,
        capacity=capacity,
        waitlist=waitlist,
        duration_minutes=duration,
    )
    actions.save_event(record, is_new=True, acting_user=None)
    record.co_hosts.set(co_hosts)
    return record


def rsvp(occurrence, name="Resident", email=None, party_size=1, confirm=True):
    """A reply made and (by default) confirmed from its email through the real write paths."""
    email = email or f"resident{next(_counter)}@example.org"
    made = actions.create_rsvp(occurrence.pk, name, email, party_size)[0]
    if confirm:
        made = actions.confirm_rsvp(made.token)[0]
    return made


# A point inside each town's area in the test town.
SMYRNA_POINT = ("39.300000", "-75.600000")
CLAYTON_POINT = ("39.290000", "-75.640000")


def concern(
    category="vandalism-graffiti",
    point=SMYRNA_POINT,
    description="Graffiti on the wall",
    photos=(),
    **extra,
):
    data = {
        "category": category,
        "latitude": point[0],
        "longitude": point[1],
        "description": description,
        **extra,
    }
    return concern_actions.submit_concern(data, photos)[0]


def supporter(concern, email=None, confirm=True):
    """A "me too" with an email, made and (by default) confirmed through the real write paths."""
    email = email or f"supporter{next(_counter)}@example.org"
    made, _outcome = concern_actions.support(concern, email)
    if confirm:
        made, _changed = concern_actions.confirm_support(made.token)
    return made


def project(town, *, slots=4, shifts=1, requirements="", days=7, agency=None, problem=None):
    """A published project next week with one role and `shifts` shifts of `slots` places."""
    from openbeat.projects import actions as project_actions
    from openbeat.projects.models import Project

    agency = agency or town.smyrna
    programme = town.meeting if agency == town.smyrna else town.clayton_meeting
    today = timezone.localdate(timezone=TZ)
    record = project_actions.save_project(
        Project(agency=agency),
        title="Neighbourhood Watch walks",
        goal="Fewer break-ins on Main Street.",
        programme=programme,
        problem=problem,
        area=agency.areas.first(),
        starts_on=today,
        ends_on=today + datetime.timedelta(days=60),
        acting_user=None,
    )
    role = project_actions.add_role(record, "Walker", requirements=requirements, acting_user=None)
    for n in range(shifts):
        start = in_days(days + n, hour=18)
        project_actions.add_shift(
            role,
            start,
            start + datetime.timedelta(hours=2),
            "Smyrna Town Hall",
            slots,
            acting_user=None,
        )
    return record


def volunteer(shift, name="Volunteer", email=None, confirm=True, **extra):
    """A sign-up made and (by default) confirmed through the real write paths."""
    from openbeat.projects import actions as project_actions

    email = email or f"volunteer{next(_counter)}@example.org"
    signed, _created = project_actions.sign_up(shift.pk, name, email, **extra)
    if confirm:
        signed, _changed = project_actions.confirm_sign_up(signed.token)
    return signed
