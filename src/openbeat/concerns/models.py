import datetime
import re
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openbeat.concerns import tiles
from openbeat.concerns.location import filed_area
from openbeat.core import pagecache, translated
from openbeat.core.models import Agency, Area, Venue
from openbeat.core.tokens import new_token

# The page cache's scopes: every concern write bumps ALL_CONCERNS (the site-wide list), its
# agency's scope and its map tile's; category changes bump CATEGORIES (every map tile's pins).
ALL_CONCERNS = "concerns"
CATEGORIES = "categories"


PUBLIC_PLACE_FIELDS = ("public_latitude", "public_longitude", "tile")
CONTEST_DAYS = datetime.timedelta(days=30)


def public_location(latitude: Any, longitude: Any, about_people: bool) -> tuple[float, float]:
    """A point as the public may see it: exact, or rounded to ~100 m for concerns about people.

    Every public output (pages, map pins, open data, hotspots) rounds through this one rule.
    """
    lat, lon = float(latitude), float(longitude)
    if about_people:
        # Three decimals of latitude is about 111 m; of longitude at 40° N about 85 m.
        return round(lat, 3), round(lon, 3)
    return round(lat, 5), round(lon, 5)


def public_place(latitude, longitude, about_people):
    """(public latitude, public longitude, map tile of that point), or Nones without a point."""
    if latitude is None or longitude is None:
        return None, None, None
    lat, lon = public_location(latitude, longitude, about_people)
    return lat, lon, tiles.tile_of(lat, lon)


# A house number: digits standing alone (with a letter or a "-12" range), wherever the street's
# name is (before it or after, "Calle Hidalgo 240"), but not a road's number ("Route 13") or an
# ordinal ("5th Street"); flats and units are dropped.
_HOUSE_NUMBER = re.compile(
    r"(?<![\w-])(?<!route )(?<!rt )(?<!hwy )(?<!highway )(?<!ruta )(?<!carretera )"
    r"(\d{1,6})[a-z]?(?:[-/]\d+[a-z]?)?(?![\w-])",
    re.IGNORECASE,
)
_UNIT = re.compile(
    r"[,\s]*(?:#\s*|\b(?:apt|apartment|unit|suite|ste|flat|room|lot|apto|apartamento|depto|"
    r"departamento|piso|interior|int)\b\.?\s*#?\s*)[\w-]*\d[\w-]*",
    re.IGNORECASE,
)


def public_location_text(text, about_people):
    """The typed place as the public may see it: as given, or to the block for concerns about
    people ("1234 Main St, Apt 5" → "12XX Main St"), as the map rounds their pin to ~100 m."""
    if not about_people or not text:
        return text
    text = _UNIT.sub("", text)
    return _HOUSE_NUMBER.sub(lambda m: f"{int(m.group(1)) // 100 or ''}XX", text).strip(" ,")


class Category(models.Model):
    """What a concern is about. Sensitive categories are accepted but never shown in public."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in links"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_sensitive = models.BooleanField(
        _("sensitive (never public)"),
        default=False,
        help_text=_("e.g. a complaint about an officer: staff see it, the public never does."),
    )
    about_people = models.BooleanField(
        _("about people"),
        default=False,
        help_text=_("Public maps show these concerns only to about 100 m, never the exact spot."),
    )
    referred_to = models.CharField(
        _("referred to partner"),
        max_length=120,
        blank=True,
        help_text=_("e.g. Public Works: concerns in this category are passed to them."),
    )
    is_active = models.BooleanField(_("offered to residents"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "slug"], name="category_slug_per_agency")
        ]
        indexes = [
            # Every public read excludes the sensitive categories (`ConcernQuerySet.public`): a
            # subquery each database runs once per statement (once per map tile in the pins'),
            # which read every category (1,100 for 100 agencies: ~90 us on SQLite, 40 with it).
            models.Index(
                fields=["id"], condition=models.Q(is_sensitive=True), name="category_sensitive"
            )
        ]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        rounding_changed = (
            self.pk is not None
            and Category.objects.filter(pk=self.pk).exclude(about_people=self.about_people).exists()
        )
        super().save(*args, **kwargs)
        if rounding_changed:
            for concern in self.concerns.filter(latitude__isnull=False).select_related("category"):
                pagecache.bump(*concern.page_scopes())  # the tile its pin leaves
                concern.refile()
                concern.save(update_fields=["area"])

    def page_scopes(self):
        return [ALL_CONCERNS, CATEGORIES]

    @property
    def display_name(self):
        """The name in the reader's language: the one staff wrote for it, else the catalogue's
        for one of the default names, else the other language's (see display_lang)."""
        own = translated.text_in(self, "name", translation.get_language() or "en").strip()
        return own or gettext(self.name)

    @property
    def display_lang(self):
        """The language to mark on display_name when it is not the page's, else None."""
        lang = translated.fallback_language(self, "name")
        if lang is None or gettext(self.name) != self.name:
            return None
        return lang


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    NOT_POLICE = "closed_not_police", _("Closed — not police responsibility")
    REFERRED = "closed_referred", _("Closed — referred")
    COULD_NOT_FIX = "closed_could_not_fix", _("Closed — could not fix")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = {Status.SUBMITTED, Status.ACKNOWLEDGED, Status.IN_PROGRESS}
