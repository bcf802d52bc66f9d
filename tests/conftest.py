"""Test base: real database (SQLite or PostgreSQL from OPENBEAT_DATABASE_URL), real SMTP.

Named people, as in every view test: a Smyrna officer and coordinator, a Clayton officer, and an
outsider with an account but no agency. Smyrna hosts; Clayton co-hosts some events.
"""

import pytest

from tests import factories
from tests.smtp import SMTPSink


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    # Each test starts its database afresh, so the page cache's version starts again too.
    from django.core.cache import cache

    from openbeat.core import brand, pagecache

    cache.clear()
    pagecache.forget()
    brand.forget()


@pytest.fixture(autouse=True)
def _site_language():
    # A request in Spanish leaves its language active in the thread (LocaleMiddleware never
    # resets it): each test starts in the site's language, as a new process would.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def town(db):
    return factories.town()


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SMTPSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(transactional_db, smtp_sink, settings):
    """Route email through a real SMTP server in this process; the received messages.

    Email is sent after commit, so tests that read mail run with real transactions.
    """
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    smtp_sink.clear()
    return smtp_sink


@pytest.fixture
def database_tasks(settings):
    """Tasks stored in the database for the worker, as in production (tests run them at once)."""
    # django-tasks rebuilds its backends when the TASKS setting changes.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
