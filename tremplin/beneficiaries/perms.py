"""Who sees which person, on the principles of tremplin.accounts.perms.

A person belongs to one organisation. Staff outside that organisation (their own, or one they also work for
through a `Membership`) never see them (the views answer
404), whatever their role: a national manager reads the records of their own organisation (La Poste's
programme managers, La Poste's people), an administrator without organisation reads none. Inside the
organisation:

- mediator: people followed at one of their sites, or whom they recorded themselves;
- counter agent: people of their site (or recorded by them);
- partner-structure staff: all the people of their organisation;
- departmental coordinator: the people of their organisation in their départements (the site's
  département, or the person's commune when no site is set); a coordinator with no organisation sees none.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import organisation_ids_q

from .models import Beneficiary

# Who records people and screenings, and who runs diagnostics (national roles only consult).
RECORDING_ROLES = (Role.MEDIATOR, Role.COUNTER_AGENT, Role.PARTNER_STAFF, Role.COORDINATOR)
ASSESSING_ROLES = (Role.MEDIATOR, Role.PARTNER_STAFF, Role.COORDINATOR)


def _is_staff_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def beneficiary_scope(user) -> Q | None:
    """The filter of the people `user` may see (None: nobody); shared by querysets and checks."""
    if not _is_staff_user(user):
        return None
    if not user.organisation_id:
        return None
    same_organisation = organisation_ids_q(user)  # their organisation, and the others they work for
    if user.is_national:
        return same_organisation
    if user.role in (Role.MEDIATOR, Role.COUNTER_AGENT):
        return same_organisation & (Q(site__in=user.sites.all()) | Q(created_by=user))
    if user.role == Role.PARTNER_STAFF:
        return same_organisation
    if user.role == Role.COORDINATOR:
        departements = user.departements.all()
        return same_organisation & (
            Q(site__commune__departement__in=departements) | Q(site__isnull=True, commune__departement__in=departements)
        )
    return None


def visible_beneficiaries(user, queryset: QuerySet[Beneficiary] | None = None) -> QuerySet[Beneficiary]:
    """Active people `user` may see (the base of every list, search and detail page)."""
    queryset = Beneficiary.objects.active() if queryset is None else queryset
    scope = beneficiary_scope(user)
    return queryset.none() if scope is None else queryset.filter(scope)


def can_view_beneficiary(user, beneficiary: Beneficiary) -> bool:
    return beneficiary.is_active and visible_beneficiaries(user).filter(pk=beneficiary.pk).exists()


def can_record_beneficiary(user) -> bool:
    return _is_staff_user(user) and user.role in RECORDING_ROLES and bool(user.organisation_id)


def can_assess(user) -> bool:
    """Run a full diagnostic (counter agents screen, mediators and partners assess)."""
    return _is_staff_user(user) and user.role in ASSESSING_ROLES and bool(user.organisation_id)


def can_screen(user) -> bool:
    return can_record_beneficiary(user)


def can_edit_beneficiary(user, beneficiary: Beneficiary) -> bool:
    return can_record_beneficiary(user) and can_view_beneficiary(user, beneficiary)


def recording_sites(user):
    """Sites where `user` may attach a person or a screening: their own sites of their organisation."""
    from tremplin.network.models import Site

    if not can_record_beneficiary(user):
        return Site.objects.none()
    sites = Site.objects.filter(staff=user)
    if user.role == Role.PARTNER_STAFF:
        sites = Site.objects.filter(Q(staff=user) | Q(organisation_id=user.organisation_id)).distinct()
    return sites.order_by("name")
