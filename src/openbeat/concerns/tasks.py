"""Background work for concerns: the reporter's receipt, a supporter's confirmation, and staff's
note of a contested closure. Updates go to followers through `outreach.delivery`."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from openbeat.concerns.models import Concern, ConcernUpdate, Supporter
from openbeat.core.background import task
from openbeat.core.mail import send_or_retry, sender
from openbeat.core.models import Role, StaffRole


@task()
def send_concern_email(concern_id, kind, recipient, update_id, attempt=0):
    """Write to the reporter ("reporter") or a supporter (their id) about their own act: the
    receipt of a report ("received"), or a "me too" to confirm ("support_*").

    Built when sent, from the concern as it is then.
    """
    concern = Concern.objects.select_related("category", "agency").get(pk=concern_id)
    if recipient == "reporter":
        address, language, token = concern.reporter_email, concern.language, concern.tracking_token
    else:
        supporter = Supporter.objects.filter(pk=recipient, concern=concern).first()
        if supporter is None:
            return  # unfollowed or merged away since
        address, language, token = supporter.email, supporter.language, supporter.token
    if not address:
        return
    update = (
        ConcernUpdate.objects.filter(pk=update_id, is_public=True).first() if update_id else None
    )
    with translation.override(language):
        context = {
            "concern": concern,
            "update": update,
            "is_reporter": recipient == "reporter",
            "track_url": f"{settings.BASE_URL}/concerns/track/{token}/",
        }
        subject = render_to_string(f"concerns/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"concerns/email/{kind}.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[address],
        from_email=sender(concern.agency),
    )
    send_or_retry(message, send_concern_email, [concern_id, kind, recipient, update_id], attempt)


@task()
def notify_staff_of_contest(concern_id, update_id, attempt=0):
    """Tell the agency's coordinators and administrators that a closure was contested."""
    concern = Concern.objects.select_related("category", "agency").get(pk=concern_id)
    update = ConcernUpdate.objects.get(pk=update_id)
    addresses = sorted(
        set(
            StaffRole.objects.filter(agency=concern.agency, role__in=[Role.COORDINATOR, Role.ADMIN])
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not addresses:
        return
    context = {
        "concern": concern,
        "update": update,
        "staff_url": f"{settings.BASE_URL}/staff/concerns/{concern.pk}/",
    }
    subject = render_to_string("concerns/email/contested_subject.txt", context).strip()
    body = render_to_string("concerns/email/contested.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=addresses,
        from_email=sender(concern.agency),
    )
    send_or_retry(message, notify_staff_of_contest, [concern_id, update_id], attempt)
