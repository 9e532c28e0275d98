"""Scenarios through the services the screens use: idempotent submission, the coverage curve."""

import pytest

from tests.factories import UserFactory
from tests.planning.territory import SMALL_PLAN, load_small_territory
from tremplin.planning import services
from tremplin.planning.enums import ScenarioStatus
from tremplin.planning.models import Scenario
from tremplin.planning.services import PlanOptions, curve_request, scenario_create, scenario_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory(tmp_path):
    return load_small_territory(tmp_path)


@pytest.fixture
def user():
    return UserFactory(national=True)


def test_submitting_the_same_form_twice_computes_one_scenario(territory, user, django_capture_on_commit_callbacks):
    options = PlanOptions(**SMALL_PLAN)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first, created = scenario_submit(user=user, name="Deux médiateurs", options=options, token="jeton-1")
        again, created_again = scenario_submit(user=user, name="Deux médiateurs", options=options, token="jeton-1")
    assert len(callbacks) == 1  # one computation queued
    assert created and not created_again
    assert again.pk == first.pk
    assert Scenario.objects.count() == 1
    first.refresh_from_db()
    assert first.status == ScenarioStatus.DONE  # ImmediateBackend: computed when the transaction commits
    other, created_other = scenario_submit(user=user, name="Autre", options=options, token="jeton-2")
    assert created_other and other.pk != first.pk


def test_curve_gives_diminishing_returns_and_explains_impossible_points(
    territory, user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "CURVE_MEDIATORS", (1, 2, 3, 5, 20))
    with django_capture_on_commit_callbacks(execute=True):
        scenario = scenario_create(
            user=user, name="MCLP", options=PlanOptions(**SMALL_PLAN | {"offices_per_mediator": 1, "circuit_km": 0})
        )
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DONE

    with django_capture_on_commit_callbacks(execute=True):
        assert curve_request(scenario=scenario)  # runs inline with the ImmediateBackend
    scenario.refresh_from_db()
    curve = scenario.curve
    assert curve["status"] == ScenarioStatus.DONE and curve["progress"] == 1.0
    assert curve["time_limit_s"] == 5.0  # max(5, 5 / 10)
    points = {p["mediators"]: p for p in curve["points"]}
    assert list(points) == [1, 2, 3, 5, 20]
    assert points[1]["departements"] == 1  # D = 2 is brought down to M = 1
    assert points[3]["departements"] == 2
    solved = [points[m]["objective"] for m in (1, 2, 3, 5)]
    assert solved == sorted(solved) and solved[0] < solved[-1]
    gains = [b - a for a, b in zip(solved, solved[1:], strict=False)]
    assert gains[-1] <= gains[0]  # diminishing returns
    assert all(points[m]["objective"] <= points[m]["upper_bound"] + 1e-6 for m in (1, 2, 3, 5))
    assert points[2]["objective"] == pytest.approx(scenario.objective)  # same parameters: same plan value
    assert "Impossible de placer 20 médiateurs" in points[20]["error"]
    assert curve["totals"]["population"] == scenario.result["totals"]["population"]


def test_curve_is_only_queued_for_a_done_scenario_not_already_computing(territory, user, monkeypatch):
    monkeypatch.setattr(services, "CURVE_MEDIATORS", (1,))
    queued = Scenario.objects.create(name="En attente", created_by=user, params=PlanOptions(**SMALL_PLAN).as_dict())
    assert not curve_request(scenario=queued)
    queued.refresh_from_db()
    assert queued.curve is None
    queued.status = ScenarioStatus.DONE
    queued.curve = {"status": ScenarioStatus.RUNNING, "progress": 0.5, "points": []}
    queued.save()
    assert not curve_request(scenario=queued)


def test_curve_points_of_a_scenario_whose_parameters_became_invalid_say_why(
    territory, user, django_capture_on_commit_callbacks
):
    scenario = Scenario.objects.create(
        name="Ancien",
        created_by=user,
        status=ScenarioStatus.DONE,
        params=PlanOptions(**SMALL_PLAN | {"departement_list": ("ZZ",)}).as_dict(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert curve_request(scenario=scenario)
    scenario.refresh_from_db()
    assert scenario.curve["status"] == ScenarioStatus.DONE
    assert all("Départements inconnus" in p["error"] for p in scenario.curve["points"])


def test_an_unexpected_error_fails_the_scenario_instead_of_leaving_it_running(monkeypatch):
    def explode(options, progress=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "plan_compute", explode)
    scenario = Scenario.objects.create(name="Panne", params=services.PlanOptions().as_dict())
    scenario = services.scenario_run(scenario=scenario)
    assert scenario.status == ScenarioStatus.FAILED
    assert "de façon inattendue (RuntimeError)" in scenario.error
