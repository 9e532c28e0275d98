"""Who sees and records which activities. Every list, export, statistic and API answer starts from
`visible_activities` (and `visible_participants`, its twin over the participant rows).

- national programme manager, administrator: every activity;
- departmental coordinator: the activities that took place in their départements;
- partner-structure staff: their organisations' activities;
- mediator, counter agent: their own activities (recorded by them, or of their sessions).
"""

from django.db.models import Q, QuerySet

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import organisation_ids_q, works_for

from .enums import RECORDED_KINDS
from .models import Activity, Participant

RECORDING_ROLES = (Role.MEDIATOR, Role.PARTNER_STAFF, Role.COORDINATOR)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def activity_scope(user) -> Q | None:
    """The filter of the activities (or participant rows: same field names) `user` may count; None: none."""
    if not _active(user):
        return None
    if user.is_national:
        return Q()
    if user.role == Role.COORDINATOR:
        return Q(departement__in=user.departements.all())
    if user.role == Role.PARTNER_STAFF and user.organisation_id:
        return organisation_ids_q(user)
    if user.role in (Role.MEDIATOR, Role.COUNTER_AGENT):
        return Q(mediator=user)
    return None


def visible_activities(user, queryset: QuerySet[Activity] | None = None) -> QuerySet[Activity]:
    queryset = Activity.objects.all() if queryset is None else queryset
    scope = activity_scope(user)
    return queryset.none() if scope is None else queryset.filter(scope)


def visible_participants(user, queryset: QuerySet[Participant] | None = None) -> QuerySet[Participant]:
    queryset = Participant.objects.all() if queryset is None else queryset
    scope = activity_scope(user)
    return queryset.none() if scope is None else queryset.filter(scope)


def can_record_activity(user) -> bool:
    return _active(user) and user.role in RECORDING_ROLES and bool(user.organisation_id)


def can_read_notes(user, activity: Activity) -> bool:
    """Free-text notes may say things about the person: only their mediator and their organisation read them
    (a coordinator or a manager of another organisation sees the record without them)."""
    return _active(user) and (activity.mediator_id == user.pk or works_for(user, activity.organisation_id))


def can_edit_activity(user, activity: Activity) -> bool:
    """An accompaniment or workshop record can be corrected by its mediator, or by a coordinator or partner of its
    organisation. The records written by another service (diagnostic, screening, referral, démarche) follow their
    source."""
    if not can_record_activity(user) or activity.kind not in RECORDED_KINDS:
        return False
    if activity.mediator_id == user.pk:
        return True
    return user.role in (Role.COORDINATOR, Role.PARTNER_STAFF) and works_for(user, activity.organisation_id)