CLOSED_STATUSES = set(Status) - OPEN_STATUSES


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Source(models.TextChoices):
    WEB = "web", _("Website")
    MEETING = "meeting", _("Raised at a meeting")
    OPEN311 = "open311", _("Open311 app")
    API = "api", _("API")


class ConcernQuerySet(models.QuerySet):
    def public(self):
        """Concerns the public may see: not private, not hidden by moderators, not in a
        sensitive category. The one definition: every page, feed, API, Open311 answer, export,
        duplicate suggestion and hotspot map starts from it (`Concern.is_public` says the same
        of one concern).

        The sensitive categories are a subquery, not a JOIN: the planner then reads concerns
        alone through the index the page needs (newest first, a map tile...). With a JOIN,
        SQLite with statistics starts from agencies and sorts a million rows for the first page
        of the list.
        """
        sensitive = Category.objects.filter(is_sensitive=True).values("pk")
        return self.not_private_or_hidden().exclude(category_id__in=sensitive)

    def not_private_or_hidden(self):
        """`public()` without its test of the category: only for a reader that has checked that
        no such concern is in a sensitive category, and drops any it finds (the map's pins:
        concerns/views.py `_sensitive_shown`). The write path makes a concern in a sensitive
        category private; only those filed before their category became sensitive are not."""
        return self.filter(is_private=False, is_hidden=False)

    def in_public_box(self, south, west, north, east):
        """Concerns whose PUBLIC point is in the box. Public filters never read the exact point:
        a tiny box around a guessed spot would otherwise tell where a concern about people is."""
        return self.filter(
            public_latitude__range=(south, north), public_longitude__range=(west, east)
        )


