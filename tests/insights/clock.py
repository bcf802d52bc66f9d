"""Set the clock for a block: meetings pass, concerns wait hours, without sleeping.

Only Django's `timezone.now()` moves (the time every write path and query reads); the database
and everything else are the real ones.
"""

import contextlib
from unittest import mock


@contextlib.contextmanager
def at(moment):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment
