import sys

import pytest
from django.db import transaction

from tests.security.world import build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = build()
        yield built
        transaction.set_rollback(True)
    for path in built.files:
        path.unlink(missing_ok=True)


SUMMARIES = {
    "tests.security.test_access_matrix": "access matrix",
    "tests.security.test_hostile_text": "hostile text",
    "tests.security.test_hostile_input": "hostile input",
}


def pytest_terminal_summary(terminalreporter):
    for name, title in SUMMARIES.items():
        module = sys.modules.get(name)
        if module is not None and module.CHECKED:
            counts = ", ".join(f"{n} {what}" for what, n in sorted(module.CHECKED.items()))
            terminalreporter.write_line(f"{title}: {counts}")
