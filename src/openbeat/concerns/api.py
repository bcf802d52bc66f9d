"""Concerns in the JSON API: public reading and reporting, and staff triage with an agency key."""

import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja import Status as NinjaStatus
from ninja.errors import HttpError
from pydantic import ConfigDict
from pydantic.config import JsonDict

from openbeat.api import inputs
from openbeat.api.auth import STAFF
from openbeat.api.errors import PUBLIC_ERRORS, STAFF_ERRORS, ApiError
from openbeat.concerns import actions, queries
from openbeat.concerns.models import Concern, Source, Status
from openbeat.core import ratelimit
from openbeat.core.access import get_for_staff, scoped
from openbeat.core.models import Area
from openbeat.core.refusals import refusal_of

router = Router(tags=["concerns"])
staff_router = Router(tags=["staff: concerns"], auth=STAFF)

API_SUBMIT_LIMIT = (30, 3600)


class HistoryItem(Schema):
    at: datetime.datetime
    kind: str
    status: str
    text: str


class PublicConcern(Schema):
    id: int
    category: str
    category_name: str
    status: str
    status_name: str
    agency: str
    area: str | None
    description: str
    latitude: float | None = Field(description="Rounded to ~100 m for concerns about people")
    longitude: float | None
    location_text: str
    referred_to: str
    supporters: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    url: str
    photos: list[str]
    history: list[HistoryItem]


# A filter left out is no filter: its default None is never sent (a query string has no null),
# so the schema gives the filter's own type only (and the type checker is told so line by line).
class ConcernFilters(Schema):
    status: Literal["open", "closed"] = None  # type: ignore[assignment]  # None: no filter
    category: Annotated[str, inputs.slug("Category slug")] = None  # type: ignore[assignment]  # None: no filter
    area: Annotated[int, Field(ge=1, le=inputs.MAX_ID, description="Area id")] = None  # type: ignore[assignment]  # None: no filter
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000_000)


# Where the problem is, as the action takes it (actions._locate): a pin; or a typed place with
# its area; or a venue, whose point is the pin. Latitude and longitude come together or not at all.
PIN: JsonDict = {"latitude": {"type": "number"}, "longitude": {"type": "number"}}
NO_PIN: JsonDict = {"latitude": {"type": "null"}, "longitude": {"type": "null"}}
SOMEWHERE: JsonDict = {
    "anyOf": [
        {"required": ["latitude", "longitude"], "properties": PIN},
        {
            "required": ["location_text", "area"],
            "properties": {
                **NO_PIN,
                "location_text": {"pattern": inputs.SOME_TEXT},
                "area": {"type": "integer"},
            },
        },
        {"required": ["venue"], "properties": {**NO_PIN, "venue": {"type": "integer"}}},
    ]
}


class NewConcern(Schema):
    """A report. A category, area or venue that does not exist, or a pin outside every area
    served, is a 404 naming it; anything else the schema allows is taken (or is a 429)."""

    model_config = ConfigDict(**inputs.STRICT_BODY, json_schema_extra=SOMEWHERE)

    category: Annotated[str, inputs.slug("Category slug, from the categories of the area's agency")]
    description: Annotated[
        str,
        inputs.text(actions.MAX_DESCRIPTION, required=True),
        Field(
            description="Plain text: HTML tags such as <a> or <script> are refused",
            json_schema_extra={"not": {"pattern": actions.MARKUP_PATTERN}},
        ),
    ]
    latitude: Annotated[float, inputs.coordinate(90)] | None = None
    longitude: Annotated[float, inputs.coordinate(180)] | None = None
    location_text: Annotated[str, inputs.text(300, description="Address or landmark")] = ""
    area: inputs.WholeNumber | None = Field(
        None, description="Area id, with location_text when there is no pin"
    )
    venue: inputs.WholeNumber | None = Field(None, description="Venue id: the pin is the venue's")
    name: Annotated[str, inputs.text(120)] = ""
    email: inputs.Email = ""
    phone: inputs.Phone = ""
    anonymous: bool = False


class Receipt(Schema):
    id: int | None = Field(
        description="Where the public reads it, /api/v1/concerns/{id}; null when the concern is "
        "not public (a complaint about an officer never is): follow it by its tracking_url"
    )
    tracking_url: str = Field(description="The reporter's private link; give it only to them")
    created: bool


def _history(concern):
    return [
        {"at": u.created_at, "kind": u.kind, "status": u.status_after, "text": u.body}
        for u in concern.public_updates
    ]


def _public(concern):
    point = concern.public_point() or (None, None)
    return {
        "id": concern.pk,
        "category": concern.category.slug,
        "category_name": concern.category.name,
        "status": concern.status,
        "status_name": str(concern.get_status_display()),
        "agency": concern.agency.slug,
        "area": concern.area.name if concern.area else None,
        "description": concern.description,
        "latitude": point[0],
        "longitude": point[1],
        "location_text": concern.public_location_text,
        "referred_to": concern.referred_to,
        "supporters": concern.support_count,
        "created_at": concern.created_at,
        "updated_at": concern.updated_at,
        "url": concern.get_absolute_url(),
        "photos": [p.get_absolute_url() for p in concern.public_photos],
        "history": _history(concern),
    }