class Concern(models.Model):
    """A neighbourhood problem a resident raised. The reporter's details never leave staff views.

    Two locations: the exact point (`latitude`, `longitude`; staff only) and the public point
    (`public_latitude`, `public_longitude`: `public_location` of the exact one, stored on every
    save with its map `tile`). Everything public (pages, pins, filters, distances, counts,
    sort orders, exports, hotspots) reads the public point only, so no question a stranger can
    ask tells more than the public map shows.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="concerns")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="concerns")
    area = models.ForeignKey(
        Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="concerns"
    )
    description = models.TextField(_("description"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    location_text = models.CharField(_("address or landmark"), max_length=300, blank=True)
    venue = models.ForeignKey(
        Venue, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.SUBMITTED)
    referred_to = models.CharField(_("referred to"), max_length=120, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_unit = models.CharField(_("assigned unit"), max_length=120, blank=True)
    # Private when its category is sensitive or staff reclassified it (e.g. officer complaint).
    is_private = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=300, blank=True)
    reporter_name = models.CharField(max_length=120, blank=True)
    reporter_email = models.EmailField(blank=True)
    reporter_phone = models.CharField(max_length=40, blank=True)
    is_anonymous = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEB)
    raised_at = models.ForeignKey(
        "events.Occurrence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name=_("raised at meeting"),
    )
    language = models.CharField(max_length=8, default="en")
    # Answers to the category's extra questions (Open311 service attributes), by code.
    attributes = models.JSONField(default=dict, blank=True)
    # A link to media the reporting app sent (Open311 media_url). Staff only: it was not
    # fetched or re-encoded, so it is never published.
    media_url = models.URLField(max_length=500, blank=True)
    # Where an imported concern came from (source endpoint and its id): imports never duplicate.
    external_id = models.CharField(max_length=300, unique=True, null=True, blank=True)
    # The token an Open311 app gets for a report in a private category (a "blackbox" service).
    open311_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # What the reporter holds: the private tracking link.
    tracking_token = models.CharField(max_length=64, unique=True, default=new_token)
    # A hidden value from the form, so submitting it twice makes one concern.
    form_nonce = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # The point as the public sees it (`public_location`), and its map tile (`tiles.tile_of`):
    # set on every save from the exact point and the category.
    public_latitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, editable=False
    )
    public_longitude = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, editable=False
    )
    tile = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Its public Open311 item, the JSON text an answer holds (`openbeat.open311.items`), and the
    # items.FORMAT it was built in: NULL until built; no item for a concern the public may not see.
    open311_item = models.TextField(null=True, blank=True, editable=False)
    open311_item_format = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Open311's bbox and radius, duplicate suggestions: public points inside a box.
            models.Index(
                fields=["public_latitude", "public_longitude"], name="concern_public_location"
            ),
            # The public list and staff queue show an agency's newest concerns by status.
            models.Index(fields=["agency", "status", "-created_at"], name="concern_queue"),
            # Newest first, in the lists' exact order (with the id): the first page is the
            # first 20 entries, and no planner is tempted to sort the table instead. With the
            # category, status and what `public()` reads, a page of a category (and status)
            # tests each entry in the index: no table reads for the concerns it passes over.
            models.Index(
                fields=["-created_at", "-id", "category", "status", "is_private", "is_hidden"],
                name="concern_newest",
            ),
            # Open311's windows and pages: an agency's concerns between two dates, newest first,
            # read in the answer's order (no sort, and a page stops after its rows).
            models.Index(fields=["agency", "-created_at", "-id"], name="concern_agency_newest"),
            # The list filtered by neighbourhood, paged back from a cursor: the same, per area,
            # and with the same columns it covers the page and the area's capped count.
            models.Index(
                fields=[
                    "area",
                    "-created_at",
                    "-id",
                    "category",
                    "status",
                    "is_private",
                    "is_hidden",
                ],
                name="concern_area_newest",
            ),
            # The list's capped count of a category (and status): a covering index range for
            # each of the slug's categories (one per agency).
            models.Index(
                fields=["category", "status", "is_private", "is_hidden"],
                name="concern_category_status",
            ),
            # The map's pins: the newest public concerns of one tile, an index range. With the
            # columns a pin shows and `public()` tests, it covers the query: no table reads for
            # the rows outside the box or not public (a tile holds ~1,000 concerns a year).
            models.Index(
                fields=[
                    "tile",
                    "-created_at",
                    "-id",
                    "public_latitude",
                    "public_longitude",
                    "status",
                    "category",
                    "is_private",
                    "is_hidden",
                ],
                name="concern_pins",
            ),
            # A problem's charts: its area's concerns of its categories over time; with status
            # and what `public()` reads the index covers the query (no table reads).
            models.Index(
                fields=["area", "category", "created_at", "status", "is_private", "is_hidden"],
                name="concern_area_category",
            ),
            # The worker's open311.items.fill_missing: the concerns whose item is not stored, a
            # few among a million (a sweep with nothing to do read the whole table: 3.4 s).
            models.Index(
                fields=["id"],
                condition=models.Q(open311_item_format__isnull=True),
                name="concern_open311_missing",
            ),
        ]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")

    def __str__(self):
        return f"#{self.pk} {self.category.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.public_latitude, self.public_longitude, self.tile = public_place(
            self.latitude, self.longitude, self.category.about_people
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *PUBLIC_PLACE_FIELDS}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("concerns:detail", args=[self.pk])

    def page_scopes(self) -> list[str]:
        """The cached public pages this concern is on (`openbeat.core.pagecache`)."""
        scopes = [ALL_CONCERNS, pagecache.agency_scope(self.agency_id)]
        if self.tile is not None:
            scopes.append(tiles.scope(self.tile))
        return scopes

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_public(self):
        """Whether the public may see it: `Concern.objects.public()` for one concern."""
        return not (self.is_private or self.is_hidden or self.category.is_sensitive)

    @property
    def has_point(self):
        return self.latitude is not None and self.longitude is not None

    def public_point(self) -> tuple[float, float] | None:
        """The location the public may see (stored on save): exact to ~1 m, or rounded to
        ~100 m for concerns about people."""
        if self.public_latitude is None or self.public_longitude is None:
            return None
        return float(self.public_latitude), float(self.public_longitude)

    def refile(self) -> None:
        """File it again under the area of its public point (`location.public_area`), for
        when its category changed how that point is rounded; `save` stores the point."""
        if self.has_point:
            point = public_location(self.latitude, self.longitude, self.category.about_people)
            self.area = filed_area(self, point)

    def can_be_contested(self, now: datetime.datetime | None = None) -> bool:
        """Whether its reporter or a supporter may dispute the closure: closed (not as a
        duplicate) less than CONTEST_DAYS ago."""
        if self.status not in CLOSED_STATUSES or self.status == Status.DUPLICATE:
            return False
        now = now or timezone.now()
        return self.closed_at is None or now - self.closed_at <= CONTEST_DAYS

    @property
    def public_location_text(self):
        """The place as typed, to the block for concerns about people (see public_location_text)."""
        return public_location_text(self.location_text, self.category.about_people)


class UpdateKind(models.TextChoices):
    STATUS = "status", _("Status change")
    RESPONSE = "response", _("Public response")
    NOTE = "note", _("Internal note")
    CONTEST = "contest", _("Closure contested")
    MERGE = "merge", _("Merged duplicate")
    ASSIGN = "assign", _("Assignment")
    RECLASSIFY = "reclassify", _("Reclassified")
    MODERATION = "moderation", _("Moderation")


class ConcernUpdateQuerySet(models.QuerySet):
    def public(self):
        """Entries of a concern's public history: public answers and status changes that no
        moderator hid (`ConcernUpdate.is_published` for one entry). The concern's own
        publicness is the caller's: its tracking link shows them for a private concern too."""
        return self.filter(is_public=True, is_hidden=False)


