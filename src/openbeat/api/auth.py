"""Who is calling the API: an agency's API key (X-API-Key header) or a signed-in staff member."""

from ninja.security import APIKeyHeader, SessionAuth

from openbeat.core import apikeys


class AgencyKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request, key):
        return apikeys.verify(key)


class StaffSession(SessionAuth):
    """The staff pages' own session, with Django's CSRF check on writes."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        return user if user.is_superuser or user.staff_roles.exists() else None


STAFF = [AgencyKey(), StaffSession()]
