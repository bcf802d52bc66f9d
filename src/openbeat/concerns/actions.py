"""The one write path for concerns. Public forms, staff pages, meeting intake and APIs call these."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openbeat.concerns.location import area_at, public_area
from openbeat.concerns.models import (
    CLOSED_STATUSES,
    Category,
    Concern,
    ConcernUpdate,
    Flag,
    Photo,
    Priority,
    Source,
    Status,
    Supporter,
    UpdateKind,
    new_token,
    public_location,
)
from openbeat.concerns.questions import clean_answers
from openbeat.concerns.tasks import notify_staff_of_contest, send_concern_email
from openbeat.core import audit, audit_events, contact, images, pagecache
from openbeat.core.background import enqueue_with_write
from openbeat.core.models import Agency, Area, Venue
from openbeat.core.refusals import INVALID, NOT_FOUND, refusal
from openbeat.events.models import Occurrence
from openbeat.insights import surveys
from openbeat.open311 import items as open311_items
from openbeat.outreach.actions import add_follower, concern_updated, move_followers
from openbeat.outreach.models import Role

if TYPE_CHECKING:
    from openbeat.core.access import Actor

MAX_DESCRIPTION = 4000
MAX_PHOTOS = 3
MARKUP_TAGS = ("script", "iframe", "object", "embed", "style", "img", "svg", "a", "link", "meta")
# The JSON API's schema states this rule too, so it is written for ECMA 262 as well as Python:
# explicit classes for the letters' two cases and the spaces, no flags, no \s or \b.
MARKUP_PATTERN = (
    "<[\\t\\n\\u000b\\u000c\\r ]*/?[\\t\\n\\u000b\\u000c\\r ]*("
    + "|".join("".join(f"[{c}{c.upper()}]" for c in tag) for tag in MARKUP_TAGS)
    + ")(?![A-Za-z0-9_])"
)
MARKUP = re.compile(MARKUP_PATTERN)
MAX_EMAIL = 254  # the column's length (RFC 5321's longest address)


class Problems(dict[str, str]):
    """What to fix, by field; `unknown` names the fields whose value names nothing that exists
    here (a category, place or area), which the APIs answer with a 404 rather than a 400."""

    def __init__(self) -> None:
        super().__init__()
        self.unknown: set[str] = set()

    def not_found(self, field: str, message: str) -> None:
        self[field] = message
        self.unknown.add(field)

    def refusal(self) -> ValidationError:
        """One refusal with every problem under its field; unknown references are NOT_FOUND."""
        keyed: dict[str, list[ValidationError]] = {}
        for field, message in self.items():
            code = NOT_FOUND if field in self.unknown else INVALID
            keyed.update(refusal(field, message, code).error_dict)
        return ValidationError(keyed)


def _number(value: Any, low: float, high: float, field: str, errors: Problems) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors[field] = _("The map location must be numbers, for example 39.2995 and -75.6047.")
        return None
    if not (low <= number <= high) or number != number:
        errors[field] = _("The map location is off the map. Put the pin where the problem is.")
        return None
    return number


def _clean_text(description: str | None, errors: Problems) -> str:
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Please describe the problem in a few words.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _(
            "Please shorten the description to %(most)s characters (it has %(count)s)."
        ) % {"most": MAX_DESCRIPTION, "count": len(description)}
    elif MARKUP.search(description):
        errors["description"] = _("Please write plain text only: remove the HTML code.")
    return description


def _clean_contact(data: Mapping[str, Any], errors: Problems) -> tuple[str, str, str]:
    name = (data.get("name") or "").strip()[:120]
    email = (data.get("email") or "").strip().lower()
    phone = re.sub(r"[^\d+() .-]", "", (data.get("phone") or "").strip())[:40]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Please enter an email address such as name@example.com.")
        else:
            if len(email) > MAX_EMAIL:
                errors["email"] = _(
                    "Please use an email address of at most %(most)s characters."
                ) % {"most": MAX_EMAIL}
    return name, email, phone


def _locate(
    data: Mapping[str, Any], errors: Problems
) -> tuple[Area | None, float | None, float | None, str, Venue | None]:
    """(area, lat, lon, location_text, venue) from a pin, a typed place with an area, or a venue."""
    lat = _number(data.get("latitude"), -90, 90, "location", errors)
    lon = _number(data.get("longitude"), -180, 180, "location", errors)
    text = (data.get("location_text") or "").strip()[:300]
    if "location" in errors:
        return None, None, None, text, None
    if (lat is None) != (lon is None):
        errors["location"] = _("The map location needs both latitude and longitude.")
        return None, None, None, text, None
    venue = None
    venue_id = str(data.get("venue") or "")
    if venue_id:
        venue = Venue.objects.filter(pk=venue_id).first() if venue_id.isdecimal() else None
        if venue is None:
            errors.not_found("venue", _("Choose a place from the list."))
            if lat is None:  # nowhere else to look: "tell us where" would only repeat it
                return None, None, None, text, None
        elif lat is None:
            lat, lon = float(venue.latitude), float(venue.longitude)
    if lat is not None and lon is not None:
        area = area_at(lat, lon)
        if area is None:
            errors.not_found(
                "location",
                _(
                    "That spot is outside the areas served here. Check the pin, or call your "
                    "local police non-emergency line."
                ),
            )
        return area, lat, lon, text, venue
    area_id = str(data.get("area") or "")
    if (
        text
        and area_id.isdecimal()
        and (area := Area.objects.filter(pk=area_id).select_related("agency").first())
    ):
        return area, None, None, text, venue
    message = _("Choose the neighborhood, so we know which police department it is for.")
    if text and area_id.isdecimal():
        errors.not_found("area", message)
    elif text:
        errors["area"] = message
    else:
        errors["location"] = _(
            "Tell us where: put a pin on the map, or type an address or landmark and choose the "
            "neighborhood, or choose a nearby place from the list."
        )
    return None, None, None, text, venue


def _known_category(slug: str | None, errors: Problems) -> bool:
    """Whether `slug` is a category some agency offers; says what to fix when it is not."""
    if not slug:
        errors["category"] = _("Choose what the problem is about.")
    elif not Category.objects.filter(slug=slug, is_active=True).exists():
        errors.not_found("category", _("Choose a category from the list."))
    return "category" not in errors


def _category_for(slug: str, agency: Agency, errors: Problems) -> Category | None:
    """The agency's category with this slug; the same kinds exist in every agency that uses them."""
    category = Category.objects.filter(agency=agency, slug=slug, is_active=True).first()
    if category is None:  # the agency here does not use that kind: its catch-all takes it
        category = Category.objects.filter(agency=agency, slug="other", is_active=True).first()
    if category is None:
        errors.not_found(
            "category",
            _("%(agency)s does not take this kind of concern here. Choose another category.")
            % {"agency": agency.name},
        )
    return category


