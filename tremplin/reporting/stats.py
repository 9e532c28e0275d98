"""The statistics core: the figures every dashboard, export, share link and API answer shows, counted one way.

Counting rules (written on the dashboards' « méthode » paragraph):
- **personnes identifiées** (`unique_beneficiaries`): COUNT(DISTINCT beneficiary) over the participant rows of the
  accompaniment kinds (activities.enums.ACCOMPANIMENT_KINDS). A person counts once across sites, mediators and
  kinds; a merged duplicate's rows point to the kept record (beneficiaries.services.beneficiary_merge), so it
  counts once; an anonymised (deleted) person keeps their rows and still counts. Screenings and referrals are
  activities, not people accompanied.
- **accompagnements anonymes** (`anonymous_accompaniments`): SUM(Activity.anonymous_count) of the accompaniment
  kinds. Never added to the people: nobody can tell whether two anonymous visits were one person.
- **activités**: every activity of every kind; **accompagnements**: the activities of the accompaniment kinds.

Interface (viewer = the user asking; scoping always goes through tremplin.activities.perms.activity_scope, on both
Activity and Participant, which share the field names):

- `scope_error(viewer, filters) -> str | None`: the French refusal when the filters ask for something outside the
  viewer's scope (views and the API answer 403 with it). The figures below are scoped anyway.
- `summary(viewer, filters) -> Summary` (frozen dataclass): unique_beneficiaries, anonymous_accompaniments,
  activities, accompaniments, by_type {kind: activities}, by_theme {code: activities}, by_channel {place_type:
  activities}, by_duration_band {DurationBand: activities}, by_territory_type {qpv/rural/urbain: activities},
  by_age_band / by_gender / by_status {code: identified people} and anonymous_by_age_band / anonymous_by_gender /
  anonymous_by_status {code: anonymous accompaniments, the remainder under "non_communique"}, trend [(first day of
  month, identified people that month, activities that month)] for the 12 months ending at filters.date_to (or
  today; a month before filters.date_from counts 0), top_sites [(site_id, name, activities)] (10 at most).
- `by_departement(viewer, filters) -> {code: (identified people, activities)}`: each département's own distinct
  count (a person seen in two départements counts in both, once in the national total).
- `people_table(viewer, filters, row, col) -> PeopleTable`: distinct identified people per (row, col) cell, per
  row, per column and in total, for the dimensions DIMENSIONS ("departement", "age_band", "gender", "status",
  "kind", "territory_type"; an unknown value is "").
- `cumulative_weekly(viewer, filters, measure) -> [(monday, cumulative count at that week's Sunday)]` from the week
  of filters.date_from (or of the first accompaniment in scope) to filters.date_to (or today); measure "personnes":
  distinct people whose first accompaniment in the filtered scope is on or before that day; "accompagnements":
  accompaniments on or before that day.

Filters (reporting.filters.StatsFilters): period (dates included), département, organisation, site, mediator,
theme (Activity.with_theme's bit mask; participant rows read their activity's), kind, and team: the team
members' activities on the days between their joined_on and left_on only (a mediator who left counts for the team
up to the day they left).

How it is fast: on PostgreSQL, exact pre-aggregated tables kept up to date incrementally answer the common cases
(the whole country, one organisation, département or mediator, periods aligned on months): see
tremplin/reporting/aggregates.py and the « Tableaux de bord à l'échelle nationale » section of docs/PERFORMANCE.md.
Otherwise (and always on SQLite) the plain queries below, over the indexes of Activity and Participant.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BigIntegerField, Count, F, IntegerField, Min, Q, QuerySet, Sum, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.perms import works_for
from tremplin.activities.enums import ACCOMPANIMENT_KINDS, Kind, PlaceType, TerritoryType
from tremplin.activities.models import THEME_BITS, Activity, Participant
from tremplin.activities.perms import activity_scope
from tremplin.beneficiaries.enums import AgeBand, Gender, SocialStatus
from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Site
from tremplin.taxonomy.coop import DurationBand

from . import aggregates
from .filters import StatsFilters
from .models import Team, TeamMember

UNDISCLOSED = "non_communique"
# Duration bands as [low, high) minutes (taxonomy.coop.duration_band).
DURATION_RANGES = {
    DurationBand.UNDER_30: (None, 30),
    DurationBand.FROM_30_TO_60: (30, 60),
    DurationBand.FROM_60_TO_120: (60, 120),
    DurationBand.OVER_120: (120, None),
}
# Person dimensions: (Beneficiary field, codes, key of Activity.anonymous_breakdown).
PERSON_DIMENSIONS = {
    "age_band": ("age_band", AgeBand.values, "tranche_age"),
    "gender": ("gender", Gender.values, "genre"),
    "status": ("social_status", SocialStatus.values, "statut_social"),
}
# people_table dimensions → the participant row's path.
DIMENSIONS = {
    "departement": "departement_id",
    "age_band": "beneficiary__age_band",
    "gender": "beneficiary__gender",
    "status": "beneficiary__social_status",
    "kind": "kind",
    "territory_type": "activity__territory_type",
}
MEASURES = ("personnes", "accompagnements")
TOP_SITES = 10


@dataclass(frozen=True)
class Summary:
    unique_beneficiaries: int = 0
    anonymous_accompaniments: int = 0
    activities: int = 0
    accompaniments: int = 0
    by_type: dict = field(default_factory=dict)
    by_theme: dict = field(default_factory=dict)
    by_channel: dict = field(default_factory=dict)
    by_duration_band: dict = field(default_factory=dict)
    by_territory_type: dict = field(default_factory=dict)
    by_age_band: dict = field(default_factory=dict)
    by_gender: dict = field(default_factory=dict)
    by_status: dict = field(default_factory=dict)
    anonymous_by_age_band: dict = field(default_factory=dict)
    anonymous_by_gender: dict = field(default_factory=dict)
    anonymous_by_status: dict = field(default_factory=dict)
    trend: list = field(default_factory=list)
    top_sites: list = field(default_factory=list)


@dataclass(frozen=True)
class PeopleTable:
    row: str
    col: str
    cells: dict  # {(row value, col value): people}
    row_totals: dict  # {row value: people}
    col_totals: dict  # {col value: people}
    total: int


# --- scope ------------------------------------------------------------------------------------------------------


def scope_error(viewer, filters: StatsFilters) -> str | None:
    """Why `viewer` may not ask for these filters (French, shown with a 403), or None."""
    scope = activity_scope(viewer)
    if scope is None:
        return "Votre rôle ne donne pas accès aux statistiques."
    if viewer.is_national:
        return None
    role = viewer.role
    if filters.mediator is not None and role in (Role.MEDIATOR, Role.COUNTER_AGENT) and filters.mediator != viewer.pk:
        return "Vous ne voyez que vos propres statistiques."
    coordinated = viewer.departements.all() if role == Role.COORDINATOR else None
    if filters.departement and coordinated is not None and not coordinated.filter(code=filters.departement).exists():
        return "Ce département n'est pas l'un de ceux que vous coordonnez."
    if filters.organisation is not None and role != Role.COORDINATOR and not works_for(viewer, filters.organisation):
        return "Vous ne voyez que les statistiques de votre organisation."
    if (
        filters.site is not None
        and coordinated is not None
        and not Site.objects.filter(pk=filters.site, commune__departement__in=coordinated).exists()
    ):
        return "Ce lieu n'est pas dans un des départements que vous coordonnez."
    if filters.team is not None:
        team = Team.objects.filter(pk=filters.team).values("coordinator_id", "organisation_id").first()
        if team is None:
            return "Cette équipe n'existe pas."
        if role == Role.COORDINATOR and team["coordinator_id"] == viewer.pk:
            return None
        if role == Role.PARTNER_STAFF and works_for(viewer, team["organisation_id"]):
            return None
        return "Cette équipe n'est pas l'une des vôtres."
    return None


def _team_q(team_id: int) -> Q | None:
    """The team's members' activities on their days in the team (None: nobody, ever)."""
    terms = Q()
    found = False
    for mediator_id, joined_on, left_on in TeamMember.objects.filter(team_id=team_id).values_list(
        "mediator_id", "joined_on", "left_on"
    ):
        term = Q(mediator_id=mediator_id, date__gte=joined_on)
        if left_on is not None:
            term &= Q(date__lte=left_on)
        terms |= term
        found = True
    return terms if found else None


def filtered(viewer, filters: StatsFilters) -> tuple[QuerySet, QuerySet]:
    """The viewer's activities and participant rows matching the filters (same conditions on both)."""
    activities, participants = Activity.objects.order_by(), Participant.objects.order_by()
    scope = activity_scope(viewer)
    if scope is None:
        return activities.none(), participants.none()
    common = scope
    if filters.date_from:
        common &= Q(date__gte=filters.date_from)
    if filters.date_to:
        common &= Q(date__lte=filters.date_to)
    if filters.departement:
        common &= Q(departement_id=filters.departement)
    if filters.organisation is not None:
        common &= Q(organisation_id=filters.organisation)
    if filters.mediator is not None:
        common &= Q(mediator_id=filters.mediator)
    if filters.kind:
        common &= Q(kind=filters.kind)
    if filters.team is not None:
        team = _team_q(filters.team)
        if team is None:
            return activities.none(), participants.none()
        common &= team
    activities, participants = activities.filter(common), participants.filter(common)
    if filters.site is not None:
        activities = activities.filter(site_id=filters.site)
        participants = participants.filter(activity__site_id=filters.site)
    if filters.theme:
        bit = THEME_BITS.get(filters.theme)
        if bit is None:
            return activities.none(), participants.none()
        activities = activities.alias(_theme=F("theme_bits").bitand(_bigint(bit))).filter(_theme__gt=0)
        participants = participants.alias(_theme=F("activity__theme_bits").bitand(_bigint(bit))).filter(_theme__gt=0)
    return activities, participants


