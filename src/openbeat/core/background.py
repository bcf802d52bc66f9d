"""The standard task decorator: django.tasks from Django 6, the django-tasks backport before."""

try:
    from django.tasks import task
except ImportError:  # Django 5.2
    from django_tasks import task

__all__ = ["task"]
