"""Scenarios through the services the screens use: idempotent submission, the coverage curve."""

import pytest

from tests.factories import UserFactory
from tests.planning.territory import SMALL_PLAN, load_small_territory
from tremplin.planning import services
from tremplin.planning.enums import ScenarioStatus
from tremplin.planning.feasibility import PlanningError
from tremplin.planning.models import Scenario
from tremplin.planning.services import (
    PlanOptions,
    curve_request,
    plan_check,
    plan_defaults,
    scenario_create,
    scenario_run,
    scenario_submit,
)
from tremplin.territories.models import Departement

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
    assert points[20]["error"] == (
        "Les 2 départements les mieux dotés comptent 5 bureaux de poste : au plus 5 médiateurs à 1 bureau ; "
        "20 médiateurs à 1 bureau demanderaient 20 bureaux."
    )
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
    assert all("moins de 2 bureaux de poste : ZZ (0)" in p["error"] for p in scenario.curve["points"])


def test_an_unexpected_error_fails_the_scenario_instead_of_leaving_it_running(monkeypatch):
    def explode(options, progress=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "plan_compute", explode)
    scenario = Scenario.objects.create(name="Panne", params=services.PlanOptions().as_dict())
    scenario = services.scenario_run(scenario=scenario)
    assert scenario.status == ScenarioStatus.FAILED
    assert "de façon inattendue (RuntimeError)" in scenario.error


def assert_possible(figures: dict, totals: dict) -> None:
    """plan value ≤ proven bound ≤ weight within reach of an eligible site ≤ total weight; honest gap."""
    slack = 1e-6 * max(1.0, totals["weight"])
    assert figures["objective"] <= figures["upper_bound"] + slack
    assert figures["upper_bound"] <= totals["reachable_weight"] + slack
    assert totals["reachable_weight"] <= totals["weight"] + slack
    assert 0 <= figures["gap"] <= 1
    if figures["upper_bound"]:
        assert figures["gap"] == pytest.approx(1 - figures["objective"] / figures["upper_bound"], abs=1e-9)


SCENARIOS = [
    {},
    {"offices_per_mediator": 1, "circuit_km": 0, "departements": 0},
    {"weight": "fragile", "mediators": 1, "departements": 1},
    {"weight": "priority", "offices_per_mediator": 1, "circuit_km": 0, "departement_list": ("D2",)},
    {"reach_km": 40, "offices_per_mediator": 1, "circuit_km": 0, "site_types": ("bureau_de_poste", "relais_poste")},
]


@pytest.mark.parametrize("starved", [False, True], ids=["highs", "highs-without-time"])
def test_no_bound_of_any_scenario_or_curve_point_exceeds_what_can_be_reached(
    territory, user, monkeypatch, django_capture_on_commit_callbacks, starved
):
    """The invariant of the "borne supérieure prouvée", on every scenario and every point of its curve,
    also when HiGHS has no time for the LP (as for each 5 s point of a national curve)."""
    from tests.planning.test_solver import starve_highs

    if starved:
        starve_highs(monkeypatch)
    monkeypatch.setattr(services, "CURVE_MEDIATORS", (1, 2, 3, 5))
    for overrides in SCENARIOS:
        with django_capture_on_commit_callbacks(execute=True):
            scenario = scenario_create(user=user, name=str(overrides), options=PlanOptions(**SMALL_PLAN | overrides))
        scenario.refresh_from_db()
        assert scenario.status == ScenarioStatus.DONE, (overrides, scenario.error)
        assert_possible(scenario.result, scenario.result["totals"])
        assert scenario.upper_bound == scenario.result["upper_bound"]
        with django_capture_on_commit_callbacks(execute=True):
            assert curve_request(scenario=scenario)
        scenario.refresh_from_db()
        solved = [p for p in scenario.curve["points"] if "error" not in p]
        assert solved, (overrides, scenario.curve["points"])
        for point in solved:
            assert_possible(point, scenario.curve["totals"])
        assert scenario.curve["totals"]["reachable_weight"] == scenario.result["totals"]["reachable_weight"]


def test_the_worker_and_the_form_check_refuse_an_impossible_plan_with_the_same_words(territory, user):
    options = PlanOptions(**SMALL_PLAN | {"mediators": 3, "departements": 0})  # 3 × 2 offices; D1 2, D2 3
    with pytest.raises(PlanningError) as refused:
        plan_check(options)
    assert str(refused.value) == (
        "L’ensemble des départements compte 5 bureaux de poste : au plus 2 médiateurs à 2 bureaux "
        "(ou 3 médiateurs à 1 bureau) ; 3 médiateurs à 2 bureaux demanderaient 6 bureaux."
    )
    scenario = Scenario.objects.create(name="Ancien formulaire", created_by=user, params=options.as_dict())
    scenario = scenario_run(scenario=scenario)
    assert scenario.status == ScenarioStatus.FAILED
    assert scenario.error == str(refused.value)


def test_default_parameters_are_possible_in_the_users_departements(territory):
    for codes in (None, ["D1"], ["D2"], ["D1", "D2"]):
        defaults = plan_defaults(departements=codes)
        options = PlanOptions(
            mediators=defaults.mediators,
            offices_per_mediator=defaults.offices_per_mediator,
            departements=defaults.departements,
            departement_list=tuple(codes or ()),
        )
        plan_check(options)  # no error
        assert defaults.mediators >= len(codes or [None])
    d1 = plan_defaults(departements=["D1"])
    assert (d1.mediators, d1.offices_per_mediator) == (1, 2)  # D1 has 2 bureaux de poste
    assert d1.summary == "Votre département compte 2 bureaux de poste : au plus 1 médiateur à 2 bureaux."
    assert Departement.objects.filter(code__in=["D1", "D2"]).count() == 2