# --- periods ----------------------------------------------------------------------------------------------------


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def trend_months(filters: StatsFilters) -> list[tuple[datetime.date, datetime.date]]:
    """The 12 months of the trend: [(first day, last day)], the last month ending at filters.date_to (or today)."""
    end = filters.date_to or timezone.localdate()
    first = _add_months(_month_start(end), -11)
    return [(_add_months(first, i), _add_months(first, i + 1) - datetime.timedelta(days=1)) for i in range(12)]


def _clip(start, end, filters: StatsFilters):
    """[start, end] within the filters' period (None when empty)."""
    if filters.date_from and filters.date_from > start:
        start = filters.date_from
    if filters.date_to and filters.date_to < end:
        end = filters.date_to
    return (start, end) if start <= end else None


# --- summary ----------------------------------------------------------------------------------------------------


def _activity_aggregates(months) -> dict:
    accompaniment = Q(kind__in=ACCOMPANIMENT_KINDS)
    aggregates = {
        "activities": Count("pk"),
        "accompaniments": Count("pk", filter=accompaniment),
        "anonymous": Coalesce(Sum("anonymous_count", filter=accompaniment), 0),
    }
    for kind in Kind.values:
        aggregates[f"type:{kind}"] = Count("pk", filter=Q(kind=kind))
    for place_type in PlaceType.values:
        aggregates[f"channel:{place_type}"] = Count("pk", filter=Q(place_type=place_type))
    for band, (low, high) in DURATION_RANGES.items():
        condition = Q(duration_minutes__isnull=False)
        if low is not None:
            condition &= Q(duration_minutes__gte=low)
        if high is not None:
            condition &= Q(duration_minutes__lt=high)
        aggregates[f"duration:{band}"] = Count("pk", filter=condition)
    for territory in TerritoryType.values:
        aggregates[f"territory:{territory}"] = Count("pk", filter=Q(territory_type=territory))
    for code in THEME_BITS:
        aggregates[f"theme:{code}"] = Count("pk", filter=Q(**{f"_bit_{code}__gt": 0}))
    for dimension, (_, codes, key) in PERSON_DIMENSIONS.items():
        for code in codes:
            if code != UNDISCLOSED:
                value = Cast(KT(f"anonymous_breakdown__{key}__{code}"), IntegerField())
                aggregates[f"anon:{dimension}:{code}"] = Coalesce(Sum(value, filter=accompaniment), 0)
    for index, period in enumerate(months):
        if period is not None:
            aggregates[f"month:{index}"] = Count("pk", filter=Q(date__gte=period[0], date__lte=period[1]))
    return aggregates


