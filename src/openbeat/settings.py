"""OpenBeat settings: every value comes from an OPENBEAT_* environment variable.

A bad value stops start-up with a message naming the variable, so a typo in a deployment
never turns into a silently insecure or broken server. Importing them writes nothing: the data
folder and its secret key are made by `openbeat.datadir.prepare()` in the entry points.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from openbeat import datadir

BASE_DIR = Path(__file__).resolve().parent


def env_str(name, default=""):
    return os.environ.get(f"OPENBEAT_{name}", default)


def env_bool(name, default=False):
    raw = os.environ.get(f"OPENBEAT_{name}")
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"OPENBEAT_{name} must be true or false, not {raw!r}")


def env_list(name, default):
    raw = os.environ.get(f"OPENBEAT_{name}")
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name, default, choices):
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(
            f"OPENBEAT_{name} must be one of {', '.join(choices)}, not {value!r}"
        )
    return value


def env_int(name, default, minimum=0):
    raw = env_str(name, "")
    if raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(
            f"OPENBEAT_{name} must be a whole number of at least {minimum}, not {raw!r}"
        )
    return value


DATA_DIR = datadir.path()


def _secret_key():
    given = env_str("SECRET_KEY")
    if given:
        return given
    key = DATA_DIR / datadir.SECRET_KEY_FILE
    if not key.exists():
        raise ImproperlyConfigured(
            f"No secret key in {key}: start OpenBeat with the `openbeat` command (it creates one "
            "there) or set OPENBEAT_SECRET_KEY."
        )
    return key.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address residents reach OpenBeat at; used for links in emails and calendar feeds.
BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # before the admin, as its docs ask
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "openbeat.core",
    "openbeat.events",
    "openbeat.concerns",
    "openbeat.problems",
    "openbeat.hotspots",
    "openbeat.outreach",
    "openbeat.projects",
    "openbeat.opendata",
    "openbeat.insights",
    "openbeat.twofactor",
    "openbeat.retention",
    "openbeat.demo",
    "openbeat.site",
]

# core.input_guard refuses unfit input (control characters, deep JSON) before any view; a path
# matching one of these answers in its app's own format: (regular expression, answer function).
# Any character up to the format, a line break too (it may be the very character refused).
INPUT_REFUSALS = [
    (r"^/open311/v2/.*\.(?P<fmt>json|xml)\Z", "openbeat.open311.render.refused_input"),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "openbeat.core.input_guard.RejectUnfitInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Anonymous public reads from a replica; a resident who just wrote reads the primary.
    "openbeat.core.replicas.ReplicaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "openbeat.core.sessions.StaffSessionExpiryMiddleware",
    "openbeat.twofactor.middleware.StaffTwoFactorMiddleware",
    # Last, as its documentation asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in throttling: 20 wrong passwords for one account, or from one address, pause signing in
# for an hour (at most ~20 guesses an hour per account, far under the 100 the security review
# allows).
AXES_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "openbeat.core.ratelimit.client_ip"
AXES_VERBOSE = False
# Staff sessions end after 12 hours, or 30 minutes without a request.
STAFF_SESSION_ABSOLUTE = 12 * 3600
STAFF_SESSION_IDLE = 30 * 60
# Two-factor sign-in for staff: `required` (every staff and admin page needs an authenticator
# code; accounts without one set it up at sign-in) or `optional` (only accounts that set one up
# are asked). `openbeat demo` runs `optional`.
OPENBEAT_STAFF_2FA = env_choice("STAFF_2FA", "required", ["required", "optional"])
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "OpenBeat")

ROOT_URLCONF = "openbeat.urls"
WSGI_APPLICATION = "openbeat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "openbeat.core.context_processors.site",
            ],
            # {% scrolltable %} wraps every data table, on every page.
            "builtins": ["openbeat.core.templatetags.tables", "openbeat.core.templatetags.forms"],
        },
    },
]


def _parse_database_url(url):
    """dj-database-url's parse, plus libpq's several hosts (postgres://u@h1:5432,h2:5432/db?
    target_session_attrs=read-write): the connection goes to whichever is the primary now, so
    the nodes follow a failover without a restart."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    userinfo, _at, hosts = parts.netloc.rpartition("@")
    if "," not in hosts or not parts.scheme.startswith("postgres"):
        return _our_backend(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    names, ports = [], []
    for host in hosts.split(","):
        name, _colon, port = host.rpartition(":") if "]" not in host[-1:] else (host, "", "")
        names.append(name or host)
        ports.append(port or "5432")
    first = parts._replace(netloc=f"{userinfo}{_at}{names[0]}:{ports[0]}").geturl()
    config = dj_database_url.parse(first, conn_max_age=60, conn_health_checks=True)
    config["HOST"] = ",".join(names)
    config["PORT"] = ",".join(ports)
    return _our_backend(config)


def _our_backend(config):
    """PostgreSQL through openbeat.core.postgresql: Django's backend, with a health check that
    sends nothing to a healthy connection."""
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "openbeat.core.postgresql"
    return config


def _databases():
    url = env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'openbeat.sqlite3'}"
    try:
        config = _parse_database_url(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"OPENBEAT_DATABASE_URL is not a database URL: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A write the server acknowledged must survive a crash or power loss (synchronous=FULL);
        # IMMEDIATE transactions take the write lock up front so concurrent writers queue on the
        # busy timeout instead of failing with "database is locked" half-way through.
        # Opening a SQLite connection runs the PRAGMAs below: keep it for a minute per thread.
        # Each kept connection holds its own page cache: 512 KiB instead of SQLite's 2 MiB
        # (cache_size=-N is N KiB), since every thread of every worker keeps one and the pages
        # are in the operating system's file cache anyway (bench/README.md: memory).
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = False
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=FULL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
                f"PRAGMA cache_size=-{env_int('SQLITE_CACHE_KIB', 512, minimum=64)};"
            ),
        }
        config.setdefault("TEST", {})
    databases = {"default": config}
    # Read replicas (PostgreSQL streaming replicas of the primary): anonymous public reads go to
    # one of them (core/replicas.py). In tests each is a mirror of the primary's test database.
    for number, replica_url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
        try:
            replica = _parse_database_url(replica_url)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"OPENBEAT_DATABASE_REPLICA_URLS holds something that is not a database URL: {exc}"
            ) from exc
        if replica["ENGINE"] != config["ENGINE"]:
            raise ImproperlyConfigured(
                "OPENBEAT_DATABASE_REPLICA_URLS must name replicas of OPENBEAT_DATABASE_URL's "
                f"database engine ({config['ENGINE']}), not {replica['ENGINE']}"
            )
        replica["CONN_MAX_AGE"] = config["CONN_MAX_AGE"]
        replica["CONN_HEALTH_CHECKS"] = config["CONN_HEALTH_CHECKS"]
        replica["OPTIONS"] = {**config.get("OPTIONS", {}), **replica.get("OPTIONS", {})}
        replica["TEST"] = {"MIRROR": "default"}
        databases[f"replica{number}"] = replica
    return databases


