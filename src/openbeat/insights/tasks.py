"""Background work for insights: survey invitations by email (the dashboards' refresh is in
insights.dashboards, beside what it runs)."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openbeat.core.background import task
from openbeat.core.mail import send_or_retry, sender
from openbeat.events.models import RSVPStatus
from openbeat.insights.models import SurveyInvitation


@task()
def send_survey_invitation(invitation_id, attempt=0):
    """Email one survey link; skipped when it was answered or the reply cancelled since."""
    invitation = (
        SurveyInvitation.objects.select_related(
            "agency", "rsvp", "concern__category", "occurrence__event"
        )
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.answered:
        return
    if invitation.rsvp is not None:
        if invitation.rsvp.status != RSVPStatus.CONFIRMED:
            return
        address, language = invitation.rsvp.email, invitation.rsvp.language
    elif invitation.concern is not None:
        address, language = invitation.concern.reporter_email, invitation.concern.language
    else:
        return
    if not address:
        return
    occurrence = invitation.occurrence
    with translation.override(language):
        context = {
            "invitation": invitation,
            "agency": invitation.agency,
            "occurrence": occurrence,
            "event": occurrence.event if occurrence else None,
            "local_start": timezone.localtime(occurrence.start, invitation.agency.tz)
            if occurrence
            else None,
            "concern": invitation.concern,
            "survey_url": settings.BASE_URL + invitation.get_absolute_url(),
            "days": settings.SURVEY_DAYS,
        }
        subject = render_to_string("insights/email/invitation_subject.txt", context).strip()
        body = render_to_string("insights/email/invitation.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[address],
        from_email=sender(invitation.agency),
    )
    send_or_retry(message, send_survey_invitation, [invitation_id], attempt)
