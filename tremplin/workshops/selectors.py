"""Reads across sessions and registrations: seat counts, fill rate and no-show rate.

- fill rate: confirmed seats / seats offered, over the sessions that were not cancelled;
- no-show rate: people marked absent / people whose attendance was recorded (present, excused, absent).
"""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from .enums import Attendance, RegistrationStatus, SessionStatus
from .models import Session

CONFIRMED = Q(registrations__status=RegistrationStatus.CONFIRMED)
WAITLISTED = Q(registrations__status=RegistrationStatus.WAITLISTED)


def with_counts(queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Sessions annotated with `confirmed_count` and `waitlisted_count` (one query, no N+1)."""
    return queryset.annotate(
        confirmed_count=Count("registrations", filter=CONFIRMED),
        waitlisted_count=Count("registrations", filter=WAITLISTED),
    )


@dataclass(frozen=True)
class Rates:
    label: str
    sessions: int
    seats: int
    confirmed: int
    recorded: int
    present: int
    absent: int

    @property
    def fill_rate(self) -> float | None:
        return self.confirmed / self.seats if self.seats else None

    @property
    def no_show_rate(self) -> float | None:
        return self.absent / self.recorded if self.recorded else None


def _rates(sessions: QuerySet[Session], group_by: tuple[str, ...], label) -> list[Rates]:
    """One row per group. Seats are summed per session first (a join on registrations would repeat them)."""
    sessions = sessions.exclude(status=SessionStatus.CANCELLED)
    seats = {
        tuple(row[k] for k in group_by): row
        for row in sessions.values(*group_by).annotate(n=Count("pk"), seats=Sum("capacity")).order_by()
    }
    counts = {
        tuple(row[k] for k in group_by): row
        for row in sessions.values(*group_by)
        .annotate(
            confirmed=Count("registrations", filter=CONFIRMED),
            recorded=Count("registrations", filter=CONFIRMED & ~Q(registrations__attendance="")),
            present=Count("registrations", filter=CONFIRMED & Q(registrations__attendance=Attendance.PRESENT)),
            absent=Count("registrations", filter=CONFIRMED & Q(registrations__attendance=Attendance.ABSENT)),
        )
        .order_by()
    }
    rows = []
    for key, seat_row in seats.items():
        count = counts.get(key, {})
        rows.append(
            Rates(
                label=label(seat_row),
                sessions=seat_row["n"],
                seats=seat_row["seats"] or 0,
                confirmed=count.get("confirmed", 0),
                recorded=count.get("recorded", 0),
                present=count.get("present", 0),
                absent=count.get("absent", 0),
            )
        )
    return sorted(rows, key=lambda r: r.label)


def rates_by_site(sessions: QuerySet[Session]) -> list[Rates]:
    return _rates(sessions, ("site_id", "site__name", "is_remote"), lambda r: r["site__name"] or "À distance")


def rates_by_mediator(sessions: QuerySet[Session]) -> list[Rates]:
    def label(row):
        name = f"{row['mediator__first_name']} {row['mediator__last_name']}".strip()
        return name or row["mediator__email"]

    return _rates(sessions, ("mediator_id", "mediator__first_name", "mediator__last_name", "mediator__email"), label)


def rates_by_session(sessions: QuerySet[Session]) -> QuerySet[Session]:
    """Past sessions annotated with their counts (fill and no-show rates computed in the template)."""
    return (
        with_counts(sessions.exclude(status=SessionStatus.CANCELLED))
        .annotate(
            recorded_count=Count("registrations", filter=CONFIRMED & ~Q(registrations__attendance="")),
            absent_count=Count("registrations", filter=CONFIRMED & Q(registrations__attendance=Attendance.ABSENT)),
            present_count=Count("registrations", filter=CONFIRMED & Q(registrations__attendance=Attendance.PRESENT)),
        )
        .select_related("programme", "site", "mediator")
        .order_by(F("starts_at").desc())
    )


def total(rows: list[Rates]) -> Rates:
    return Rates(
        label="Total",
        sessions=sum(r.sessions for r in rows),
        seats=sum(r.seats for r in rows),
        confirmed=sum(r.confirmed for r in rows),
        recorded=sum(r.recorded for r in rows),
        present=sum(r.present for r in rows),
        absent=sum(r.absent for r in rows),
    )