@router.get(
    "/",
    response={200: list[PublicConcern], **PUBLIC_ERRORS},
    summary="Public concerns, newest first",
)
def list_concerns(request, filters: Query[ConcernFilters]):
    area = None
    if filters.area is not None:
        area = Area.objects.filter(pk=filters.area).first()
        if area is None:
            raise Http404(f"No area {filters.area}.")
    concerns = queries.search(queries.public_concerns(), filters.status, filters.category, area)
    concerns = queries.with_public_detail(concerns.order_by("-created_at", "-id"))
    return [_public(c) for c in concerns[filters.offset : filters.offset + filters.limit]]


@router.get(
    "/{int:concern_id}",
    response={200: PublicConcern, **PUBLIC_ERRORS},
    summary="One public concern",
)
def get_concern(request, concern_id: int):
    concern = queries.with_public_detail(queries.public_concerns()).filter(pk=concern_id).first()
    if concern is None:
        raise Http404("No such public concern.")
    return _public(concern)


@router.post(
    "/", response={201: Receipt, 200: Receipt, **PUBLIC_ERRORS}, summary="Report a concern"
)
def create_concern(request, payload: NewConcern):
    ratelimit.hit("concern.api", ratelimit.client_key(request), *API_SUBMIT_LIMIT)
    data = payload.dict()
    data["latitude"] = "" if payload.latitude is None else str(payload.latitude)
    data["longitude"] = "" if payload.longitude is None else str(payload.longitude)
    data["anonymous"] = "on" if payload.anonymous else ""
    try:
        concern, created = actions.submit_concern(data, source=Source.API)
    except ValidationError as exc:
        refused = refusal_of(exc)
        raise HttpError(refused.status, refused.detail) from None
    receipt = {
        "id": concern.pk if concern.is_public else None,
        "tracking_url": f"/concerns/track/{concern.tracking_token}/",
        "created": created,
    }
    return NinjaStatus(201 if created else 200, receipt)


class StaffConcern(Schema):
    id: int
    agency: str
    category: str
    status: str
    priority: str
    is_private: bool
    is_hidden: bool
    description: str
    latitude: float | None
    longitude: float | None
    location_text: str
    reporter_name: str
    reporter_email: str
    reporter_phone: str
    is_anonymous: bool
    source: str
    created_at: datetime.datetime


# A duplicate is marked with its original (the staff pages' "Mark as duplicate"), not here.
SETTABLE = tuple(s for s in Status.values if s != Status.DUPLICATE)


class StatusChange(Schema):
    """closed_referred needs the partner: in referred_to, or already on the concern (else 409)."""

    model_config = inputs.STRICT_BODY

    status: Literal[SETTABLE]  # type: ignore[valid-type]  # Status's values, read at start-up
    note: Annotated[str, inputs.text(actions.MAX_DESCRIPTION, description="Public note")] = ""
    referred_to: Annotated[str, inputs.text(120, description="The partner it was referred to")] = ""


def _staff_view(concern):
    return {
        "id": concern.pk,
        "agency": concern.agency.slug,
        "category": concern.category.slug,
        "status": concern.status,
        "priority": concern.priority,
        "is_private": concern.is_private,
        "is_hidden": concern.is_hidden,
        "description": concern.description,
        "latitude": None if concern.latitude is None else float(concern.latitude),
        "longitude": None if concern.longitude is None else float(concern.longitude),
        "location_text": concern.location_text,
        "reporter_name": concern.reporter_name,
        "reporter_email": concern.reporter_email,
        "reporter_phone": concern.reporter_phone,
        "is_anonymous": concern.is_anonymous,
        "source": concern.source,
        "created_at": concern.created_at,
    }


def _staff_concern(request, concern_id):
    return get_for_staff(
        request.auth, Concern.objects.select_related("category", "agency"), pk=concern_id
    )


@staff_router.get(
    "/",
    response={200: list[StaffConcern], **STAFF_ERRORS},
    summary="Your agency's concerns, newest first",
)
def staff_list(
    request, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000_000)
):
    concerns = scoped(request.auth, Concern.objects.select_related("category", "agency"))
    return [
        _staff_view(c) for c in concerns.order_by("-created_at", "-id")[offset : offset + limit]
    ]


@staff_router.get(
    "/{int:concern_id}",
    response={200: StaffConcern, **STAFF_ERRORS},
    summary="One of your agency's concerns",
)
def staff_get(request, concern_id: int):
    return _staff_view(_staff_concern(request, concern_id))


@staff_router.post(
    "/{int:concern_id}/status",
    response={200: StaffConcern, **STAFF_ERRORS, 409: ApiError},
    summary="Change the status",
)
def staff_set_status(request, concern_id: int, payload: StatusChange):
    concern = _staff_concern(request, concern_id)
    try:
        actions.change_status(
            concern, payload.status, payload.note, payload.referred_to, acting_user=request.auth
        )
    except ValidationError as exc:
        # The body is valid (its schema saw to that): what is left is the concern's state, a
        # referral without a partner on record.
        raise HttpError(409, " ".join(exc.messages)) from None
    return _staff_view(concern)
