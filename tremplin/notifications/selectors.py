"""Reads of the team's lists that span messages, people and sessions: the call list, one row per person and day."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import Notification


def _no_phone() -> Q:
    return Q(beneficiary__mobile_phone="", beneficiary__landline_phone="")


def call_groups(queryset: QuerySet[Notification], *, with_phone: bool) -> QuerySet:
    """The rows of the call list, before their messages: one per person and day the call became due (the local
    date the message was recorded), oldest first. `with_phone`: people with a number to call, or those with no
    number at all (told at the counter or by post). Paginate this, then read the rows with `call_rows`."""
    queryset = queryset.filter(~_no_phone() if with_phone else _no_phone())
    return (
        queryset.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("beneficiary_id", "day")
        .annotate(first=Min("created_at"), size=Count("pk"))
        .order_by("first", "beneficiary_id")
    )


@dataclass
class CallRow:
    """One person to tell, for one day: every message waiting for them that day (several sessions, often)."""

    beneficiary_id: int
    day: datetime.date
    notifications: list[Notification] = field(default_factory=list)

    @property
    def first(self) -> Notification:
        return self.notifications[0]

    @property
    def person(self):
        """What the viewer may see of the person (set on the messages by tremplin.beneficiaries.disclosure)."""
        return self.first.person

    @property
    def pks(self) -> list[int]:
        return [notification.pk for notification in self.notifications]


def call_rows(queryset: QuerySet[Notification], groups) -> list[CallRow]:
    """The messages of these rows (from `call_groups`), in one query, oldest first within each row."""
    rows = {(group["beneficiary_id"], group["day"]): CallRow(group["beneficiary_id"], group["day"]) for group in groups}
    if not rows:
        return []
    notifications = (
        queryset.with_context()
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .filter(beneficiary_id__in={key[0] for key in rows}, day__in={key[1] for key in rows})
        .order_by("created_at", "pk")
    )
    for notification in notifications:
        row = rows.get((notification.beneficiary_id, notification.day))
        if row is not None:
            row.notifications.append(notification)
    return [row for row in rows.values() if row.notifications]