def prepare_photos(uploads: Iterable[Any]) -> list[tuple[ContentFile[bytes], int, int]]:
    """Re-encode every photo before anything is stored; one bad file refuses the whole report."""
    uploads = [u for u in uploads if u]
    if len(uploads) > MAX_PHOTOS:
        raise refusal("photos", _("You can add up to %(most)s photos.") % {"most": MAX_PHOTOS})
    prepared = []
    for upload in uploads:
        try:
            prepared.append(images.reencode(upload))
        except ValidationError as exc:
            raise refusal("photos", " ".join(exc.messages)) from exc
    return prepared


def submit_concern(
    data: Mapping[str, Any],
    uploads: Iterable[Any] = (),
    *,
    source: str = Source.WEB,
    acting_user: Actor | None = None,
    occurrence: Occurrence | None = None,
    language: str = "en",
) -> tuple[Concern, bool]:
    """Take a resident's concern.

    Invariants: a concern is stored with its agency, area and category, or not at all; when this
    returns, it is committed (the resident may be told "received"); the same form submitted
    twice makes one concern; photos are stored only re-encoded.
    """
    errors = Problems()
    description = _clean_text(data.get("description"), errors)
    area, lat, lon, text, venue = _locate(data, errors)
    name, email, phone = _clean_contact(data, errors)
    known = _known_category(data.get("category"), errors)
    category = _category_for(data["category"], area.agency, errors) if area and known else None
    answers = clean_answers(category, data.get("attributes"), errors) if category else {}
    if lat is not None and lon is not None:
        lat, lon = round(lat, 6), round(lon, 6)  # as stored
        if category and area:
            area = public_area(area, public_location(lat, lon, category.about_people))
    media_url = (data.get("media_url") or "").strip()
    if media_url and (len(media_url) > 500 or not media_url.startswith(("http://", "https://"))):
        errors["media_url"] = _(
            "media_url must be an http or https link of at most 500 characters."
        )
    if errors:
        raise errors.refusal()
    assert area is not None and category is not None  # else `errors` said what was missing
    photos = prepare_photos(uploads)
    nonce = (data.get("nonce") or "")[:64] or None
    if nonce and (same := Concern.objects.filter(form_nonce=nonce).first()):
        return same, False
    anonymous = bool(data.get("anonymous"))
    if anonymous:
        name = ""  # an anonymous reporter's name is not kept at all, not even for staff
    try:
        with transaction.atomic():
            concern = Concern.objects.create(
                agency=area.agency,
                category=category,
                area=area,
                description=description,
                latitude=lat,
                longitude=lon,
                location_text=text,
                venue=venue,
                reporter_name=name,
                reporter_email=email,
                reporter_phone=phone,
                is_anonymous=anonymous,
                source=source,
                raised_at=occurrence,
                language=language[:8],
                form_nonce=nonce,
                is_private=category.is_sensitive,
                referred_to=category.referred_to,
                attributes=answers,
                media_url=media_url,
                open311_token=new_token() if category.is_sensitive else None,
            )
            for content, width, height in photos:
                photo = Photo(concern=concern, agency=concern.agency, width=width, height=height)
                photo.image.save("photo.jpg", content, save=False)
                photo.save()
            pagecache.bump(*concern.page_scopes())  # the resident sees it listed at once
            if acting_user is not None:
                audit.record(
                    acting_user,
                    audit_events.CONCERN_INTAKE,
                    concern,
                    after=_public_snapshot(concern),
                )
            if email:
                add_follower(concern, email, role=Role.REPORTER, language=concern.language)
                enqueue_with_write(send_concern_email, concern.pk, "received", "reporter", None)
    except IntegrityError:
        if nonce and (same := Concern.objects.filter(form_nonce=nonce).first()):
            return same, False
        raise
    return concern, True


