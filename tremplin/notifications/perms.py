"""Who sees and handles which messages (the "Messages" screens), on the principles of tremplin.accounts.perms.

- national programme manager, administrator: all;
- departmental coordinator: sessions at sites in their départements (remote sessions: people living there);
- mediator: sessions they run, or held at one of their sites;
- other roles: none.
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role

from .models import Notification


def can_handle_notifications(user) -> bool:
    """Shown in the menu; no database query."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_national or user.role in (Role.MEDIATOR, Role.COORDINATOR)


def notification_scope(user) -> Q | None:
    if not can_handle_notifications(user):
        return None
    if user.is_national:
        return Q()
    if user.role == Role.MEDIATOR:
        return Q(registration__session__mediator=user) | Q(registration__session__site__in=user.sites.all())
    departements = user.departements.all()
    return Q(registration__session__site__commune__departement__in=departements) | Q(
        registration__session__site__isnull=True, beneficiary__commune__departement__in=departements
    )


def visible_notifications(user, queryset: QuerySet[Notification] | None = None) -> QuerySet[Notification]:
    queryset = Notification.objects.all() if queryset is None else queryset
    scope = notification_scope(user)
    return queryset.none() if scope is None else queryset.filter(scope)
