"""Background work of outreach: confirmation notes, fan-out planning and sending, schedules."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openbeat.core.background import task
from openbeat.core.mail import send_or_retry


@task()
def send_subscription_notice(subscription_id, template, attempt=0):
    """ "confirm" (the double opt-in link) or "already" (asked again while subscribed).

    Built when sent: a subscription confirmed, removed or bounced meanwhile gets nothing.
    """
    from openbeat.outreach import links
    from openbeat.outreach.models import Subscription, SubscriptionStatus, Suppression

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
        to=[subscription.email],
        headers={**links.list_headers(unsubscribe), "Auto-Submitted": "auto-generated"},
    )
    send_or_retry(message, send_subscription_notice, [subscription_id, template], attempt)


@task()
def plan_mailing(mailing_id):
    from openbeat.outreach import delivery

    delivery.plan(mailing_id)


@task()
def send_mailing(mailing_id):
    """Send a share of a mailing, then hand on to a successor while emails remain, so one big
    fan-out never holds a worker for long and other email is sent between its batches."""
    from openbeat.outreach import delivery

    _sent, left, outage = delivery.send_some(mailing_id)
    if outage is not None:
        if not send_mailing.get_backend().supports_defer:
            raise RuntimeError(f"Mailing {mailing_id}: the mail server failed: {outage}")
        later = timezone.now() + delivery.retry_delay(mailing_id)
        send_mailing.using(run_after=later).enqueue(mailing_id)
        return
    if left:
        send_mailing.enqueue(mailing_id)


@task()
def publish_when_due(announcement_id):
    from openbeat.outreach import actions

    actions.publish_due()
