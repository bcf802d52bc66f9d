"""Many residents confirming sign-ups for one shift at the same moment, on real threads.

`python -m tests.projects.crowd` runs it against a fresh SQLite file database in
OPENBEAT_DATA_DIR, configured exactly as in production (WAL, IMMEDIATE transactions, busy
timeout): the suite's own SQLite test database lives in shared-cache memory, whose locking is not
production's. It prints the statuses as JSON.
"""

import json
import os
import sys
import threading


def crowd(shift_id, count):
    """`count` residents sign up and confirm at once (a barrier releases them); their errors."""
    from django.db import connections

    from openbeat.projects import actions

    barrier = threading.Barrier(count)
    errors = []

    def resident(n):
        try:
            barrier.wait(timeout=30)
            signed, _created = actions.sign_up(shift_id, f"Resident {n}", f"r{n}@example.org")
            actions.confirm_sign_up(signed.token)
        except Exception as exc:  # reported to the test, with the resident's number
            errors.append(f"resident {n}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=resident, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def main(residents, slots):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from openbeat.projects.models import Shift
    from tests import factories

    call_command("migrate", verbosity=0)
    shift = Shift.objects.get(role__project=factories.project(factories.town(), slots=slots))
    errors = crowd(shift.pk, residents)
    statuses = list(shift.sign_ups.order_by("confirmed_at", "id").values_list("status", flat=True))
    journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    print(json.dumps({"errors": errors, "statuses": statuses, "journal_mode": journal}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
