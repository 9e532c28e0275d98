"""Who sees and sets objectives, who manages a team, who shares a dashboard.

- national programme manager, administrator: every objective, team and share link;
- departmental coordinator: the objectives of their départements (a département, a site in it, a mediator working
  there or in one of their teams), which they set themselves; their own teams; share links of views limited to
  one of their départements;
- partner-structure staff: read the objectives of their organisation (programme, its sites and mediators);
- mediator, counter agent: read their own objectives.

The counts behind an objective are always the viewer's own (tremplin.reporting.stats with the viewer): an
objective is visible only to people whose statistics cover its whole scope, so that nobody reads a national
target against a départemental count.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.accounts.perms import organisation_ids_q

from .enums import ObjectiveScope
from .models import Objective, Team, TeamMember

MEMBER_ROLES = (Role.MEDIATOR, Role.COUNTER_AGENT)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _coordinated_mediators(user) -> QuerySet[User]:
    """Mediators a coordinator answers for: those with a site in their départements, and the current members of
    their teams."""
    in_teams = TeamMember.objects.filter(team__coordinator=user, left_on__isnull=True).values("mediator_id")
    return User.objects.filter(
        Q(sites__commune__departement__in=user.departements.all()) | Q(pk__in=in_teams),
        role__in=MEMBER_ROLES,
    )


def objective_scope(user) -> Q | None:
    """The filter of the objectives `user` may read (None: none)."""
    if not _active(user):
        return None
    if user.is_national:
        return Q()
    if user.role == Role.COORDINATOR:
        departements = user.departements.all()
        return (
            Q(scope=ObjectiveScope.DEPARTEMENT, departement__in=departements)
            | Q(scope=ObjectiveScope.SITE, site__commune__departement__in=departements)
            | Q(scope=ObjectiveScope.MEDIATOR, mediator__in=_coordinated_mediators(user).values("pk"))
        )
    if user.role == Role.PARTNER_STAFF and user.organisation_id:
        return organisation_ids_q(user) & Q(
            scope__in=(ObjectiveScope.PROGRAMME, ObjectiveScope.SITE, ObjectiveScope.MEDIATOR)
        )
    if user.role in MEMBER_ROLES:
        return Q(scope=ObjectiveScope.MEDIATOR, mediator=user)
    return None


def visible_objectives(user, queryset: QuerySet[Objective] | None = None) -> QuerySet[Objective]:
    queryset = Objective.objects.all() if queryset is None else queryset
    scope = objective_scope(user)
    return queryset.none() if scope is None else queryset.filter(scope).distinct()


def can_set_objectives(user) -> bool:
    return _active(user) and (user.is_national or user.role == Role.COORDINATOR)


def can_set_objective(user, *, scope, departement=None, site=None, mediator=None) -> bool:
    """Whether `user` may set (create, change, delete) an objective of that scope."""
    if not can_set_objectives(user):
        return False
    if user.is_national:
        return True
    if scope == ObjectiveScope.DEPARTEMENT:
        return departement is not None and user.departements.filter(pk=departement.pk).exists()
    if scope == ObjectiveScope.SITE:
        return site is not None and user.departements.filter(communes__sites=site).exists()
    if scope == ObjectiveScope.MEDIATOR:
        return mediator is not None and _coordinated_mediators(user).filter(pk=mediator.pk).exists()
    return False  # the programme's own objectives are national


def can_manage_objective(user, objective: Objective) -> bool:
    return can_set_objective(
        user,
        scope=objective.scope,
        departement=objective.departement,
        site=objective.site,
        mediator=objective.mediator,
    )


def objective_mediators(user) -> QuerySet[User]:
    """The mediators `user` may set an objective for (the form's choices)."""
    mediators = User.objects.filter(is_active=True, role__in=MEMBER_ROLES)
    if not can_set_objectives(user):
        return mediators.none()
    if user.is_national:
        return mediators
    return mediators.filter(pk__in=_coordinated_mediators(user).values("pk"))


# Teams.


def can_create_team(user) -> bool:
    return can_set_objectives(user)


def visible_teams(user, queryset: QuerySet[Team] | None = None) -> QuerySet[Team]:
    queryset = Team.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    if user.is_national:
        return queryset
    if user.role == Role.COORDINATOR:
        return queryset.filter(coordinator=user)
    if user.role in MEMBER_ROLES:
        return queryset.filter(members__mediator=user).distinct()
    return queryset.none()


def can_manage_team(user, team: Team) -> bool:
    if not _active(user):
        return False
    return user.is_national or (user.role == Role.COORDINATOR and team.coordinator_id == user.pk)


def team_candidates(user, team: Team) -> QuerySet[User]:
    """The mediators `user` may add to `team`: active mediators (and counter agents) of the team's organisation;
    for a coordinator, those working at a site of their départements."""
    users = User.objects.filter(is_active=True, role__in=MEMBER_ROLES, organisation_id=team.organisation_id)
    if not can_manage_team(user, team):
        return users.none()
    if user.is_national:
        return users
    return users.filter(sites__commune__departement__in=user.departements.all()).distinct()


# Share links.


def can_create_share_links(user) -> bool:
    return can_set_objectives(user)


def can_share(user, filters) -> bool:
    """Whether `user` may share a read-only view with these filters (`StatsFilters`): national roles any view, a
    coordinator a view limited to one of their départements."""
    if not can_create_share_links(user):
        return False
    if user.is_national:
        return True
    return bool(filters.departement) and user.departements.filter(code=filters.departement).exists()


def can_revoke_share_link(user, link) -> bool:
    return _active(user) and (user.is_national or link.created_by_id == user.pk)


# Mediators' dashboards.


def visible_mediators(user) -> QuerySet[User]:
    """The mediators and counter agents whose dashboard `user` may open: any for national viewers and
    coordinators (a coordinator's figures are those of their départements, whoever records them); those of their
    organisations for partner staff; themselves for a mediator or counter agent."""
    mediators = User.objects.filter(role__in=MEMBER_ROLES)
    if not _active(user):
        return mediators.none()
    if user.is_national or user.role == Role.COORDINATOR:
        return mediators
    if user.role == Role.PARTNER_STAFF and user.organisation_id:
        return mediators.filter(
            organisation_ids_q(user, "organisation_id") | organisation_ids_q(user, "memberships__organisation_id")
        ).distinct()
    if user.role in MEMBER_ROLES:
        return mediators.filter(pk=user.pk)
    return mediators.none()
