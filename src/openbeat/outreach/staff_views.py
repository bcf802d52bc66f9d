"""Staff pages for announcements and their mailings, scoped to the user's agencies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from openbeat.core import translated
from openbeat.core.access import get_for_staff, has_role, scoped, staff_agencies
from openbeat.core.dates import local_datetime
from openbeat.core.markup import render_markdown
from openbeat.core.models import Role
from openbeat.core.staff_forms import apply_form
from openbeat.outreach import actions, delivery
from openbeat.outreach.forms import AnnouncementForm, PublishForm
from openbeat.outreach.models import (
    Announcement,
    Frequency,
    Kind,
    Mailing,
    Subscription,
    SubscriptionStatus,
)


def _announcement_for(request, pk, minimum=Role.OFFICER):
    return get_for_staff(
        request.user,
        Announcement.objects.select_related("agency", "programme"),
        minimum=minimum,
        pk=pk,
    )


def _subscriber_counts(agencies):
    news = Subscription.objects.filter(agency__in=agencies, kind=Kind.NEWS)
    return (
        news.values("agency__name")
        .annotate(
            immediate=Count(
                "pk",
                filter=Q(status=SubscriptionStatus.ACTIVE, frequency=Frequency.IMMEDIATE),
            ),
            weekly=Count(
                "pk", filter=Q(status=SubscriptionStatus.ACTIVE, frequency=Frequency.WEEKLY)
            ),
            pending=Count("pk", filter=Q(status=SubscriptionStatus.PENDING)),
        )
        .order_by("agency__name")
    )


@login_required
@require_GET
def home(request):
    agencies = staff_agencies(request.user)
    announcements = scoped(request.user, Announcement.objects.select_related("agency"))
    mailings = scoped(
        request.user,
        Mailing.objects.exclude(kind="announcement").select_related("agency"),
    )[:10]
    return render(
        request,
        "staff/outreach/home.html",
        {
            "announcements": announcements.order_by("-created_at")[:50],
            "mailings": [(m, delivery.progress(m)) for m in mailings],
            "counts": _subscriber_counts(agencies),
            "can_write": bool(staff_agencies(request.user, Role.COORDINATOR)),
        },
    )


def _agency_choice(request):
    agencies = staff_agencies(request.user, Role.COORDINATOR)
    wanted = request.POST.get("agency") or request.GET.get("agency")
    if wanted:
        return agencies.filter(slug=wanted).first()
    return agencies.first()


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    agency = _agency_choice(request)
    if agency is None:
        return render(request, "staff/outreach/forbidden.html", status=403)
    form = AnnouncementForm(request.POST or None, agency=agency)
    announcement = Announcement(agency=agency)

    def write(data):
        actions.save_announcement(
            announcement, data, data["areas"], data["topics"], acting_user=request.user
        )

    def show_again(form):
        status = 400 if request.method == "POST" else 200
        return render(
            request,
            "staff/outreach/edit.html",
            {"form": form, "agency": agency, "announcement": None},
            status=status,
        )

    if request.method == "GET":
        return show_again(form)
    response = apply_form(request, form, write, "staff:outreach", show_again)
    if announcement.pk:
        return redirect("staff:announcement", announcement.pk)
    return response


def _detail_context(announcement, form=None, publish_form=None):
    mailing = announcement.mailings.first()
    return {
        "announcement": announcement,
        "body": render_markdown(announcement.body),
        "form": form
        or AnnouncementForm(
            agency=announcement.agency,
            initial={
                **translated.initial(announcement, ["title", "body", "title_es", "body_es"]),
                "programme": announcement.programme,
                "areas": announcement.areas.all(),
                "topics": announcement.topics.all(),
            },
        ),
        "publish_form": publish_form or PublishForm(),
        "mailing": mailing,
        "progress": delivery.progress(mailing) if mailing else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def announcement(request, pk):
    if request.method == "GET":
        item = _announcement_for(request, pk)
        context = _detail_context(item)
        context["can_write"] = has_role(request.user, item.agency_id, Role.COORDINATOR)
        return render(request, "staff/outreach/announcement.html", context)
    item = _announcement_for(request, pk, Role.COORDINATOR)
    form = AnnouncementForm(request.POST, agency=item.agency)

    def write(data):
        actions.save_announcement(
            item, data, data["areas"], data["topics"], acting_user=request.user
        )

    def show_again(form):
        context = _detail_context(item, form=form)
        context["can_write"] = True
        return render(request, "staff/outreach/announcement.html", context, status=400)

    done = reverse("staff:announcement", args=[item.pk])
    return apply_form(request, form, write, done, show_again)


@login_required
@require_POST
def publish(request, pk):
    item = _announcement_for(request, pk, Role.COORDINATOR)
    form = PublishForm(request.POST)
    if form.is_valid():
        at = form.cleaned_data["publish_at"]
        if at is not None:
            at = local_datetime(at, item.agency.tz)
        try:
            actions.publish(item, at, acting_user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if at is None:
                messages.success(request, _("Published; subscribers are being emailed."))
            else:
                messages.success(request, _("Scheduled."))
            return redirect("staff:announcement", item.pk)
    context = _detail_context(item, publish_form=form)
    context["can_write"] = True
    return render(request, "staff/outreach/announcement.html", context, status=400)


@login_required
@require_POST
def withdraw(request, pk):
    item = _announcement_for(request, pk, Role.COORDINATOR)
    try:
        actions.withdraw(item, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        context = _detail_context(item)
        context["can_write"] = True
        return render(request, "staff/outreach/announcement.html", context, status=400)
    messages.success(request, _("Withdrawn; emails not yet sent will not be sent."))
    return redirect("staff:announcement", item.pk)


@login_required
@require_GET
def mailing(request, pk):
    found = get_for_staff(
        request.user, Mailing.objects.select_related("agency", "announcement"), pk=pk
    )
    return render(
        request,
        "staff/outreach/mailing.html",
        {"mailing": found, "progress": delivery.progress(found)},
    )