def _public_snapshot(concern: Concern) -> dict[str, Any]:
    saved = audit.snapshot(
        concern,
        exclude=(
            "reporter_name",
            "reporter_email",
            "reporter_phone",
            "tracking_token",
            "form_nonce",
        ),
    )
    return saved or {}


def _add_update(
    concern: Concern,
    kind: str,
    actor: Actor | None = None,
    body: str = "",
    public: bool = False,
    before: str = "",
    after: str = "",
) -> ConcernUpdate:
    return ConcernUpdate.objects.create(
        concern=concern,
        agency=concern.agency,
        kind=kind,
        is_public=public,
        body=body,
        status_before=before,
        status_after=after,
        author=actor if isinstance(actor, User) else None,
    )


def change_status(
    concern: Concern,
    status: str,
    note: str = "",
    referred_to: str | None = "",
    *,
    acting_user: Actor | None,
) -> ConcernUpdate | None:
    """Move a concern to a new status with a public note; the reporter and followers are told.

    Keeping the status with a note is a public reply; keeping it with nothing to say changes
    nothing (None: no email, no line in the history), so a form sent twice or an API call
    retried after a timeout tells no one twice.
    """
    referred_to = (referred_to or "").strip()
    if status not in Status.values:
        raise refusal("status", _("Choose a status from the list."))
    # Checked before "unchanged": a duplicate is only ever made by mark_duplicate, with its
    # original, so even a duplicate's own status is not a choice here.
    if status == Status.DUPLICATE:
        raise refusal("status", _("Use 'Mark as duplicate' and choose the original concern."))
    unchanged = status == concern.status and (
        not referred_to or referred_to[:120] == concern.referred_to
    )
    if unchanged:
        return (
            respond(concern, note, public=True, acting_user=acting_user) if note.strip() else None
        )
    if status == Status.REFERRED and not (referred_to or concern.referred_to):
        raise refusal("referred_to", _("Say which partner it was referred to."))
    with transaction.atomic():
        before = _public_snapshot(concern)
        previous = concern.status
        concern.status = status
        if referred_to:
            concern.referred_to = referred_to[:120]
        concern.closed_at = timezone.now() if status in CLOSED_STATUSES else None
        concern.save()
        update = _add_update(
            concern, UpdateKind.STATUS, acting_user, note.strip(), True, previous, status
        )
        audit.record(
            acting_user,
            audit_events.CONCERN_STATUS,
            concern,
            before=before,
            after=_public_snapshot(concern),
        )
        concern_updated(concern, update)
        if status in CLOSED_STATUSES and previous not in CLOSED_STATUSES:
            surveys.invite_after_closure(concern)
    return update


