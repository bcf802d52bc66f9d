"""What the worker does for insights every few minutes (settings.PERIODIC_JOBS)."""

from openbeat.insights import dashboards, surveys


def run(now=None):
    """Invite the residents of meetings whose next morning has come; refresh old dashboards."""
    surveys.invite_due_meetings(now)
    dashboards.refresh_due(now)