DATABASES = _databases()
# PostgreSQL keeps the hottest reads' statements prepared per connection (core/postgresql);
# 0 for a transaction-pooling PgBouncer older than 1.21.
DATABASE_PREPARED = env_bool("DATABASE_PREPARED", True)
REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["openbeat.core.replicas.ReplicaRouter"] if REPLICAS else []
# After a resident's write (a POST: an RSVP, a report, a sign-up), their browser reads from the
# primary for this many seconds (a signed cookie), so they see what they wrote however far a
# replica lags.
OPENBEAT_PRIMARY_PIN_SECONDS = env_int("PRIMARY_PIN_SECONDS", 10, minimum=1)


def _caches():
    """Django's cache (the page cache's bytes, rate limits): this process's memory, or Redis
    shared by every node when OPENBEAT_CACHE_URL is redis://host:port/db."""
    url = env_str("CACHE_URL")
    if not url or url == "locmem://":
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"OPENBEAT_CACHE_URL must start with redis://, rediss:// or unix://, not {url!r}"
        )
    import importlib.util

    if importlib.util.find_spec("redis") is None:
        raise ImproperlyConfigured(
            "OPENBEAT_CACHE_URL names Redis, but the redis package is not installed: "
            "pip install 'openbeat[cluster]'"
        )
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # Several sites may share one Redis: each keeps to its own keys.
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "openbeat"),
        }
    }


CACHES = _caches()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "home"

# The source strings are US English (the departments are American); en-gb is a catalogue of the
# British spellings (locale/en_GB), chosen by a browser set to British English or the switcher.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("en-gb", _("British English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["openbeat.formats"]
# Department-written text (events, programmes, venues' access notes, problems, projects,
# announcements, categories) in each language: django-modeltranslation adds a column per language
# (title_en, title_es) and `title` reads the visitor's, falling back to the other one. English is
# the language staff write first; Spanish is optional (docs/translations.md).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "es")
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "es"), "en": ("es",), "es": ("en",)}


