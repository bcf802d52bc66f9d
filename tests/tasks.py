"""Running the production task path in tests: the database backend and its worker."""

from django_tasks_db.management.commands.db_worker import Worker


def drain():
    """Run every task that is due, as `openbeat worker` would, then return."""
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    ).run()
