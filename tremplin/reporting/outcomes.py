"""What came of the accompaniments: people who left illectronisme, workshops' fill and no-show rates, referrals by
outcome. Figures only, never a name.

Scope: the same as every statistic. A diagnostic and a referral each have their activity record (written by
activities.services.activity_for_source), so they are taken through the viewer's filtered activities
(stats.filtered: activities.perms scope, period, territory, organisation, site, mediator, team); the `type` and
`theme` filters are left out here (they choose activities, not outcomes). A workshop session counts where its place
is, for whoever sees it (workshops.perms.visible_sessions), with the same period, territory, site, mediator,
organisation, theme and team filters read on the session; sessions where nobody came count too (they have no
activity record, and are the first a no-show rate must see).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from tremplin.activities.enums import Kind
from tremplin.diagnostics.enums import InseeClass
from tremplin.referrals import selectors as referral_selectors
from tremplin.referrals.models import Referral
from tremplin.workshops import selectors as workshop_selectors
from tremplin.workshops.enums import SessionStatus
from tremplin.workshops.perms import visible_sessions

from . import stats
from .filters import StatsFilters
from .models import TeamMember

BEFORE_AFTER_METHOD = (
    "Parmi les personnes ayant eu au moins deux diagnostics numériques dans la période et le périmètre, dont le "
    "premier les classait en illectronisme (classe INSEE), part de celles qui n'y sont plus au dernier."
)
WORKSHOP_METHOD = (
    "Séances tenues (passées, non annulées) de la période. Taux de remplissage : places réservées confirmées / "
    "places offertes. Taux d'absence : personnes inscrites notées absentes / personnes dont la présence a été "
    "notée (présentes, excusées ou absentes)."
)


def _outcome_filters(filters: StatsFilters) -> StatsFilters:
    return filters.replace(kind=None, theme=None)


@dataclass(frozen=True)
class BeforeAfter:
    followed: int  # people with two diagnostics or more
    started_in_illectronisme: int  # the denominator
    left_illectronisme: int

    @property
    def share(self) -> float | None:
        return self.left_illectronisme / self.started_in_illectronisme if self.started_in_illectronisme else None


def before_after(viewer, filters: StatsFilters) -> BeforeAfter:
    """Among the people with at least two diagnostics in scope and period whose first was « illectronisme », how
    many are no longer in illectronisme at their latest. One query; merged duplicates' diagnostics point to the
    kept person."""
    _, participants = stats.filtered(viewer, _outcome_filters(filters))
    rows = (
        participants.filter(kind=Kind.DIAGNOSTIC, activity__diagnostic__isnull=False)
        .order_by("beneficiary_id", "activity__diagnostic__performed_at", "activity__diagnostic_id")
        .values_list("beneficiary_id", "activity__diagnostic__insee")
    )
    firsts: dict[int, str] = {}
    lasts: dict[int, str] = {}
    counts: dict[int, int] = {}
    for person, insee in rows.iterator(chunk_size=5000):
        firsts.setdefault(person, insee)
        lasts[person] = insee
        counts[person] = counts.get(person, 0) + 1
    followed = [person for person, n in counts.items() if n >= 2]
    started = [person for person in followed if firsts[person] == InseeClass.ILLECTRONISME]
    left = sum(1 for person in started if lasts[person] != InseeClass.ILLECTRONISME)
    return BeforeAfter(followed=len(followed), started_in_illectronisme=len(started), left_illectronisme=left)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def held_sessions(viewer, filters: StatsFilters):
    """The viewer's sessions held in the filters' period (passed, not cancelled) and scope."""
    now = timezone.now()
    sessions = visible_sessions(viewer).exclude(status=SessionStatus.CANCELLED).filter(starts_at__lt=now)
    if filters.kind and filters.kind != Kind.COLLECTIVE:
        return sessions.none()
    if filters.date_from:
        sessions = sessions.filter(starts_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        sessions = sessions.filter(starts_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    if filters.departement:
        sessions = sessions.filter(site__commune__departement_id=filters.departement)
    if filters.site is not None:
        sessions = sessions.filter(site_id=filters.site)
    if filters.mediator is not None:
        sessions = sessions.filter(mediator_id=filters.mediator)
    if filters.organisation is not None:
        sessions = sessions.filter(
            Q(site__organisation_id=filters.organisation)
            | Q(site__organisation__isnull=True, mediator__organisation_id=filters.organisation)
            | Q(site__isnull=True, mediator__organisation_id=filters.organisation)
        )
    if filters.theme:
        sessions = sessions.filter(programme__theme=filters.theme)
    if filters.team is not None:
        terms = Q(pk__in=[])
        for mediator_id, joined_on, left_on in TeamMember.objects.filter(team_id=filters.team).values_list(
            "mediator_id", "joined_on", "left_on"
        ):
            term = Q(mediator_id=mediator_id, starts_at__gte=_day_start(joined_on))
            if left_on is not None:
                term &= Q(starts_at__lt=_day_start(left_on + datetime.timedelta(days=1)))
            terms |= term
        sessions = sessions.filter(terms)
    return sessions


def workshop_rates(viewer, filters: StatsFilters) -> workshop_selectors.Rates:
    """Fill rate and no-show rate of the held sessions (workshops.selectors' own definitions: `fill_rate`,
    `no_show_rate` of the returned Rates)."""
    rows = workshop_selectors.rates_by_site(held_sessions(viewer, filters))
    return workshop_selectors.total(rows)


@dataclass(frozen=True)
class ReferralCounts:
    total: int
    by_status: list  # [(status label, count)] in referrals.selectors.OUTCOMES order
    answered_share: float | None
    median_days: float | None


def referral_counts(viewer, filters: StatsFilters) -> ReferralCounts:
    """Referrals of the viewer's filtered activities, by status (referrals.selectors.referral_stats)."""
    activities, _ = stats.filtered(viewer, _outcome_filters(filters))
    referrals = Referral.objects.filter(
        pk__in=activities.filter(kind=Kind.REFERRAL, referral__isnull=False).values("referral_id")
    )
    start = _day_start(filters.date_from or datetime.date(2000, 1, 1))
    end = _day_start((filters.date_to or timezone.localdate()) + datetime.timedelta(days=1))
    _, total = referral_selectors.referral_stats(referrals, start=start, end=end)
    by_status = [(status.label, total.by_status.get(status, 0)) for status in referral_selectors.OUTCOMES]
    return ReferralCounts(total.total, by_status, total.answered_share, total.median_days)