def _translation_label(verbose_name, language):
    """The admin's label for each language's column: the field's own name for the English, "…
    in Spanish (optional)" for the Spanish (modeltranslation's default is "title [es]")."""
    if language == "en":
        return str(verbose_name)
    from django.utils.translation import gettext

    return gettext("%(field)s in Spanish (optional)") % {"field": verbose_name}


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _translation_label
USE_I18N = True
USE_TZ = True
# Stored times are UTC; this zone reads dates in filters that span agencies. Each agency's own
# pages show its own time zone.
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


def _leaflet_static():
    # Leaflet's files come from the django-leaflet wheel; its Django app needs GDAL, so it is not
    # installed as an app, only its static folder is used.
    import importlib.util

    spec = importlib.util.find_spec("leaflet")
    return [Path(next(iter(spec.submodule_search_locations))) / "static"] if spec else []


STATICFILES_DIRS = _leaflet_static()
# Serve straight from the app folders too, so `openbeat demo` works without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG


def _email():
    url = env_str("EMAIL_URL", "console://")
    scheme, _sep, rest = url.partition("://")
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme not in {"smtp", "smtps", "submission"}:
        raise ImproperlyConfigured(
            f"OPENBEAT_EMAIL_URL must start with smtp://, smtps:// or console://, not {url!r}"
        )
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port
        or (465 if scheme == "smtps" else 587 if scheme == "submission" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_USE_TLS": scheme == "submission",
        "EMAIL_TIMEOUT": 30,
    }


globals().update(_email())
DEFAULT_FROM_EMAIL = env_str("FROM_EMAIL", "OpenBeat <noreply@openbeat.invalid>")
# The agency this site speaks for (its short name in links): its name, logo and colour head
# every page. Empty: the only agency if there is one, else the neutral "OpenBeat".
SITE_AGENCY = env_str("SITE_AGENCY")

_TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASKS_MODE = env_choice("TASKS", "database", list(_TASKS_BACKENDS))
TASKS = {"default": {"BACKEND": _TASKS_BACKENDS[TASKS_MODE], "QUEUES": ["default"]}}
if TASKS_MODE == "rq":
    INSTALLED_APPS.append("django_tasks_rq")
    RQ_QUEUES = {"default": {"URL": env_str("REDIS_URL", "redis://127.0.0.1:6379/0")}}

# Idempotent jobs every worker runs at start and every few minutes (core/worker.py).
PERIODIC_JOBS = [
    "openbeat.projects.tasks.queue_due_reminders",
    "openbeat.projects.actions.forget_unconfirmed",
    "openbeat.events.actions.forget_unconfirmed",
    "openbeat.events.actions.forget_unconfirmed_question_emails",
    "openbeat.concerns.actions.forget_unconfirmed",
    "openbeat.open311.items.fill_missing",
    "openbeat.insights.periodic.run",
    "openbeat.outreach.actions.tick",
    "openbeat.retention.actions.enqueue_if_due",  # daily; a second run changes nothing
]

# Map tiles are the one thing fetched from elsewhere; a department can point at its own server.
MAP_TILES_URL = env_str("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_ATTRIBUTION = env_str(
    "MAP_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)


def _tile_origin():
    from urllib.parse import urlsplit

    parts = urlsplit(MAP_TILES_URL.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", BASE_URL.startswith("https://"))
SESSION_COOKIE_AGE = 12 * 3600  # staff sign in for a working day
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The language a resident chose says something about them: it travels over HTTPS only too.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
HTTPS = BASE_URL.startswith("https://")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers check health over plain HTTP
# Subdomains and the browsers' preload list are decisions for the town's whole domain, which
# often has other services: opt in.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *([_tile_origin()] if _tile_origin() else [])],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Limits that keep a single series or RSVP from swamping the system. (Names that start with
# OPENBEAT_ are set from the environment; these are fixed.)
MAX_OCCURRENCES = 260
# The folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf, embedded in the printable flyers
# (Debian and Ubuntu: fonts-dejavu-core).
OPENBEAT_FLYER_FONT_DIR = env_str("FLYER_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
MAX_SERIES_YEARS = 5
MAX_PARTY_SIZE = 20
# Insights: survey links stay open this many days.
SURVEY_DAYS = 30
# Insights: a trust index built from fewer answers than this is not shown (only its count), so
# no one's answer can be picked out.
OPENBEAT_TRUST_MIN_ANSWERS = env_int("TRUST_MIN_ANSWERS", 10, minimum=2)
# Months an email subscription is kept after it ended (unsubscribed, or its address bounced),
# and a volunteer's name and email after their shift; then the retention job removes them.
OPENBEAT_RETENTION_CONTACT_MONTHS = env_int("RETENTION_CONTACT_MONTHS", 12, minimum=1)
