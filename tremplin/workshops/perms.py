"""Who sees and runs which workshop session, on the principles of tremplin.accounts.perms.

A session is visible to whoever sees its place (`visible_sites`), and always to its own mediator
(remote sessions have no place). National roles see every session. Used by the screens and the API.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.accounts.perms import visible_sites

from .models import Registration, Session

# Who plans sessions and fills attendance sheets; counter agents book people but do not run workshops.
ORGANISING_ROLES = (Role.MEDIATOR, Role.PARTNER_STAFF, Role.COORDINATOR)
BOOKING_ROLES = (Role.MEDIATOR, Role.COUNTER_AGENT, Role.PARTNER_STAFF, Role.COORDINATOR)
CATALOGUE_ROLES = (Role.NATIONAL_MANAGER, Role.COORDINATOR, Role.MEDIATOR)


def _staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def visible_sessions(user, queryset: QuerySet[Session] | None = None) -> QuerySet[Session]:
    queryset = Session.objects.all() if queryset is None else queryset
    if not _staff(user):
        return queryset.none()
    if user.is_national:
        return queryset
    return queryset.filter(Q(site__in=visible_sites(user)) | Q(mediator=user))


def can_view_session(user, session: Session) -> bool:
    return visible_sessions(user).filter(pk=session.pk).exists()


def can_organise(user) -> bool:
    """Plan sessions and fill attendance (on the sessions they see)."""
    return _staff(user) and (user.role in ORGANISING_ROLES or user.is_national)


# Who may lead a session: La Poste's mediators, and a partner structure's own staff running its workshops.
LEADING_ROLES = (Role.MEDIATOR, Role.PARTNER_STAFF)


def session_leaders(user) -> QuerySet[User]:
    """Whom `user` may name to lead a session they schedule (the form's choices, checked again by the service).

    - mediator: themselves;
    - partner-structure staff: themselves and the mediators and staff of their organisation;
    - coordinator, national roles: the mediators and partner staff attached to a site they see.
    """
    users = User.objects.filter(is_active=True, role__in=LEADING_ROLES)
    if not can_organise(user):
        return users.none()
    if user.role == Role.MEDIATOR:
        return users.filter(pk=user.pk)
    if user.role == Role.PARTNER_STAFF:
        if not user.organisation_id:
            return users.filter(pk=user.pk)
        return users.filter(Q(pk=user.pk) | Q(organisation_id=user.organisation_id))
    return users.filter(sites__in=visible_sites(user)).distinct()


def can_book(user) -> bool:
    return _staff(user) and user.role in BOOKING_ROLES and bool(user.organisation_id)


def can_manage_registrations(user) -> bool:
    """Cancel a registration, or confirm a request from the public page (on the sessions they see): the web
    views and the API alike."""
    return can_book(user) or can_organise(user)


def can_edit_catalogue(user) -> bool:
    return _staff(user) and user.role in CATALOGUE_ROLES


def visible_registrations(user) -> QuerySet[Registration]:
    return Registration.objects.filter(session__in=visible_sessions(user))


def can_view_stats(user) -> bool:
    return _staff(user) and (user.role in ORGANISING_ROLES or user.is_national)
