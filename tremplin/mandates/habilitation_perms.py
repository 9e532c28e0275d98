"""Who sees and decides mediators' habilitations, on the principles of tremplin.accounts.perms.

- departmental coordinator: the mediators of their organisation(s) attached to a site in one of their départements;
- national manager, administrator: the mediators of their organisation(s) (their own and their memberships;
  a mediator counts when their organisation, or one they work for, is one of them);
- mediator: nobody else; they may request their own habilitation ("Mon habilitation").

Scoping is done in the queryset (`habilitation_subjects`): the screens, the services and the tests use it.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import NATIONAL_ROLES, Role
from tremplin.accounts.models import Membership, User
from tremplin.accounts.perms import organisation_ids_q
from tremplin.network.models import Organisation
from tremplin.territories.models import Departement

# Whose habilitation is tracked: those who may act for people (mandates.services also counts partner staff).
HABILITABLE_ROLES = (Role.MEDIATOR, Role.PARTNER_STAFF)
MANAGING_ROLES = (Role.COORDINATOR, *NATIONAL_ROLES)


def _staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_view_habilitations(user) -> bool:
    """The managers' list and a mediator's habilitation page."""
    return _staff(user) and user.role in MANAGING_ROLES


def habilitation_departements(user) -> QuerySet[Departement]:
    """The départements whose figures this manager sees (every one for national roles)."""
    if not can_view_habilitations(user):
        return Departement.objects.none()
    if user.role == Role.COORDINATOR:
        return Departement.objects.filter(coordinators=user)
    return Departement.objects.all()


def habilitation_subjects(user) -> QuerySet[User]:
    """The mediators whose habilitation `user` sees and decides (active accounts only)."""
    mediators = User.objects.filter(role__in=HABILITABLE_ROLES, is_active=True)
    if not can_view_habilitations(user):
        return mediators.none()
    organisations = Organisation.objects.filter(organisation_ids_q(user, "pk")).values("pk")
    mediators = mediators.filter(
        Q(organisation_id__in=organisations)
        | Q(pk__in=Membership.objects.filter(organisation_id__in=organisations).values("user_id"))
    )
    if user.role == Role.COORDINATOR:
        staff = User.sites.through.objects.filter(site__commune__departement__in=user.departements.all())
        return mediators.filter(pk__in=staff.values("user_id"))
    return mediators


def can_decide_habilitation(user, mediator) -> bool:
    """Record training, grant, suspend, withdraw, re-check (and request on the mediator's behalf)."""
    return can_view_habilitations(user) and habilitation_subjects(user).filter(pk=mediator.pk).exists()


def can_request_habilitation(user, mediator) -> bool:
    """A mediator asks for their own habilitation; a manager may enrol a mediator they decide for."""
    if _staff(user) and user.pk == mediator.pk and user.role in HABILITABLE_ROLES:
        return True
    return can_decide_habilitation(user, mediator)


def can_request_own_habilitation(user) -> bool:
    """Whether the "Mon habilitation" page concerns this account."""
    return _staff(user) and user.role in HABILITABLE_ROLES
