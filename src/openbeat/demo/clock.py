"""The demo's clock: its history is written through the real actions at the moment it happened.

Every write path reads the time from `django.utils.timezone.now` (a concern's `created_at`, an
acknowledgement, a closing, a problem's phase, an announcement's publication), so setting that
one function for a block dates what the block writes, as the tests' clock does. Only for
loading the demo, in one thread, before anything serves.
"""

import contextlib

from django.utils import timezone


@contextlib.contextmanager
def at(moment):
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield moment
    finally:
        timezone.now = real
