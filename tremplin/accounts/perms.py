"""Who sees what. Every view, the API and the admin scope their querysets with these functions.

- national programme manager, administrator: everything;
- departmental coordinator: their départements, and the sites in them;
- mediator: the sites they serve, and the départements of those sites;
- counter agent: their site and its département;
- partner-structure staff: their organisation's sites (and sites they are attached to).
"""

from django.db.models import Q, QuerySet

from tremplin.network.models import Site
from tremplin.territories.models import Commune, Departement, Qpv

from .enums import Role


def visible_sites(user) -> QuerySet[Site]:
    sites = Site.objects.all()
    if not user.is_authenticated or not user.is_active:
        return sites.none()
    if user.is_national:
        return sites
    if user.role == Role.COORDINATOR:
        return sites.filter(commune__departement__in=user.departements.all())
    if user.role == Role.PARTNER_STAFF:
        return sites.filter(Q(organisation_id=user.organisation_id) | Q(staff=user)).distinct()
    if user.role in (Role.MEDIATOR, Role.COUNTER_AGENT):
        return sites.filter(staff=user)
    return sites.none()


def visible_departements(user) -> QuerySet[Departement]:
    departements = Departement.objects.all()
    if not user.is_authenticated or not user.is_active:
        return departements.none()
    if user.is_national:
        return departements
    if user.role == Role.COORDINATOR:
        return departements.filter(coordinators=user)
    site_departements = visible_sites(user).values("commune__departement")
    return departements.filter(code__in=site_departements)


def visible_communes(user) -> QuerySet[Commune]:
    if user.is_authenticated and user.is_active and user.is_national:
        return Commune.objects.all()
    return Commune.objects.filter(departement__in=visible_departements(user))


def visible_qpvs(user) -> QuerySet[Qpv]:
    if user.is_authenticated and user.is_active and user.is_national:
        return Qpv.objects.all()
    return Qpv.objects.filter(departement__in=visible_departements(user))


def can_view_departement(user, departement: Departement) -> bool:
    return visible_departements(user).filter(pk=departement.pk).exists()


def can_view_site(user, site: Site) -> bool:
    return visible_sites(user).filter(pk=site.pk).exists()


def can_manage_reference_data(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_national


def organisation_ids_q(user, field: str = "organisation_id") -> Q:
    """`field` is one of the organisations `user` works for: their own, and those of their memberships
    (a subquery: no extra query)."""
    from .models import Membership

    return Q(**{field: user.organisation_id}) | Q(
        **{f"{field}__in": Membership.objects.filter(user_id=user.pk).values("organisation_id")}
    )


def works_for(user, organisation_id) -> bool:
    """Whether `user` works for that organisation (their own, or one of their memberships)."""
    if organisation_id is None or not user.is_authenticated:
        return False
    return organisation_id == user.organisation_id or user.memberships.filter(organisation_id=organisation_id).exists()
