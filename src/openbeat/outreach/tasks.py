"""Background work of outreach: the subscription notes. A mailing's fan-out runs in
outreach.delivery and scheduled publishing in outreach.actions, beside what they run."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from openbeat.core.background import task
from openbeat.core.mail import send_or_retry, sender
from openbeat.core.models import Suppression
from openbeat.outreach import links
from openbeat.outreach.models import Subscription, SubscriptionStatus


@task()
def send_subscription_notice(subscription_id, template, attempt=0):
    """ "confirm" (the double opt-in link) or "already" (asked again while subscribed).

    Built when sent: a subscription confirmed, removed or bounced meanwhile gets nothing.
    """
    subscription = (
        Subscription.objects.select_related("agency", "concern", "problem")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return
    wanted = SubscriptionStatus.PENDING if template == "confirm" else SubscriptionStatus.ACTIVE
    if subscription.status != wanted:
        return
    if Suppression.objects.filter(email=subscription.email).exists():
        return
    unsubscribe = links.unsubscribe_url(subscription)
    context = {
        "subscription": subscription,
        "agency": subscription.agency,
        "confirm_url": links.confirm_url(subscription),
        "manage_url": links.manage_url(subscription),
        "unsubscribe_url": unsubscribe,
        "base_url": settings.BASE_URL,
    }
    with translation.override(subscription.language):
        subject = render_to_string(f"outreach/email/{template}_subject.txt", context)
        body = render_to_string(f"outreach/email/{template}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=sender(subscription.agency),
        to=[subscription.email],
        headers={**links.list_headers(unsubscribe), "Auto-Submitted": "auto-generated"},
    )
    send_or_retry(message, send_subscription_notice, [subscription_id, template], attempt)