def _bigint(bit: int) -> Value:
    """The bit as a bigint (PostgreSQL would bind a plain int as integer and lose the bits from 32 up)."""
    return Value(bit, output_field=BigIntegerField())


def _with_theme_bits(activities: QuerySet) -> QuerySet:
    return activities.alias(
        **{f"_bit_{code}": F("theme_bits").bitand(_bigint(bit)) for code, bit in THEME_BITS.items()}
    )


def _people_by_person_dimension(participants: QuerySet) -> dict:
    """Identified people: the total and per age band, gender, status (one query over the people table)."""
    people = Beneficiary.objects.order_by().filter(
        pk__in=participants.filter(kind__in=ACCOMPANIMENT_KINDS).values("beneficiary_id")
    )
    aggregates = {"total": Count("pk")}
    for dimension, (name, codes, _) in PERSON_DIMENSIONS.items():
        for code in codes:
            aggregates[f"{dimension}:{code}"] = Count("pk", filter=Q(**{name: code}))
    return people.aggregate(**aggregates)


def _people_by_month(participants: QuerySet, months) -> list[int]:
    """Distinct identified people of each trend month (one GROUP BY month over the trend's window)."""
    periods = [period for period in months if period is not None]
    if not periods:
        return [0] * len(months)
    counts = {
        _as_date(month): n
        for month, n in participants.filter(
            kind__in=ACCOMPANIMENT_KINDS, date__gte=periods[0][0], date__lte=periods[-1][1]
        )
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("beneficiary_id", distinct=True))
        .values_list("month", "n")
    }
    return [counts.get(_month_start(period[0]), 0) if period is not None else 0 for period in months]


