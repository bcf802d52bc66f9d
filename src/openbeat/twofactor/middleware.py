"""Every staff page and the admin ask for the second factor: by URL namespace, not per view,
so a page added later is covered without anyone remembering to decorate it."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from openbeat.twofactor import policy

PROTECTED_NAMESPACES = {"staff", "admin"}
# Pages that signing in, signing out and recovering a password need before the second factor.
OPEN_BEFORE_SECOND_FACTOR = {
    "staff:login",
    "staff:logout",
    "staff:password_reset",
    "staff:password_reset_done",
    "staff:password_reset_confirm",
    "admin:login",
    "admin:logout",
}
# The one page each missing step may reach.
STEP_PAGES = {policy.ENROL: "staff:two_factor_enrol", policy.VERIFY: "staff:two_factor_verify"}


def is_protected(match):
    if match is None:
        return False
    if PROTECTED_NAMESPACES & set(match.namespaces):
        return match.view_name not in OPEN_BEFORE_SECOND_FACTOR
    # Pages mounted under the admin's prefix without its namespace (view on site).
    return match.route.startswith("admin/")


class StaffTwoFactorMiddleware:
    """Send a signed-in account that still owes the second factor to verify (or enrol)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not is_protected(match) or not request.user.is_authenticated:
            return None  # anonymous visitors are sent to sign in by the views themselves
        step = policy.missing_step(request.user)
        if step is None or match.view_name == STEP_PAGES[step]:
            return None
        target = reverse(STEP_PAGES[step])
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
