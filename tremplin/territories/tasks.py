"""Background work of the territories app, run by the task worker (`manage.py db_worker`)."""

from django_tasks import task

from . import services


@task()
def fragility_scores_refresh_task() -> dict:
    """Recompute percentiles, points and scores of every commune and area (a few seconds nationally)."""
    return services.fragility_scores_refresh()
