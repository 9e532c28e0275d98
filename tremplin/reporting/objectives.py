"""Where an objective stands: done to date, pace needed, recent pace, forecast at the deadline; which objectives,
départements and mediators are behind their pace.

Every count goes through tremplin.reporting.stats (the viewer's scope, the one way to count): the objective's scope
becomes `StatsFilters` (programme → its organisation; département; site; mediator) from `starts_on` to today (or
the deadline when passed). « Personnes »: different identified people accompanied since `starts_on` (anonymous
accompaniments are not people); « accompagnements »: accompaniments (activities.enums.ACCOMPANIMENT_KINDS).

- pace needed = (target − done) / weeks left;
- recent pace and forecast: tremplin.reporting.forecast over the complete weeks (the current week is left out of
  the pace, not of the count done);
- a département's (or mediator's) share of a programme objective is its own objective with the same organisation,
  measure and deadline when one exists, else the target split by the number of mediators: for a département, the
  programme's mediators attached to a site of it (a mediator serving several départements counts for a fraction in
  each); for a mediator, an equal share. Their recent pace is their progress over the last complete weeks (up to 8).
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.activities.enums import ACCOMPANIMENT_KINDS
from tremplin.territories.models import Departement

from . import stats
from .enums import ObjectiveMeasure, ObjectiveScope
from .filters import StatsFilters
from .forecast import WINDOW, Forecast, forecast
from .models import Objective

SPLIT_METHOD = (
    "Part de la cible : l'objectif propre au département (ou au médiateur) quand il existe, sinon la cible du "
    "programme répartie selon le nombre de médiateurs (pour un département : les médiateurs du programme "
    "rattachés à un de ses lieux, un médiateur présent dans plusieurs départements comptant pour une fraction "
    "dans chacun ; pour un médiateur : une part égale). Rythme récent : sa progression moyenne sur les "
    f"{WINDOW} dernières semaines complètes."
)


def objective_filters(objective: Objective, *, today: datetime.date) -> StatsFilters:
    """The statistics filters of an objective's scope and period."""
    end = min(today, objective.deadline)
    filters = StatsFilters(date_from=objective.starts_on, date_to=end)
    if objective.scope == ObjectiveScope.PROGRAMME:
        return filters.replace(organisation=objective.organisation_id)
    if objective.scope == ObjectiveScope.DEPARTEMENT:
        return filters.replace(departement=objective.departement_id, organisation=objective.organisation_id)
    if objective.scope == ObjectiveScope.SITE:
        return filters.replace(site=objective.site_id)
    return filters.replace(mediator=objective.mediator_id)


def _weeks_between(start: datetime.date, end: datetime.date) -> float:
    return max(0.0, (end - start).days / 7)


@dataclass(frozen=True)
class ObjectiveProgress:
    objective: Objective
    done: int
    target: int
    weeks_left: float
    pace_needed: float | None  # per week; None once the deadline has passed or the target is reached
    forecast: Forecast
    today: datetime.date

    @property
    def share(self) -> float:
        return self.done / self.target if self.target else 0.0

    @property
    def percent(self) -> int:
        return min(100, math.floor(self.share * 100))

    @property
    def recent_pace(self) -> float | None:
        return self.forecast.pace

    @property
    def reached(self) -> bool:
        return self.done >= self.target

    @property
    def finished(self) -> bool:
        return self.today > self.objective.deadline

    @property
    def on_track(self) -> bool | None:
        """True when reached or forecast to be; False when behind; None when too early to say."""
        if self.reached:
            return True
        if self.finished:
            return False
        if not self.forecast.available:
            return None
        return self.forecast.expected >= self.target

    @property
    def pace_ratio(self) -> float | None:
        """Recent pace / pace needed (below 1: behind)."""
        if self.pace_needed is None or self.pace_needed <= 0:
            return math.inf
        if self.recent_pace is None:
            return None
        return self.recent_pace / self.pace_needed

    @property
    def status_label(self) -> str:
        if self.reached:
            return "Atteint"
        if self.finished:
            return "Échu, non atteint"
        return {True: "En bonne voie", False: "En retard", None: "Trop tôt pour le dire"}[self.on_track]


def _complete_weeks(series, today: datetime.date):
    return [(monday, value) for monday, value in series if monday + datetime.timedelta(days=6) < today]


