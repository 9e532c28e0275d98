from django_tasks import task

from .models import Scenario
from .services import curve_run, scenario_run


@task()
def scenario_run_task(scenario_id: int) -> None:
    """Compute a deployment scenario in the task worker (a national run takes tens of seconds)."""
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if scenario is not None:
        scenario_run(scenario=scenario)


@task()
def curve_run_task(scenario_id: int) -> None:
    """Compute the coverage vs number of mediators curve of a scenario (nine short planning runs)."""
    scenario = Scenario.objects.filter(pk=scenario_id).first()
    if scenario is not None:
        curve_run(scenario=scenario)
