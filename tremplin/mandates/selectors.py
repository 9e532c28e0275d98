"""Reads across mandates, their uses and the person's record."""

from django.db.models import Prefetch
from django.utils import timezone

from tremplin.accounts.enums import Role

from .habilitation_perms import can_request_own_habilitation
from .models import Authorisation, MandateUse
from .perms import MANAGING_ROLES, acting_block, visible_mandates


def person_mandates(user, person) -> dict:
    """The person's mandates that `user` may see (their organisations only) and the démarches done under them, newest
    first, for the person's page: two queries, plus the habilitation check."""
    if user.role not in (*MANAGING_ROLES, Role.MEDIATOR, Role.PARTNER_STAFF):
        return {"mandates": [], "mandate_uses": [], "mandates_shown": False}
    mandates = list(
        visible_mandates(user)
        .filter(beneficiary=person)
        .prefetch_related(Prefetch("authorisations", queryset=Authorisation.objects.order_by("category")))
        .order_by("-created_at", "-pk")
    )
    uses = list(
        MandateUse.objects.filter(mandate__in=[m.pk for m in mandates]).select_related("mediator", "mandate")[:50]
        if mandates
        else []
    )
    return {
        "mandates": mandates,
        "mandate_uses": uses,
        "mandates_shown": True,
        "mandate_block": acting_block(user, person.organisation_id),
        "own_habilitation": can_request_own_habilitation(user),
        "now": timezone.now(),
    }
