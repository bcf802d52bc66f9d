"""The links a subscriber holds: manage preferences (a stored token) and unsubscribe (signed).

The unsubscribe link is signed rather than looked up, so it keeps working after the
subscription it names is gone (a purged unconfirmed address, a deleted concern): a valid
signature always answers "you will get no more email from this list". A forged one is refused.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "openbeat.outreach.unsubscribe"


def unsubscribe_token(subscription_id, email, problem_id=None):
    """The signed value of an unsubscribe link; with `problem_id`, a link in a problem's email
    to a reporter or supporter of one of its concerns, which stops that problem's email only."""
    value = [subscription_id, email] if problem_id is None else [subscription_id, email, problem_id]
    return signing.Signer(salt=SALT).sign_object(value, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str, int | None]:
    """(subscription id, email, problem id or None) from an unsubscribe link, or raise
    signing.BadSignature."""
    try:
        subscription_id, email, *problem = signing.Signer(salt=SALT).unsign_object(token)
        problem_id = int(problem[0]) if problem else None
        if len(problem) > 1:
            raise ValueError("too many values")
    except (ValueError, TypeError) as exc:  # a well-signed value of the wrong shape
        raise signing.BadSignature(str(exc)) from exc
    return int(subscription_id), str(email), problem_id


class LinkMaker:
    """The two links of every email, for many subscribers: the URL patterns are reversed once,
    not once per email."""

    PLACEHOLDER = "LINK-TOKEN"

    def __init__(self):
        def pattern(name):
            return settings.BASE_URL + reverse(name, args=[self.PLACEHOLDER])

        self.unsubscribe_pattern = pattern("outreach:unsubscribe")
        self.manage_pattern = pattern("outreach:manage")

    def unsubscribe(self, subscription, problem_id=None):
        token = unsubscribe_token(subscription.pk, subscription.email, problem_id)
        return self.unsubscribe_pattern.replace(self.PLACEHOLDER, token)

    def manage(self, subscription):
        return self.manage_pattern.replace(self.PLACEHOLDER, subscription.token)


def unsubscribe_url(subscription):
    token = unsubscribe_token(subscription.pk, subscription.email)
    return settings.BASE_URL + reverse("outreach:unsubscribe", args=[token])


def manage_url(subscription):
    return settings.BASE_URL + reverse("outreach:manage", args=[subscription.token])


def confirm_url(subscription):
    return settings.BASE_URL + reverse("outreach:confirm", args=[subscription.token])


def list_headers(unsubscribe):
    """RFC 2369 and RFC 8058 headers: mail programs show an "Unsubscribe" button that POSTs."""
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