def respond(
    concern: Concern, body: str | None, public: bool = True, *, acting_user: Actor | None
) -> ConcernUpdate:
    """A public answer (told to followers) or an internal note (never leaves staff views)."""
    body = (body or "").strip()
    if not body:
        raise refusal("body", _("Write the response first."))
    with transaction.atomic():
        update = _add_update(
            concern, UpdateKind.RESPONSE if public else UpdateKind.NOTE, acting_user, body, public
        )
        audit.record(
            acting_user,
            audit_events.CONCERN_RESPOND if public else audit_events.CONCERN_NOTE,
            concern,
            after={"update": update.pk, "public": public},
        )
        if public:
            concern_updated(concern, update)
    return update


def assign(
    concern: Concern,
    assignee: User | None,
    unit: str | None,
    priority: str,
    *,
    acting_user: Actor | None,
) -> None:
    """Give the concern to an officer and unit, with a priority.

    Invariant: the officer, when there is one, is an active staff member of the concern's
    agency (whatever list the caller offered), and the priority is one of the list's.
    """
    if assignee is not None and not (
        assignee.is_active and assignee.staff_roles.filter(agency_id=concern.agency_id).exists()
    ):
        raise refusal("assigned_to", _("Choose an officer of the concern's own agency."))
    if priority not in Priority.values:
        raise refusal("priority", _("Choose a priority from the list."))
    unit = (unit or "").strip()
    if len(unit) > 120:
        raise refusal("assigned_unit", _("Please shorten the unit to 120 characters."))
    with transaction.atomic():
        before = _public_snapshot(concern)
        concern.assigned_to = assignee
        concern.assigned_unit = unit
        concern.priority = priority
        concern.save(update_fields=["assigned_to", "assigned_unit", "priority", "updated_at"])
        _add_update(concern, UpdateKind.ASSIGN, acting_user, "")
        audit.record(
            acting_user,
            audit_events.CONCERN_ASSIGN,
            concern,
            before=before,
            after=_public_snapshot(concern),
        )


def reclassify(
    concern: Concern, category: Category, make_private: bool, *, acting_user: Actor | None
) -> None:
    """Change the category; a sensitive category or the private flag takes it out of public view."""
    if category.agency_id != concern.agency_id:
        raise refusal("category", _("Choose one of your agency's categories."))
    with transaction.atomic():
        before = _public_snapshot(concern)
        pagecache.bump(*concern.page_scopes())  # its pin may move to another tile
        concern.category = category
        concern.is_private = bool(make_private) or category.is_sensitive
        concern.refile()
        concern.save(update_fields=["category", "is_private", "area", "updated_at"])
        _add_update(concern, UpdateKind.RECLASSIFY, acting_user, category.name)
        audit.record(
            acting_user,
            audit_events.CONCERN_RECLASSIFY,
            concern,
            before=before,
            after=_public_snapshot(concern),
        )