def progress(objective: Objective, viewer, *, today: datetime.date | None = None) -> ObjectiveProgress:
    today = today or timezone.localdate()
    filters = objective_filters(objective, today=today)
    series = [] if today < objective.starts_on else stats.cumulative_weekly(viewer, filters, objective.measure)
    done = series[-1][1] if series else 0
    if today > objective.deadline:
        result = Forecast(float(done), float(done), float(done), float(done), 0.0, None, 0, "Échéance passée.")
        return ObjectiveProgress(objective, done, objective.target, 0.0, None, result, today)
    complete = _complete_weeks(series, today)
    as_of = complete[-1][0] + datetime.timedelta(days=6) if complete else None
    result = forecast(complete, objective.deadline, as_of=as_of)
    if result.available:
        # The forecast starts from the last complete week: never below what is already done.
        result = Forecast(
            max(result.expected, done),
            None if result.low is None else max(result.low, done),
            None if result.high is None else max(result.high, done),
            result.current,
            result.weeks_left,
            result.pace,
            result.weeks_used,
            result.reason,
        )
    weeks_left = _weeks_between(max(today, objective.starts_on), objective.deadline)
    remaining = objective.target - done
    pace_needed = remaining / weeks_left if remaining > 0 and weeks_left > 0 else None
    return ObjectiveProgress(objective, done, objective.target, weeks_left, pace_needed, result, today)


def _rank_key(item: ObjectiveProgress):
    order = {False: 0, None: 1, True: 2}[item.on_track]
    ratio = item.pace_ratio
    return (order, ratio if ratio is not None else 0, item.objective.deadline, item.objective.pk)


def ranking(objectives: Iterable[Objective], viewer, *, today: datetime.date | None = None) -> list[ObjectiveProgress]:
    """Progress of each objective, those behind their pace first (the furthest behind first)."""
    return sorted((progress(o, viewer, today=today) for o in objectives), key=_rank_key)


# --- départements and mediators of an objective ------------------------------------------------------------------


@dataclass(frozen=True)
class PartProgress:
    """A département's or a mediator's part of an objective."""

    key: str | int
    label: str
    done: int
    share_target: float
    share_source: str  # "objectif" (its own) or "répartition"
    recent_pace: float | None
    pace_needed: float | None

    @property
    def behind(self) -> bool:
        if self.done >= self.share_target:
            return False
        if self.pace_needed is None:  # deadline passed
            return True
        return (self.recent_pace or 0) < self.pace_needed

    @property
    def pace_ratio(self) -> float:
        if self.pace_needed is None or self.pace_needed <= 0:
            return math.inf if self.done >= self.share_target else 0.0
        return (self.recent_pace or 0) / self.pace_needed

    @property
    def percent(self) -> int:
        return min(100, math.floor(100 * self.done / self.share_target)) if self.share_target else 100


def counts_by(viewer, filters: StatsFilters, field: str, measure: str, cutoffs=()) -> list[dict]:
    """[{value of `field` ("departement_id" or "mediator_id"): count}] with the statistics' own filtering and
    counting rules (stats.filtered: distinct identified people, or accompaniments): first over the whole filtered
    period, then up to each of `cutoffs` (dates, included). One query."""
    activities, participants = stats.filtered(viewer, filters)
    if measure == ObjectiveMeasure.PEOPLE:
        rows, counted = participants, "beneficiary_id"
    else:
        rows, counted = activities, "pk"
    distinct = measure == ObjectiveMeasure.PEOPLE
    aggregates = {"n": Count(counted, distinct=distinct)}
    for index, cutoff in enumerate(cutoffs):
        aggregates[f"n{index}"] = Count(counted, distinct=distinct, filter=Q(date__lte=cutoff))
    result = [{} for _ in range(len(cutoffs) + 1)]
    grouped = (
        rows.filter(kind__in=ACCOMPANIMENT_KINDS, **{f"{field}__isnull": False})
        .values(field)
        .annotate(**aggregates)
        .order_by()
    )
    for row in grouped:
        result[0][row[field]] = row["n"]
        for index in range(len(cutoffs)):
            result[index + 1][row[field]] = row[f"n{index}"]
    return result


def _recent_window(objective: Objective, today: datetime.date) -> tuple[datetime.date, datetime.date, float]:
    """(end of the last complete week, the day before the window, weeks in the window)."""
    last_sunday = today - datetime.timedelta(days=today.weekday() + 1)
    end = min(last_sunday, objective.deadline)
    start = max(objective.starts_on - datetime.timedelta(days=1), end - datetime.timedelta(weeks=WINDOW))
    return end, start, _weeks_between(start, end)


