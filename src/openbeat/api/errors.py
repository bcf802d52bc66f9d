"""The API's one error body, declared on every operation so clients (and the OpenAPI document)
know what a refusal looks like: {"detail": "...", "errors": [{"field", "message"}]}."""

from ninja import Schema


class FieldError(Schema):
    field: str
    message: str


class ApiError(Schema):
    detail: str
    errors: list[FieldError] = []


# 400 bad input, 404 no such (public) object, 429 too many requests.
PUBLIC_ERRORS = {400: ApiError, 404: ApiError, 429: ApiError}
# Staff operations add 401 (no or bad key / not signed in) and 403 (a session write without CSRF).
STAFF_ERRORS = {**PUBLIC_ERRORS, 401: ApiError, 403: ApiError}
