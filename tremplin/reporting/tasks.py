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


def statistics_refresh_soon(**_signal_kwargs) -> None:
    """Queue one refresh for when the transaction commits, unless one is already waiting (the worker folds the whole
    queue each time): after an activity is written (connected in ReportingConfig.ready), and when a dashboard read
    found too much pending (aggregates)."""
    if not aggregates.enabled():
        return

    def enqueue():
        from django_tasks import default_task_backend
        from django_tasks_db.models import DBTaskResult, TaskResultStatus

        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=statistics_refresh.module_path)
        if default_task_backend.__class__.__module__.startswith("django_tasks_db") and waiting.exists():
            return
        statistics_refresh.enqueue()

    transaction.on_commit(enqueue, robust=True)
