"""When a signed-in staff member still owes the second factor.

`OPENBEAT_STAFF_2FA=required` (the production default): every staff and admin page needs an
authenticator code in this session; an account without an authenticator enrols first.
`optional`: accounts with an authenticator must use it; accounts without one may sign in with
their password alone (the demo, and the test suite's default).
"""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django_otp import user_has_device

ENROL, VERIFY = "enrol", "verify"


def required():
    return settings.OPENBEAT_STAFF_2FA == "required"


def missing_step(user):
    """ENROL, VERIFY, or None when this signed-in user may use staff pages now."""
    if not user.is_authenticated or user.is_verified():
        return None
    if user_has_device(user):
        return VERIFY
    return ENROL if required() else None


def session_is_complete(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and missing_step(user) is None
