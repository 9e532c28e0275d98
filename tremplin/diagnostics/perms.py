"""Who sees which screening and diagnostic: through the person (tremplin.beneficiaries.perms); a
walk-in's screening (no record) is seen by its author and by the staff of the same site."""

from django.db.models import Q, QuerySet

from tremplin.beneficiaries.perms import beneficiary_scope, can_assess, can_screen  # noqa: F401

from .models import Diagnostic, Screening


def _prefixed(scope: Q, prefix: str) -> Q:
    """The beneficiary filter `scope`, re-rooted on a relation (`beneficiary__…`)."""
    children = []
    for child in scope.children:
        if isinstance(child, Q):
            children.append(_prefixed(child, prefix))
        else:
            key, value = child
            children.append((f"{prefix}__{key}", value))
    prefixed = Q(*children, _connector=scope.connector, _negated=scope.negated)
    return prefixed


def visible_diagnostics(user) -> QuerySet[Diagnostic]:
    scope = beneficiary_scope(user)
    if scope is None:
        return Diagnostic.objects.none()
    return Diagnostic.objects.filter(
        _prefixed(scope, "beneficiary"),
        beneficiary__anonymised_at__isnull=True,
        beneficiary__merged_into__isnull=True,
    )


def visible_screenings(user) -> QuerySet[Screening]:
    scope = beneficiary_scope(user)
    if scope is None:
        return Screening.objects.none()
    walk_ins = Q(beneficiary__isnull=True)
    if not user.is_national:
        walk_ins &= Q(organisation_id=user.organisation_id) & (Q(performed_by=user) | Q(site__in=user.sites.all()))
    people = Q(beneficiary__isnull=False, beneficiary__anonymised_at__isnull=True) & _prefixed(scope, "beneficiary")
    return Screening.objects.filter(walk_ins | people)
