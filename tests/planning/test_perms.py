"""Who sees which scenarios and plans in which départements."""

import pytest

from tests.factories import DepartementFactory, UserFactory
from tremplin.planning.models import Scenario
from tremplin.planning.perms import (
    can_plan,
    can_view_scenario,
    plannable_departements,
    plannable_sites,
    visible_scenarios,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    d1, d2 = DepartementFactory(code="22"), DepartementFactory(code="29")
    return {
        "national": UserFactory(national=True),
        "admin": UserFactory(administrator=True),
        "coordinator": UserFactory(coordinator=True, departements=[d1]),
        "other_coordinator": UserFactory(coordinator=True, departements=[d2]),
        "mediator": UserFactory(mediator=True),
        "counter_agent": UserFactory(counter_agent=True),
        "partner": UserFactory(partner=True),
        "d1": d1,
        "d2": d2,
    }


def test_national_roles_see_every_scenario_and_plan_anywhere(people):
    mine = Scenario.objects.create(name="A", created_by=people["coordinator"], params={})
    theirs = Scenario.objects.create(name="B", created_by=people["national"], params={})
    for role in ("national", "admin"):
        user = people[role]
        assert can_plan(user)
        assert set(visible_scenarios(user)) == {mine, theirs}
        assert set(plannable_departements(user)) == {people["d1"], people["d2"]}


def test_coordinator_sees_their_own_scenarios_and_plans_in_their_departements(people):
    coordinator = people["coordinator"]
    mine = Scenario.objects.create(name="A", created_by=coordinator, params={})
    colleague = Scenario.objects.create(name="B", created_by=people["other_coordinator"], params={})
    national = Scenario.objects.create(name="C", created_by=people["national"], params={})
    assert can_plan(coordinator)
    assert list(visible_scenarios(coordinator)) == [mine]
    assert can_view_scenario(coordinator, mine)
    assert not can_view_scenario(coordinator, colleague)
    assert not can_view_scenario(coordinator, national)
    assert list(plannable_departements(coordinator)) == [people["d1"]]


@pytest.mark.parametrize("role", ["mediator", "counter_agent", "partner"])
def test_other_roles_have_no_planner(people, role):
    user = people[role]
    Scenario.objects.create(name="A", created_by=user, params={})
    assert not can_plan(user)
    assert not visible_scenarios(user).exists()
    assert not plannable_departements(user).exists()
    assert not plannable_sites(user).exists()


def test_inactive_national_manager_has_no_planner(people):
    user = people["national"]
    user.is_active = False
    assert not can_plan(user)
    assert not visible_scenarios(user).exists()
