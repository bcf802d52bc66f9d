import re
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from openbeat.core import geo
from openbeat.core.colours import validate_colour


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone name. Use a name such as America/New_York."),
            params={"value": value},
        )


MAX_EMBED_ORIGINS = 10


def embed_origins(text: str) -> list[str]:
    """The origins (https://host[:port]) one per line in `text`, as browsers compare them."""
    found = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            parts = urlsplit(line)
            found.append(f"https://{parts.netloc.lower()}")
    return found


def validate_embed_origins(text: str) -> None:
    """Each line one https origin: no path, query, user, wildcard or keyword; at most ten."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_EMBED_ORIGINS:
        raise ValidationError(
            _("List at most %(most)d websites."), params={"most": MAX_EMBED_ORIGINS}
        )
    for line in lines:
        try:
            parts = urlsplit(line)
            port = parts.port
        except ValueError:
            parts, port = None, None
        host = parts.hostname if parts else None
        if (
            parts is None
            or parts.scheme != "https"
            or not host
            or not ORIGIN_HOST.fullmatch(host)
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username is not None
            or "*" in line
            or (port is not None and not 0 < port < 65536)
        ):
            raise ValidationError(
                _(
                    "%(line)s is not a website's address. Write one address per line as "
                    "https://name.example (https, the name only: no path, no *)."
                ),
                params={"line": line[:100]},
            )


ORIGIN_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+", re.I)


class AgencyQuerySet(models.QuerySet["Agency"]):
    def public(self) -> "AgencyQuerySet":
        """Every agency has a public page."""
        return self.all()


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"), unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    about = models.TextField(_("about"), blank=True)
    phone = models.CharField(_("non-emergency phone"), max_length=40, blank=True)
    email = models.EmailField(_("public email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    colour = models.CharField(
        _("color"),
        max_length=7,
        blank=True,
        validators=[validate_colour],
        help_text=_(
            "The header's and buttons' color under white text, as #rrggbb; it must be dark "
            "enough for white text to be readable on it."
        ),
    )
    embed_origins = models.TextField(
        _("websites that may show our block"),
        blank=True,
        validators=[validate_embed_origins],
        help_text=_(
            "The addresses of your own websites that may show the next meetings and the "
            '"report a concern" block in a frame, one per line, such as https://www.smyrna.example. '
            "Empty: no website may (the default)."
        ),
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("agency", args=[self.slug])

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def frame_origins(self) -> list[str]:
        """The websites that may show this agency's embed block in a frame (none by default)."""
        return embed_origins(self.embed_origins)


AREAS = "areas"  # the page cache's scope of every area's name (`openbeat.core.pagecache`)


class Area(models.Model):
    """A beat or neighbourhood, as a GeoJSON polygon in WGS 84."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"))
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=[("beat", _("Beat")), ("neighbourhood", _("Neighborhood"))],
        default="neighbourhood",
    )
    boundary = models.JSONField(_("boundary (GeoJSON polygon)"), validators=[geo.validate_polygon])

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "slug"], name="area_slug_per_agency")
        ]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.name})"

    def contains(self, lat: float, lon: float) -> bool:
        return geo.polygon_contains(self.boundary, lat, lon)

    def page_scopes(self) -> list[str]:
        return [AREAS]


class Venue(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accessibility = models.TextField(
        _("accessibility notes"),
        blank=True,
        help_text=_("Step-free entrance, parking, hearing loop, interpreters on request..."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValidationError({"latitude": _("Latitude must be between -90 and 90.")})
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValidationError({"longitude": _("Longitude must be between -180 and 180.")})

    def find_area(self) -> Area | None:
        """The area that holds this venue, if any (first match by agency, then anywhere)."""
        areas = sorted(Area.objects.all(), key=lambda a: a.agency_id != self.agency_id)
        for area in areas:
            if area.contains(float(self.latitude), float(self.longitude)):
                return area
        return None


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    COORDINATOR = "coordinator", _("Community policing coordinator")
    ADMIN = "admin", _("Agency administrator")


class StaffRole(models.Model):
    """What a staff account may do for one agency; a person may serve several agencies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    title = models.CharField(
        _("public title"), max_length=120, blank=True, help_text=_("e.g. Interim Police Chief")
    )
    unit = models.CharField(
        _("unit"), max_length=120, blank=True, help_text=_("e.g. Community Policing Unit")
    )
    # "Meet your officer" on the beat pages: only with the officer's consent (off by default).
    is_public_profile = models.BooleanField(
        _("shown on the beat pages"),
        default=False,
        help_text=_(
            "Tick only with the officer's agreement: their name, title, unit, photo and the "
            "meetings they attend appear on the public pages of their areas."
        ),
    )
    areas = models.ManyToManyField(
        Area, blank=True, related_name="officers", verbose_name=_("beats and neighborhoods")
    )
    photo = models.ImageField(
        _("photo"),
        upload_to="officers/",
        blank=True,
        help_text=_("Optional. Shown only while the profile is public."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="one_role_per_agency")
        ]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} — {self.agency}: {self.get_role_display()}"

    @property
    def display_name(self) -> str:
        name = self.user.get_full_name() or self.user.username
        return f"{self.title} {name}".strip()


class AuditEvent(models.Model):
    """One staff write: who did what to which record, with the values before and after."""

    agency = models.ForeignKey(
        Agency, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_key = models.ForeignKey(
        "core.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        # The per-agency audit view lists the newest entries first.
        indexes = [models.Index(fields=["agency", "-at"], name="audit_agency_recent")]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class RateCounter(models.Model):
    """How many times a client did one kind of public write in one time window."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="one_counter")
        ]
        # Old windows are swept by start time.
        indexes = [models.Index(fields=["window_start"], name="ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} {self.hits}"


class ApiKey(models.Model):
    """A key an agency gives to a program (an Open311 app, a city dashboard) to act for it.

    Only a hash is stored; the key itself is shown once, when created.
    """

    is_api_key = True

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(
        _("name"), max_length=120, help_text=_("Who uses it, e.g. City 311 app")
    )
    role = models.CharField(_("acts as"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.agency.name}, {self.prefix}…)"


class PageVersion(models.Model):
    """A counter per scope ("site", "agency:3", ...) that every write changing its pages bumps:
    the key of the page cache. A write in one agency leaves other agencies' pages cached."""

    scope = models.CharField(max_length=100, primary_key=True)
    counter = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}: {self.counter}"


class Suppression(models.Model):
    """An address no email is ever sent to again: its mail server refused it (bounced)."""

    email = models.EmailField(unique=True)
    reason = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_suppression"  # made by outreach, whose table it was until 2026-12
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.reason} ({self.at:%Y-%m-%d})"
