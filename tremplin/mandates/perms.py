"""Who sees, creates, uses and ends mandates.

A mandate lives inside its organisation: only people who work for that organisation (`works_for`: their own or a
`Membership`) see it, and only among the people they may see (tremplin.beneficiaries.perms). Creating, signing,
using, renewing and transferring need a habilitated mediator with a second factor (`habilitation_block`); using one
also needs a code entered within the last 15 minutes (checked by services.mandate_use). Ending a mandate (revoking
it, or one authorisation) protects the person: habilitated mediators, and the organisation's coordinators and
national managers, may do it.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import organisation_ids_q, works_for
from tremplin.beneficiaries.perms import visible_beneficiaries

from .models import Mandate

MANAGING_ROLES = (Role.COORDINATOR, Role.NATIONAL_MANAGER)


def visible_mandates(user, queryset: QuerySet[Mandate] | None = None) -> QuerySet[Mandate]:
    queryset = Mandate.objects.all() if queryset is None else queryset
    if not (user.is_authenticated and user.is_active and user.organisation_id):
        return queryset.none()
    return queryset.filter(organisation_ids_q(user)).filter(beneficiary__in=visible_beneficiaries(user))


def acting_block(user, organisation_id) -> str | None:
    """Why `user` may not create or use a mandate of that organisation (a French sentence), or None."""
    from .habilitation import habilitation_block

    if not works_for(user, organisation_id):
        return "Vous ne travaillez pas pour l'organisation de ce mandat."
    return habilitation_block(user)


def can_act(user, organisation_id) -> bool:
    return acting_block(user, organisation_id) is None


def can_end(user, mandate: Mandate) -> bool:
    """Revoke the mandate or one of its authorisations."""
    if not works_for(user, mandate.organisation_id):
        return False
    return user.role in MANAGING_ROLES or can_act(user, mandate.organisation_id)


def organisation_ids_q_for_users(organisation_id) -> Q:
    """Accounts that work for the organisation: their own, or through a Membership."""
    return Q(organisation_id=organisation_id) | Q(memberships__organisation_id=organisation_id)