def mark_duplicate(concern: Concern, original: Concern, *, acting_user: Actor | None) -> Concern:
    """Close a concern as a duplicate; its supporters and reporter follow the original instead."""
    if original.pk == concern.pk or original.agency_id != concern.agency_id:
        raise refusal("original", _("Choose another concern of your agency as the original."))
    if original.status == Status.DUPLICATE:
        original = original.duplicate_of or original
    with transaction.atomic():
        before = _public_snapshot(concern)
        previous = concern.status
        concern.status = Status.DUPLICATE
        concern.duplicate_of = original
        concern.closed_at = timezone.now()
        concern.save()
        moved = 0
        for supporter in concern.supporters.all():
            already = supporter.email and (
                supporter.email == original.reporter_email
                or original.supporters.filter(email=supporter.email).exists()
            )
            if already:
                supporter.delete()
                continue
            supporter.concern = original
            supporter.save(update_fields=["concern"])
            moved += 1
        if (
            concern.reporter_email
            and not original.supporters.filter(email=concern.reporter_email).exists()
            and original.reporter_email != concern.reporter_email
        ):
            Supporter.objects.create(
                concern=original,
                agency=original.agency,
                email=concern.reporter_email,
                language=concern.language,
                confirmed_at=timezone.now(),  # the reporter's address, known to be theirs
            )
            add_follower(
                original, concern.reporter_email, role=Role.SUPPORTER, language=concern.language
            )
        move_followers(concern, original)
        note = _("Merged into concern #%(id)s.") % {"id": original.pk}
        update = _add_update(
            concern, UpdateKind.MERGE, acting_user, note, True, previous, Status.DUPLICATE
        )
        audit.record(
            acting_user,
            audit_events.CONCERN_DUPLICATE,
            concern,
            before=before,
            after={**_public_snapshot(concern), "supporters_moved": moved},
        )
        concern_updated(concern, update, role=Role.REPORTER)  # the others follow the original
    return original


def support(
    concern: Concern, email: str | None = "", language: str = "en"
) -> tuple[Supporter | None, str]:
    """Add a resident's voice to a concern. Returns (supporter or None, outcome).

    Without an email the voice counts at once ("counted"). With one, whatever the address, the
    browser is told the same (`core.emailforms`) and the address is emailed what happened: a
    new address ("new") or one that never confirmed ("pending") gets the link that confirms
    its voice, counted from then on; a supporter ("already") and the reporter ("reporter") get
    their own link again.
    """
    email = contact.clean_email(email, required=False)
    if not concern.is_open:
        raise refusal("email", _("This concern is closed, so it is not taking support."))
    with transaction.atomic():
        if not email:
            supporter = Supporter.objects.create(
                concern=concern,
                agency=concern.agency,
                language=language[:8],
                confirmed_at=timezone.now(),
            )
            pagecache.bump(*concern.page_scopes())  # the supporter count on lists and Open311
            return supporter, "counted"
        if concern.reporter_email == email:
            enqueue_with_write(send_concern_email, concern.pk, "support_reporter", "reporter", None)
            return None, "reporter"
        supporter, created = Supporter.objects.get_or_create(
            concern=concern,
            email=email,
            defaults={"agency": concern.agency, "language": language[:8]},
        )
        if supporter.confirmed_at is not None:
            outcome = "already"
        else:
            outcome = "new" if created else "pending"
        kind = "support_already" if outcome == "already" else "support_confirm"
        enqueue_with_write(send_concern_email, concern.pk, kind, supporter.pk, None)
    return supporter, outcome


def confirm_support(token: str) -> tuple[Supporter, bool]:
    """The supporter's address confirmed their voice: it counts, and they follow the concern.
    Confirming again changes nothing. Returns (supporter, changed)."""
    with transaction.atomic():
        supporter = Supporter.objects.select_for_update().select_related("concern").get(token=token)
        if supporter.confirmed_at is not None:
            return supporter, False
        supporter.confirmed_at = timezone.now()
        supporter.save(update_fields=["confirmed_at"])
        if supporter.email:
            add_follower(
                supporter.concern, supporter.email, role=Role.SUPPORTER, language=supporter.language
            )
        pagecache.bump(*supporter.concern.page_scopes())
    return supporter, True


