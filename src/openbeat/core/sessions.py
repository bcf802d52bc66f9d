"""Staff sign-in hygiene: sessions expire, and every sign-in decision is in the audit log."""

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from openbeat.core import audit_events
from openbeat.core.models import AuditEvent

STARTED, SEEN = "openbeat_signed_in_at", "openbeat_seen_at"


class StaffSessionExpiryMiddleware:
    """Sign staff out after 12 hours, or after 30 minutes without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            seen = request.session.get(SEEN, now)
            idle = now - seen > settings.STAFF_SESSION_IDLE
            if idle or now - started > settings.STAFF_SESSION_ABSOLUTE:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after a while without activity. Please sign in again."),
                )
                return redirect(
                    f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}"
                )
            request.session[SEEN] = now
        return self.get_response(request)


def _log(action: str, user: User | None = None, username: str = "") -> None:
    AuditEvent.objects.create(
        actor=user if user is not None and user.pk else None,
        action=action,
        object_type="auth.user",
        object_id=str(user.pk) if user is not None and user.pk else username[:64],
    )


@receiver(user_logged_in)
def _signed_in(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[SEEN] = time.time()
    _log(audit_events.AUTH_LOGIN, user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: str, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    _log(audit_events.AUTH_LOGIN_FAILED, username=str(credentials.get("username", "")))


@receiver(user_locked_out)
def _locked_out(
    sender: str, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    _log(audit_events.AUTH_LOCKED_OUT, username=str(username or ""))


@receiver(user_logged_out)
def _signed_out(
    sender: type, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is not None:
        _log(audit_events.AUTH_LOGOUT, user)
