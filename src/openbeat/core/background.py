"""Background work: the standard task decorator and the one way actions queue side effects.

`task` is django.tasks from Django 6, the django-tasks backport before.
"""

from django.db import transaction

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task

__all__ = ["enqueue_with_write", "task"]


def _stored_with_the_write(backend):
    # The database backend writes the task row in the caller's transaction: it commits with the
    # write it belongs to (a crash just after commit loses nothing) or rolls back with it.
    return type(backend).__module__.startswith("django_tasks_db")


def enqueue_with_write(task_function, *args):
    """Queue a side effect of the current write: it runs if, and only if, the write commits."""
    if _stored_with_the_write(task_function.get_backend()):
        task_function.enqueue(*args)
    else:
        transaction.on_commit(lambda: task_function.enqueue(*args))