def _parts(objective, viewer, field, today, names, shares, sources) -> list[PartProgress]:
    """`names(keys) -> {key: label}` is called once, with every key shown."""
    filters = objective_filters(objective, today=today)
    end, before, weeks = _recent_window(objective, today)
    if weeks > 0:
        done, at_end, at_start = counts_by(viewer, filters, field, objective.measure, cutoffs=(end, before))
    else:
        (done,) = counts_by(viewer, filters, field, objective.measure)
        at_end = at_start = None
    weeks_left = _weeks_between(max(today, objective.starts_on), objective.deadline)
    parts = []
    keys = set(shares) | set(done)
    labels = names(keys)
    for key in keys:
        share = shares.get(key, 0.0)
        count = done.get(key, 0)
        recent = None if at_end is None else (at_end.get(key, 0) - at_start.get(key, 0)) / weeks
        needed = max(share - count, 0) / weeks_left if weeks_left > 0 and today <= objective.deadline else None
        parts.append(
            PartProgress(key, labels.get(key, str(key)), count, share, sources.get(key, "répartition"), recent, needed)
        )
    return sorted(parts, key=lambda p: (not p.behind, p.pace_ratio, str(p.label)))


def _own_objectives(objective: Objective, scope: str, field: str) -> dict:
    rows = Objective.objects.filter(
        scope=scope, organisation_id=objective.organisation_id, measure=objective.measure, deadline=objective.deadline
    ).order_by("created_at", "pk")
    return {getattr(row, field): row.target for row in rows}


def _programme_mediators(objective: Objective, departement=None):
    mediators = User.objects.filter(role=Role.MEDIATOR, is_active=True, organisation_id=objective.organisation_id)
    if departement is not None:
        mediators = mediators.filter(sites__commune__departement=departement).distinct()
    return mediators


def departements_behind(viewer, objective: Objective, *, today: datetime.date | None = None) -> list[PartProgress]:
    """Each département's progress against its share of a programme objective, behind first."""
    if objective.scope != ObjectiveScope.PROGRAMME:
        return []
    today = today or timezone.localdate()
    weights: dict = defaultdict(float)
    pairs = (
        _programme_mediators(objective)
        .filter(sites__commune__departement__isnull=False)
        .values_list("pk", "sites__commune__departement")
        .order_by()
        .distinct()
    )
    per_mediator = defaultdict(set)
    for mediator_id, code in pairs:
        per_mediator[mediator_id].add(code)
    for codes in per_mediator.values():
        for code in codes:
            weights[code] += 1 / len(codes)
    total_weight = sum(weights.values())
    own = _own_objectives(objective, ObjectiveScope.DEPARTEMENT, "departement_id")
    shares, sources = {}, {}
    for code, weight in weights.items():
        shares[code] = objective.target * weight / total_weight
    for code, target in own.items():
        shares[code], sources[code] = float(target), "objectif"
    return _parts(objective, viewer, "departement_id", today, _departement_names, shares, sources)


def _departement_names(codes) -> dict:
    return {d.code: str(d) for d in Departement.objects.filter(code__in=codes)}


def _mediator_names(pks) -> dict:
    return {u.pk: (u.get_full_name() or u.email) for u in User.objects.filter(pk__in=pks)}


def mediators_behind(viewer, objective: Objective, *, today: datetime.date | None = None) -> list[PartProgress]:
    """Each mediator's progress against their share of a programme or département objective, behind first.
    Mediators' names are staff data; no person accompanied is named."""
    if objective.scope not in (ObjectiveScope.PROGRAMME, ObjectiveScope.DEPARTEMENT):
        return []
    today = today or timezone.localdate()
    departement = objective.departement if objective.scope == ObjectiveScope.DEPARTEMENT else None
    mediators = set(_programme_mediators(objective, departement).order_by().values_list("pk", flat=True))
    own = _own_objectives(objective, ObjectiveScope.MEDIATOR, "mediator_id")
    own = {pk: target for pk, target in own.items() if pk in mediators}
    shares = {pk: objective.target / len(mediators) for pk in mediators} if mediators else {}
    sources = {}
    for pk, target in own.items():
        shares[pk], sources[pk] = float(target), "objectif"
    return _parts(objective, viewer, "mediator_id", today, _mediator_names, shares, sources)