def _top_sites(activities: QuerySet) -> list[tuple[int, str, int]]:
    rows = (
        activities.filter(site_id__isnull=False)
        .values("site_id", "site__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "site_id")[:TOP_SITES]
    )
    return [(row["site_id"], row["site__name"], row["n"]) for row in rows]


def _summary_from(activity_counts: dict, people: dict, trend: list, top_sites: list) -> Summary:
    def anonymous(dimension):
        codes = PERSON_DIMENSIONS[dimension][1]
        known = {code: activity_counts[f"anon:{dimension}:{code}"] for code in codes if code != UNDISCLOSED}
        known[UNDISCLOSED] = max(activity_counts["anonymous"] - sum(known.values()), 0)
        return {code: known[code] for code in codes}

    def person(dimension):
        return {code: people[f"{dimension}:{code}"] for code in PERSON_DIMENSIONS[dimension][1]}

    return Summary(
        unique_beneficiaries=people["total"],
        anonymous_accompaniments=activity_counts["anonymous"],
        activities=activity_counts["activities"],
        accompaniments=activity_counts["accompaniments"],
        by_type={kind: activity_counts[f"type:{kind}"] for kind in Kind.values},
        by_theme={code: activity_counts[f"theme:{code}"] for code in THEME_BITS},
        by_channel={value: activity_counts[f"channel:{value}"] for value in PlaceType.values},
        by_duration_band={band: activity_counts[f"duration:{band}"] for band in DURATION_RANGES},
        by_territory_type={value: activity_counts[f"territory:{value}"] for value in TerritoryType.values},
        by_age_band=person("age_band"),
        by_gender=person("gender"),
        by_status=person("status"),
        anonymous_by_age_band=anonymous("age_band"),
        anonymous_by_gender=anonymous("gender"),
        anonymous_by_status=anonymous("status"),
        trend=trend,
        top_sites=top_sites,
    )


def summary(viewer, filters: StatsFilters) -> Summary:
    """Every figure of a dashboard (see the module docstring)."""
    full_months = trend_months(filters)
    months = [_clip(start, end, filters) for start, end in full_months]
    scope = aggregates.scope_of(viewer, filters)
    if scope is not None and aggregates.month_aligned(filters) and aggregates.ready():
        activity_counts, people, month_people, top_sites = aggregates.summary_parts(scope, filters, months)
        trend = [
            (start, month_people[index], activity_counts.get(f"month:{index}", 0))
            for index, (start, _) in enumerate(full_months)
        ]
        return _summary_from(activity_counts, people, trend, top_sites)
    activities, participants = filtered(viewer, filters)
    activity_counts = _with_theme_bits(activities).aggregate(**_activity_aggregates(months))
    people = _people_by_person_dimension(participants)
    month_people = _people_by_month(participants, months)
    trend = [
        (start, month_people[index], activity_counts.get(f"month:{index}", 0))
        for index, (start, _) in enumerate(full_months)
    ]
    return _summary_from(activity_counts, people, trend, _top_sites(activities))


# --- map, tables, series ----------------------------------------------------------------------------------------


def by_departement(viewer, filters: StatsFilters) -> dict[str, tuple[int, int]]:
    """{département code: (identified people of that département, its activities)} for the choropleth."""
    scope = aggregates.scope_of(viewer, filters)
    # The whole country, or one département (its own row: a département filter keeps only its activities)
    if (
        scope is not None
        and scope[0] in (aggregates.NATIONAL, aggregates.DEPARTEMENT)
        and aggregates.month_aligned(filters)
        and aggregates.ready()
    ):
        return aggregates.by_departement(filters, only=scope[1] if scope[0] == aggregates.DEPARTEMENT else "")
    activities, participants = filtered(viewer, filters)
    people = dict(
        participants.filter(kind__in=ACCOMPANIMENT_KINDS, departement_id__isnull=False)
        .values("departement_id")
        .annotate(n=Count("beneficiary_id", distinct=True))
        .values_list("departement_id", "n")
    )
    counts = dict(
        activities.filter(departement_id__isnull=False)
        .values("departement_id")
        .annotate(n=Count("pk"))
        .values_list("departement_id", "n")
    )
    return {code: (people.get(code, 0), counts.get(code, 0)) for code in sorted(set(people) | set(counts))}


def people_table(viewer, filters: StatsFilters, row: str, col: str) -> PeopleTable:
    """Distinct identified people crossed by two dimensions (open-data aggregate, with its small-cell suppression
    done by the caller)."""
    if row not in DIMENSIONS or col not in DIMENSIONS:
        raise ValueError(f"Dimension inconnue : {row if row not in DIMENSIONS else col}")
    scope = aggregates.scope_of(viewer, filters)
    if scope is not None and aggregates.month_aligned(filters) and aggregates.ready():
        parts = aggregates.people_table_parts(scope, filters, row, col)
        if parts is not None:
            return PeopleTable(row, col, *parts)
    _, participants = filtered(viewer, filters)
    participants = participants.filter(kind__in=ACCOMPANIMENT_KINDS)
    r, c = DIMENSIONS[row], DIMENSIONS[col]
    people = Count("beneficiary_id", distinct=True)
    if r == c:
        rows = {(value or ""): n for value, n in participants.values(r).annotate(n=people).values_list(r, "n")}
        cells = {(value, value): n for value, n in rows.items()}
        total = participants.aggregate(n=people)["n"]
        return PeopleTable(row, col, cells, rows, dict(rows), total)
    cells = {(a or "", b or ""): n for a, b, n in participants.values(r, c).annotate(n=people).values_list(r, c, "n")}
    rows = {(a or ""): n for a, n in participants.values(r).annotate(n=people).values_list(r, "n")}
    cols = {(b or ""): n for b, n in participants.values(c).annotate(n=people).values_list(c, "n")}
    total = participants.aggregate(n=people)["n"]
    return PeopleTable(row, col, cells, rows, cols, total)


def _weeks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    monday = start - datetime.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _first_dates(participants: QuerySet) -> dict[datetime.date, int]:
    """{day: people whose first accompaniment (in these rows) is that day}: one GROUP BY over a GROUP BY."""
    inner = (
        participants.filter(kind__in=ACCOMPANIMENT_KINDS)
        .values("beneficiary_id")
        .annotate(first_day=Min("date"))
        .values("first_day")
    )
    sql, params = inner.query.sql_with_params()
    column = connection.ops.quote_name("first_day")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT firsts.{column}, COUNT(*) FROM ({sql}) firsts GROUP BY firsts.{column}", params)  # noqa: S608
        return {_as_date(day): n for day, n in cursor.fetchall()}


def cumulative_weekly(viewer, filters: StatsFilters, measure: str) -> list[tuple[datetime.date, int]]:
    """[(monday, cumulative count at that Sunday)] over the filters' period (see the module docstring)."""
    if measure not in MEASURES:
        raise ValueError(f"Mesure inconnue : {measure}")
    activities, participants = filtered(viewer, filters)
    end = filters.date_to or timezone.localdate()
    start = filters.date_from
    scope = aggregates.scope_of(viewer, filters)
    # The day tables are national and by organisation (the other scopes are small for the plain queries).
    if scope is not None and scope[0] in aggregates.DAY_SCOPES and aggregates.ready():
        if measure == "personnes":
            per_day = aggregates.people_first_days(scope, start, end)
        else:
            per_day = aggregates.accompaniment_days(scope, start, end)
    elif measure == "personnes":
        per_day = _first_dates(participants)
    else:
        per_day = {
            _as_date(day): n
            for day, n in activities.filter(kind__in=ACCOMPANIMENT_KINDS)
            .values("date")
            .annotate(n=Count("pk"))
            .values_list("date", "n")
        }
    if start is None:
        if not per_day:
            return []
        start = min(per_day)
    series, total, days = [], 0, sorted(per_day.items())
    position = 0
    for monday in _weeks(start, end):
        sunday = monday + datetime.timedelta(days=6)
        while position < len(days) and days[position][0] <= sunday:
            total += days[position][1]
            position += 1
        series.append((monday, total))
    return series
