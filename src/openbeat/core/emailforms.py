"""The one answer of a public form that takes an email address (issue #13).

Whoever types an address may not be its owner. So the browser's answer to a form that takes one
(support, follow, subscribe, RSVP, shift sign-up, volunteering, password reset) never depends on
the address: the same status, the same page, the same message and the same redirect whether the
address is new, waiting for its confirmation, already signed up, the reporter's, a supporter's,
or one that bounced. What happened goes to the address, by email ("confirm with this link", or
"you already replied: here is your link"); a private link never goes to the browser.

Counts shown in public are part of the answer. A place, a voice or a sign-up given to an address
is therefore counted only once the address confirms it from the email: counted at once for a new
address (and not for one already signed up), "places left" or "supporters" would tell a stranger
which it was. Only what the typed address cannot change (the form's own mistakes, a meeting that
is full or over) may answer differently, and then the same for every address.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def answer_by_email(
    request: HttpRequest, target: str, message: str | None = None
) -> HttpResponseRedirect:
    """Redirect to `target` (a page that does not depend on the address) with the one message
    that says the rest goes by email; `message` only where a form needs its own words (none,
    "", where the page says it), which must not depend on the address either."""
    if message is None:
        message = _(
            "Thank you. We have sent an email to the address you gave: open the link in it to "
            "confirm. If nothing arrives, check the address and your spam folder."
        )
    if message:
        messages.success(request, message)
    return redirect(target)
