"""Who sees which referral.

- The referring side: staff of the referring organisation see the referrals of the people they see (and those
  they made themselves); national managers and coordinators through their own scope of people.
- The receiving side: partner staff see only the referrals addressed to the places their organisation keeps
  (`Place.organisation`), never the others.
Everything else answers 404 in the views.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import organisation_ids_q
from tremplin.beneficiaries.perms import beneficiary_scope, can_view_beneficiary

from .models import Referral

REFERRING_ROLES = (Role.MEDIATOR, Role.COUNTER_AGENT, Role.PARTNER_STAFF, Role.COORDINATOR)
STATS_ROLES = (Role.COORDINATOR, Role.NATIONAL_MANAGER, Role.ADMINISTRATOR)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.organisation_id)


def sent_referrals(user, queryset: QuerySet[Referral] | None = None) -> QuerySet[Referral]:
    """Referrals made by `user`'s organisation for people `user` may see (or made by `user`)."""
    queryset = Referral.objects.all() if queryset is None else queryset
    if not _active(user):
        return queryset.none()
    scope = beneficiary_scope(user)
    people = Q(referred_by=user)
    if scope is not None:
        people |= Q(beneficiary__in=_scoped_people(scope))
    return queryset.filter(organisation_ids_q(user, "from_organisation_id")).filter(people)


def _scoped_people(scope: Q):
    from tremplin.beneficiaries.models import Beneficiary

    return Beneficiary.objects.filter(scope).values("pk")


def received_referrals(user, queryset: QuerySet[Referral] | None = None) -> QuerySet[Referral]:
    """Referrals addressed to the places of `user`'s organisation (partner staff only)."""
    queryset = Referral.objects.all() if queryset is None else queryset
    if not _active(user) or user.role != Role.PARTNER_STAFF:
        return queryset.none()
    return queryset.filter(organisation_ids_q(user, "place__organisation_id"))


def can_refer(user, beneficiary) -> bool:
    return _active(user) and user.role in REFERRING_ROLES and can_view_beneficiary(user, beneficiary)


def can_answer(user, referral: Referral) -> bool:
    return received_referrals(user).filter(pk=referral.pk).exists()


def can_cancel(user, referral: Referral) -> bool:
    return user.role in REFERRING_ROLES and sent_referrals(user).filter(pk=referral.pk).exists()


def can_view_stats(user) -> bool:
    return _active(user) and user.role in STATS_ROLES


def stats_referrals(user) -> QuerySet[Referral]:
    """The referrals counted in `user`'s statistics: those of their scope of people."""
    if not can_view_stats(user):
        return Referral.objects.none()
    return sent_referrals(user)
