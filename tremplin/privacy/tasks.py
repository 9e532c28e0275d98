from django_tasks import task


@task()
def retention_apply_task() -> dict:
    """The daily retention (like `manage.py apply_retention --daily`), for a scheduler that enqueues tasks: does
    nothing when today's run already happened."""
    from .retention import AlreadyRanToday, retention_apply

    try:
        return retention_apply(daily=True).counts
    except AlreadyRanToday:
        return {}
