"""Sending residents' email from tasks without ever losing one to a mail-server outage."""

import datetime
import logging
import smtplib
from collections.abc import Sequence
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from openbeat.core.background import Task
from openbeat.core.models import Agency, Suppression

logger = logging.getLogger(__name__)

# Back-off between attempts while the SMTP server is down or refusing: about a day in all.
RETRY_DELAYS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600]


def suppress(email: str | None, reason: str) -> None:
    """A mail server refused this address for good: nothing is ever sent to it again."""
    email = (email or "").strip().lower()
    Suppression.objects.get_or_create(email=email, defaults={"reason": reason[:200]})


def send_or_retry(
    message: EmailMessage, task_function: Task[..., Any], args: Sequence[object], attempt: int
) -> None:
    """Send `message`; on an SMTP failure queue `task_function(*args, attempt + 1)` for later.

    An address a mail server refused for good (the suppression list) is never mailed
    again, whichever form it was typed into. The last attempt, or a task backend that cannot run
    things later, lets the error surface so the task is recorded as failed rather than silently
    dropped.
    """
    bounced = set(Suppression.objects.filter(email__in=message.to).values_list("email", flat=True))
    message.to = [address for address in message.to if address not in bounced]
    if not message.to:
        return
    try:
        message.send()
    except (OSError, smtplib.SMTPException):
        if attempt >= len(RETRY_DELAYS) or not task_function.get_backend().supports_defer:
            raise
        later = timezone.now() + datetime.timedelta(seconds=RETRY_DELAYS[attempt])
        task_function.using(run_after=later).enqueue(*args, attempt + 1)
        logger.warning(
            "Email %s%r failed; attempt %s at %s",
            task_function.name,
            tuple(args),
            attempt + 1,
            later.isoformat(),
        )


def sender(agency: Agency) -> str:
    """The From of an agency's email: its name before the site's sending address, so a mail
    program lists the department, not "OpenBeat"."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@openbeat.invalid"
    name = " ".join(agency.name.split())  # a line break in a header would be refused
    return str(Address(display_name=name, addr_spec=address))
