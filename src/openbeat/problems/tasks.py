"""Emails about problems: volunteer confirmations. A phase change goes to the problem's followers
through `outreach.delivery`."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from openbeat.core.background import task
from openbeat.core.mail import send_or_retry, sender
from openbeat.problems.models import Volunteer

# The "no more emails about this problem" links of phase emails sent before they went through
# outreach (which signs its own unsubscribe links): they keep working.
OPT_OUT_SALT = "openbeat.problems.opt-out"


def opt_out_token(problem_id, email):
    return signing.dumps({"p": problem_id, "e": email}, salt=OPT_OUT_SALT, compress=True)


def read_opt_out_token(token):
    """(problem id, email) from an opt-out link, or raise signing.BadSignature."""
    data = signing.loads(token, salt=OPT_OUT_SALT)
    return int(data["p"]), str(data["e"])


def _render(template, context, language):
    with translation.override(language):
        subject = render_to_string(f"problems/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"problems/email/{template}.txt", context)
    return " ".join(subject.split()), body


@task()
def send_volunteer_confirmation(volunteer_id, template="volunteer", attempt=0):
    """Ask a volunteer's address to confirm the offer ("volunteer"), or tell it the offer was
    confirmed before ("volunteer_already")."""
    offer = Volunteer.objects.select_related("action__problem__agency").get(pk=volunteer_id)
    context = {
        "offer": offer,
        "action": offer.action,
        "problem": offer.action.problem,
        "confirm_url": settings.BASE_URL
        + reverse("problems:volunteer_confirm", args=[offer.token]),
    }
    subject, body = _render(template, context, offer.language)
    message = EmailMessage(
        subject=subject, body=body, to=[offer.email], from_email=sender(offer.action.problem.agency)
    )
    send_or_retry(message, send_volunteer_confirmation, [volunteer_id, template], attempt)
