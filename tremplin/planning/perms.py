"""Who plans what.

- national programme manager, administrator: every scenario, any département;
- departmental coordinator: the scenarios they created, planned within their own départements only;
- every other role: no access to the planner.
"""

from django.db.models import QuerySet

from tremplin.accounts.enums import Role
from tremplin.network.models import Site
from tremplin.territories.models import Departement

from .models import Scenario


def can_plan(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_national or user.role == Role.COORDINATOR


def visible_scenarios(user) -> QuerySet[Scenario]:
    scenarios = Scenario.objects.all()
    if not can_plan(user):
        return scenarios.none()
    if user.is_national:
        return scenarios
    return scenarios.filter(created_by=user)


def can_view_scenario(user, scenario: Scenario) -> bool:
    return visible_scenarios(user).filter(pk=scenario.pk).exists()


def plannable_departements(user) -> QuerySet[Departement]:
    """The départements a user may put in a scenario (a coordinator: theirs, and only theirs)."""
    departements = Departement.objects.all()
    if not can_plan(user):
        return departements.none()
    if user.is_national:
        return departements
    return departements.filter(coordinators=user)


def is_restricted_to_departements(user) -> bool:
    """True when the user's scenarios must carry an explicit list of their départements."""
    return can_plan(user) and not user.is_national


def plannable_sites(user) -> QuerySet[Site]:
    """Sites a user may force in or out of a plan."""
    sites = Site.objects.all()
    if not can_plan(user):
        return sites.none()
    if user.is_national:
        return sites
    return sites.filter(commune__departement__in=plannable_departements(user))
