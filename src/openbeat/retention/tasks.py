from openbeat.core.background import task


@task()
def apply_retention():
    """The daily retention run on the worker (see openbeat.core.worker)."""
    from openbeat.retention.actions import run_retention

    return len(run_retention())


def enqueue_if_due():
    """Queue the retention run when a day has passed since the last one. Several workers may
    both queue it: a second run changes nothing."""
    from openbeat.retention.actions import is_due

    if is_due():
        apply_retention.enqueue()
        return True
    return False
