"""Background work of the statistics, run by the task worker (`manage.py db_worker`)."""

from django.db import transaction
from django_tasks import task

from . import aggregates


@task()
def statistics_refresh() -> dict:
    """Fold the queued changes into the statistics aggregates, then merge their delta rows (see aggregates)."""
    if not aggregates.enabled():
        return {}
    return aggregates.refresh()


def statistics_refresh_enqueue() -> None:
    """Queue a refresh once the current transaction commits (a dashboard read found too much pending)."""
    transaction.on_commit(statistics_refresh.enqueue)