PENDING_KEPT = datetime.timedelta(days=7)


def forget_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Supporters' addresses that never confirmed count for nothing and are not kept: deleted a
    week after they were given (a worker's periodic job; a second run finds nothing)."""
    cutoff = (now or timezone.now()) - PENDING_KEPT
    deleted, _counts = Supporter.objects.filter(
        confirmed_at__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted


def contest(token: str, reason: str | None) -> Concern:
    """The reporter (or a supporter) disputes a closure within 30 days: it reopens, staff are told."""
    concern = Concern.objects.filter(tracking_token=token).first()
    if concern is None:
        supporter = Supporter.objects.filter(token=token).select_related("concern").first()
        concern = supporter.concern if supporter else None
    if concern is None:
        raise Concern.DoesNotExist
    reason = (reason or "").strip()
    if not reason:
        raise refusal("reason", _("Tell us why the problem is not solved."))
    if len(reason) > MAX_DESCRIPTION:
        raise refusal("reason", _("Please shorten your reason to 4000 characters."))
    if not concern.can_be_contested():
        if concern.status not in CLOSED_STATUSES or concern.status == Status.DUPLICATE:
            raise refusal("reason", _("Only a closed concern can be contested."))
        raise refusal(
            "reason",
            _(
                "This concern was closed more than 30 days ago. Please report it again as a new concern."
            ),
        )
    with transaction.atomic():
        previous = concern.status
        concern.status = Status.ACKNOWLEDGED
        concern.closed_at = None
        concern.save()
        update = _add_update(
            concern, UpdateKind.CONTEST, None, reason, True, previous, Status.ACKNOWLEDGED
        )
        pagecache.bump(*concern.page_scopes())
        enqueue_with_write(notify_staff_of_contest, concern.pk, update.pk)
    return concern


def flag(concern: Concern, reason: str | None) -> Flag:
    reason = (reason or "").strip()[:300]
    if not reason:
        raise refusal("reason", _("Tell us what is wrong with this content."))
    return Flag.objects.create(concern=concern, agency=concern.agency, reason=reason)


def set_hidden(
    target: Concern | ConcernUpdate | Photo,
    hidden: bool,
    reason: str | None,
    *,
    acting_user: Actor | None,
) -> None:
    """Hide (never delete) abusive or personal content, with the reason kept in the audit log."""
    reason = (reason or "").strip()
    if hidden and not reason:
        raise refusal("reason", _("Give the reason for hiding it; it is kept in the audit log."))
    with transaction.atomic():
        before = {"is_hidden": target.is_hidden}
        target.is_hidden = hidden
        fields = ["is_hidden"]
        if isinstance(target, Concern):
            target.hidden_reason = reason[:300] if hidden else ""
            fields.append("hidden_reason")
        target.save(update_fields=fields)
        concern = target if isinstance(target, Concern) else target.concern
        if hidden:
            concern.flags.filter(resolved=False).update(resolved=True)
        audit.record(
            acting_user,
            audit_events.MODERATION_HIDE if hidden else audit_events.MODERATION_SHOW,
            target,
            before=before,
            after={"is_hidden": hidden, "reason": reason},
            agency=concern.agency,
        )


def import_concern(
    external_id: str,
    data: Mapping[str, Any],
    status: str,
    created_at: datetime.datetime,
    source: str = Source.OPEN311,
) -> tuple[Concern, bool]:
    """Bring in a concern from another system, once: a second import of the same record is a no-op.

    Returns (concern, created). The record's time and open/closed status are kept.
    """
    if (existing := Concern.objects.filter(external_id=external_id).first()) is not None:
        return existing, False
    with transaction.atomic():
        concern, _created = submit_concern({**data, "nonce": ""}, source=source)
        closed = status in CLOSED_STATUSES
        Concern.objects.filter(pk=concern.pk).update(
            external_id=external_id,
            created_at=created_at,
            status=status,
            closed_at=created_at if closed else None,
        )
        open311_items.refresh([concern.pk])  # an update() sends no signal
    concern.refresh_from_db()
    return concern, True