class ConcernUpdate(models.Model):
    """One entry in a concern's history; internal ones never leave staff views.

    `is_public` says what staff wrote it as (a public response, not an internal note);
    `is_published` whether it is shown now (public and not hidden by a moderator).
    """

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="updates")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=UpdateKind.choices)
    is_public = models.BooleanField(default=False)
    body = models.TextField(blank=True)
    status_before = models.CharField(max_length=32, blank=True, choices=Status.choices)
    status_after = models.CharField(max_length=32, blank=True, choices=Status.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConcernUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} on #{self.concern_id}"

    @property
    def is_published(self):
        """Whether it is in the public history: `ConcernUpdate.objects.public()` for one."""
        return self.is_public and not self.is_hidden

    def page_scopes(self):
        return self.concern.page_scopes()


class SupporterQuerySet(models.QuerySet):
    def counted(self) -> "SupporterQuerySet":
        """Voices that count: given without an email, or confirmed from the emailed link (an
        address's voice counted at once would tell strangers whether it supported before)."""
        return self.filter(confirmed_at__isnull=False)


class Supporter(models.Model):
    """A resident adding their voice ("me too"); with an email the voice counts once the address
    confirms it (`core.emailforms`), and from then on the address follows the concern's updates
    (an `outreach.Subscription` with the supporter's role)."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="supporters")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, default="en")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = SupporterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "email"],
                condition=~models.Q(email=""),
                name="one_support_per_email",
            )
        ]

    def __str__(self):
        return f"Supporter of #{self.concern_id}"


def photo_path(instance, filename):
    return f"concerns/{instance.concern.tracking_token[:2]}/{new_token()}.jpg"


class PhotoQuerySet(models.QuerySet):
    def public(self):
        """Photos the public may see: not hidden, of a public concern (`Photo.is_public`)."""
        return self.filter(is_hidden=False, concern__in=Concern.objects.public())


class Photo(models.Model):
    """A re-encoded JPEG: no EXIF, no GPS, no other metadata from the original file."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="photos")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    image = models.FileField(upload_to=photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    def __str__(self):
        return f"Photo {self.pk} of #{self.concern_id}"

    def get_absolute_url(self):
        return reverse("concerns:photo", args=[self.pk])

    def page_scopes(self):
        return self.concern.page_scopes()

    @property
    def is_public(self):
        """Whether the public may see it: `Photo.objects.public()` for one photo."""
        return not self.is_hidden and self.concern.is_public


class Flag(models.Model):
    """A resident's report that something on a concern is abusive or personal."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="flags")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    def __str__(self):
        return f"Flag on #{self.concern_id}"


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLE = "singlevaluelist", _("One choice from a list")
    MULTI = "multivaluelist", _("Several choices from a list")


class CategoryQuestion(models.Model):
    """An extra question asked with a category (an Open311 service attribute)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=60)
    question = models.CharField(_("question"), max_length=300)
    datatype = models.CharField(_("answer type"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # For list answers: [{"key": "...", "name": "..."}]
    choices = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="question_code_per_category")
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.question


class ResponseTemplate(models.Model):
    """A reusable public answer, so a busy desk officer can reply in seconds."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="response_templates")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["title"]
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")

    def __str__(self):
        return self.title
