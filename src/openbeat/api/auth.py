"""Who is calling the API: an agency's API key (X-API-Key header) or a signed-in staff member."""

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import APIKeyHeader, SessionAuth

from openbeat.core import apikeys
from openbeat.core.models import ApiKey
from openbeat.twofactor.policy import session_is_complete


class AgencyKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return apikeys.verify(key)


class StaffSession(SessionAuth):
    """The staff pages' own session, with Django's CSRF check on writes.

    A request that sends an X-API-Key chose key authentication: a wrong key is a 401 "send a
    valid key", not a CSRF failure from a session the caller never meant to use."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get(AgencyKey.param_name) is not None:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if user is None or not session_is_complete(user):
            return None  # half signed in: the second factor is still owed
        return user if user.is_superuser or user.staff_roles.exists() else None


STAFF = [AgencyKey(), StaffSession()]
