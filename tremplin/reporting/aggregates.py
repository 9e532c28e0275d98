"""Exact pre-aggregated statistics on PostgreSQL, kept up to date incrementally (never a nightly rebuild).

Why: a national count of distinct people is a COUNT(DISTINCT) over every participant row (millions); the
dashboards must answer in a few hundred milliseconds. Distinct people are not additive, so the tables hold, for
each person and scope, one row per day they were accompanied *with the previous such day* (models.PeopleDay):
« people accompanied in [A, B] » = Σ n over the rows with A ≤ day ≤ B and previous < A (or none) — each person has
exactly one first visit in the period. Summed over people, the rows collapse to (scope, day, previous) counts, a few
hundred thousand for the whole country. PeopleMonth does the same by month, with age band, gender and status (the
breakdowns of a period aligned on months); ActivityMonth and ActivityDay are plain additive counts.

How they stay exact:
1. PostgreSQL triggers (migration reporting/0003) queue, in the writing transaction, the people whose participant
   rows or age band / gender / status changed (PendingPerson), and each activity's counted fields before and after
   a change (PendingActivity, signed). Every path is caught: services, `QuerySet.update()` of a merge, cascades.
2. `catch_up()` folds the queue in: a pending activity adds its signed contribution; a pending person's
   contribution is recomputed from their rows and the difference with their footprint (PersonFootprint, what they
   contributed last time) is added, under a row lock on the person (skipped when locked: done next time).
   The worker task (reporting.tasks.statistics_refresh) does it continuously; a dashboard read does the little
   that remains first, and uses the plain queries of tremplin.reporting.stats when too much remains (never a stale
   figure).
3. Additions are appended as delta rows (no hot row to lock); `compact()` (in the worker task) merges them.

`rebuild()` computes everything from the records (after a bulk load, or when installing on existing data:
`python manage.py statistics_rebuild`).

Which reads use them (`scope_of`): the whole country, one organisation, one département or one mediator (a national
viewer with at most one of those filters, a coordinator asking one of their départements, a mediator or counter
agent looking at their own figures), with no site, team, theme or kind filter; summaries and the map need a period
aligned on months (from a 1st, to a month's last day or today), the weekly series (day tables, national and by
organisation) any period. Everything else - and SQLite always - is counted by the plain indexed queries of
tremplin.reporting.stats, which give the same figures (tests/reporting/test_stats.py compares both).
"""

import contextlib
import datetime
import json
import threading
from collections import Counter, defaultdict

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tremplin.activities.enums import ACCOMPANIMENT_KINDS
from tremplin.activities.models import THEME_BITS, Activity, Participant
from tremplin.beneficiaries.models import Beneficiary
from tremplin.taxonomy.coop import duration_band

from .models import (
    ActivityDay,
    ActivityMonth,
    AggregateState,
    PendingActivity,
    PendingPerson,
    PeopleDay,
    PeopleMonth,
    PersonFootprint,
)

NATIONAL, ORGANISATION, DEPARTEMENT, MEDIATOR = "n", "o", "d", "m"
# Each département's totals without the breakdowns (the map reads 100 small series, not every breakdown row).
DEPARTEMENT_TOTAL = "D"
# The dimensions of a summary (the per-site rows are read apart, for the top sites).
SUMMARY_DIMENSIONS = ["", "type", "channel", "duration", "territory", "theme", "anonymous"] + [
    f"anon:{key}" for key in ("tranche_age", "genre", "statut_social")
]
DAY_SCOPES = (NATIONAL, ORGANISATION)
# What a read folds in itself before answering; beyond, it answers with the plain queries.
READ_PEOPLE_LIMIT = 2000
READ_ACTIVITY_LIMIT = 5000
WORKER_BATCH = 5000
BREAKDOWN_DIMENSIONS = {"tranche_age": "age_band", "genre": "gender", "statut_social": "status"}
ACCOMPANIMENTS = frozenset(ACCOMPANIMENT_KINDS)

_state = threading.local()


def enabled() -> bool:
    return connection.vendor == "postgresql" and not getattr(_state, "disabled", False)


@contextlib.contextmanager
def disabled():
    """The plain queries only (benchmarks and tests compare both paths)."""
    previous = getattr(_state, "disabled", False)
    _state.disabled = True
    try:
        yield
    finally:
        _state.disabled = previous


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _pairs(values):
    previous = None
    for value in values:
        yield value, previous
        previous = value


# --- contributions ----------------------------------------------------------------------------------------------


def person_state(rows, attributes) -> dict:
    """A person's footprint from their accompaniment rows [(date, organisation_id, departement_id, mediator_id)]:
    day ordinals, nationally and by organisation; month ordinals by département and by mediator."""
    days, by_org, by_dep, by_mediator = set(), defaultdict(set), defaultdict(set), defaultdict(set)
    for day, organisation_id, departement_id, mediator_id in rows:
        ordinal = day.toordinal()
        days.add(ordinal)
        by_org[str(organisation_id)].add(ordinal)
        month = _month(day).toordinal()
        if departement_id:
            by_dep[departement_id].add(month)
        if mediator_id:
            by_mediator[str(mediator_id)].add(month)
    if not days:
        return {}
    return {
        "a": list(attributes),
        "n": sorted(days),
        "o": {key: sorted(values) for key, values in by_org.items()},
        "d": {key: sorted(values) for key, values in by_dep.items()},
        "m": {key: sorted(values) for key, values in by_mediator.items()},
    }


def _months(ordinals) -> list[int]:
    return sorted({_month(datetime.date.fromordinal(o)).toordinal() for o in ordinals})


def person_contributions(state: dict) -> tuple[Counter, Counter]:
    """(PeopleDay keys, PeopleMonth keys) → count, of one person's footprint."""
    days, months = Counter(), Counter()
    if not state:
        return days, months
    attributes = tuple(state["a"])
    scopes = [(NATIONAL, "", state["n"])] + [(ORGANISATION, key, values) for key, values in state["o"].items()]
    for scope_type, key, ordinals in scopes:
        for day, previous in _pairs(ordinals):
            days[(scope_type, key, day, previous)] += 1
        for month, previous in _pairs(_months(ordinals)):
            months[(scope_type, key, month, previous, *attributes)] += 1
    for scope_type in (DEPARTEMENT, MEDIATOR):
        for key, ordinals in state.get(scope_type, {}).items():
            for month, previous in _pairs(ordinals):
                months[(scope_type, key, month, previous, *attributes)] += 1
                if scope_type == DEPARTEMENT:
                    months[(DEPARTEMENT_TOTAL, key, month, previous, "", "", "")] += 1
    return days, months


def activity_contributions(values: dict, sign: int, months: Counter, days: Counter) -> None:
    """Add one activity's (signed) counts: `values` holds the counted fields of reporting.PendingActivity."""
    month = _month(values["date"]).toordinal()
    kind = values["kind"]
    accompaniment = kind in ACCOMPANIMENTS
    scopes = [(NATIONAL, ""), (ORGANISATION, str(values["organisation_id"]))]
    if values["departement_id"]:
        scopes.append((DEPARTEMENT, values["departement_id"]))
    if values.get("mediator_id"):
        scopes.append((MEDIATOR, str(values["mediator_id"])))
    if values["departement_id"]:
        months[(DEPARTEMENT_TOTAL, values["departement_id"], month, "", "")] += sign
    for scope_type, key in scopes:
        base = (scope_type, key, month)
        months[(*base, "", "")] += sign
        months[(*base, "type", kind)] += sign
        if values["place_type"]:
            months[(*base, "channel", values["place_type"])] += sign
        band = duration_band(values["duration_minutes"])
        if band:
            months[(*base, "duration", band)] += sign
        if values["territory_type"]:
            months[(*base, "territory", values["territory_type"])] += sign
        bits = values["theme_bits"] or 0
        for code, bit in THEME_BITS.items():
            if bits & bit:
                months[(*base, "theme", code)] += sign
        if accompaniment and scope_type in DAY_SCOPES:
            days[(scope_type, key, values["date"].toordinal())] += sign
        if accompaniment:
            if values["anonymous_count"]:
                months[(*base, "anonymous", "")] += sign * values["anonymous_count"]
            for dimension, counts in (values["anonymous_breakdown"] or {}).items():
                if dimension in BREAKDOWN_DIMENSIONS and isinstance(counts, dict):
                    for code, number in counts.items():
                        if isinstance(number, int) and number:
                            months[(*base, f"anon:{dimension}", code)] += sign * number
        if values["site_id"]:
            months[(*base, "site", str(values["site_id"]))] += sign


def _date(ordinal):
    return None if ordinal is None else datetime.date.fromordinal(ordinal)


def _copy(model, columns: list[str], rows) -> None:
    """Rows into `model`'s table by COPY (PostgreSQL; thousands of rows at once)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _write(people_days: Counter, people_months: Counter, activity_months: Counter, activity_days: Counter) -> None:
    _copy(
        PeopleDay,
        ["scope_type", "scope_key", "day", "previous", "n"],
        ((t, k, _date(d), _date(p), n) for (t, k, d, p), n in people_days.items() if n),
    )
    _copy(
        PeopleMonth,
        ["scope_type", "scope_key", "month", "previous", "age_band", "gender", "social_status", "n"],
        ((t, k, _date(m), _date(p), a, g, s, n) for (t, k, m, p, a, g, s), n in people_months.items() if n),
    )
    _copy(
        ActivityMonth,
        ["scope_type", "scope_key", "month", "dimension", "value", "n"],
        ((t, k, _date(m), dim, v, n) for (t, k, m, dim, v), n in activity_months.items() if n),
    )
    _copy(
        ActivityDay,
        ["scope_type", "scope_key", "day", "n"],
        ((t, k, _date(d), n) for (t, k, d), n in activity_days.items() if n),
    )


# --- folding the queue in ---------------------------------------------------------------------------------------

PENDING_FIELDS = [
    "date",
    "kind",
    "organisation_id",
    "departement_id",
    "mediator_id",
    "site_id",
    "place_type",
    "duration_minutes",
    "territory_type",
    "theme_bits",
    "anonymous_count",
    "anonymous_breakdown",
]


def _fold_activities(limit: int) -> int:
    with transaction.atomic():
        pending = list(
            PendingActivity.objects.select_for_update()  # waits for another folder: each change is folded once
            .order_by("pk")
            .values("pk", "sign", *PENDING_FIELDS)[:limit]
        )
        if not pending:
            return 0
        months, days = Counter(), Counter()
        for values in pending:
            activity_contributions(values, values["sign"], months, days)
        _write(Counter(), Counter(), months, days)
        PendingActivity.objects.filter(pk__in=[v["pk"] for v in pending]).delete()
    return len(pending)


def _fold_people(limit: int) -> int:
    with transaction.atomic():
        pending = list(
            PendingPerson.objects.select_for_update().order_by("pk").values_list("pk", "beneficiary_id")[:limit]
        )
        if not pending:
            return 0
        wanted = sorted({person for _, person in pending})
        # One refresh of a person at a time (the footprint difference must not be added twice).
        people = {
            pk: (age, gender, status)
            for pk, age, gender, status in Beneficiary.objects.select_for_update(of=("self",))
            .filter(pk__in=wanted)
            .order_by("pk")
            .values_list("pk", "age_band", "gender", "social_status")
        }
        rows = defaultdict(list)
        for person, day, organisation_id, departement_id, mediator_id in Participant.objects.filter(
            beneficiary_id__in=list(people), kind__in=ACCOMPANIMENT_KINDS
        ).values_list("beneficiary_id", "date", "organisation_id", "departement_id", "mediator_id"):
            rows[person].append((day, organisation_id, departement_id, mediator_id))
        # People whose record is gone (nothing left to count): their footprint is emptied.
        gone = set(wanted) - set(people)
        people.update({person: ("", "", "") for person in gone})
        footprints = dict(PersonFootprint.objects.filter(pk__in=list(people)).values_list("pk", "state"))
        days, months = Counter(), Counter()
        changed, emptied = [], []
        for person, attributes in people.items():
            new = person_state(rows.get(person, ()), attributes) if person not in gone else {}
            old = json.loads(footprints[person]) if person in footprints else {}
            if new == old:
                continue
            new_days, new_months = person_contributions(new)
            old_days, old_months = person_contributions(old)
            days.update(new_days)
            days.subtract(old_days)
            months.update(new_months)
            months.subtract(old_months)
            if new:
                changed.append(PersonFootprint(beneficiary_id=person, state=json.dumps(new, separators=(",", ":"))))
            else:
                emptied.append(person)
        _write(days, months, Counter(), Counter())
        if changed:
            PersonFootprint.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["beneficiary_id"],
                update_fields=["state"],
                batch_size=2000,
            )
        if emptied:
            PersonFootprint.objects.filter(pk__in=emptied).delete()
        PendingPerson.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
    return len(pending)


def _pending() -> bool:
    return PendingActivity.objects.exists() or PendingPerson.objects.exists()


def catch_up(
    *,
    people_limit: int = READ_PEOPLE_LIMIT,
    activity_limit: int = READ_ACTIVITY_LIMIT,
    activities: bool = True,
    people: bool = True,
) -> bool:
    """Fold in up to the limits; True when nothing remains pending (the aggregates are then exact). Another folder
    at work is waited for (row locks), so a batch smaller than its limit means the queue was emptied."""
    try:
        complete = True
        if activities:
            complete &= _fold_activities(activity_limit) < activity_limit
        if people:
            complete &= _fold_people(people_limit) < people_limit
    except DatabaseError:  # a deadlock with a writer: the plain queries answer this time
        return False
    return complete


def compact(limit: int = 20_000) -> int:
    """Merge the delta rows of each key (the worker's housekeeping; the sums, hence the figures, do not change)."""
    from django.contrib.postgres.aggregates import ArrayAgg

    merged = 0
    tables = (
        (PeopleDay, ["scope_type", "scope_key", "day", "previous"]),
        (PeopleMonth, ["scope_type", "scope_key", "month", "previous", "age_band", "gender", "social_status"]),
        (ActivityMonth, ["scope_type", "scope_key", "month", "dimension", "value"]),
        (ActivityDay, ["scope_type", "scope_key", "day"]),
    )
    for model, key in tables:
        with transaction.atomic():
            groups = list(
                model.objects.values(*key)
                .annotate(rows=Count("pk"), total=Sum("n"), ids=ArrayAgg("pk"))
                .filter(Q(rows__gt=1) | Q(total=0))
                .order_by()[:limit]
            )
            if not groups:
                continue
            model.objects.filter(pk__in=[pk for group in groups for pk in group["ids"]]).delete()
            model.objects.bulk_create(
                [model(**{name: group[name] for name in key}, n=group["total"]) for group in groups if group["total"]],
                batch_size=5000,
            )
            merged += len(groups)
    return merged


def refresh() -> dict:
    """The worker's run: fold in everything pending, then compact."""
    folded = {"activities": 0, "people": 0}
    while True:
        activities = _fold_activities(WORKER_BATCH)
        people = _fold_people(WORKER_BATCH)
        folded["activities"] += activities
        folded["people"] += people
        if not activities and not people:
            break
    folded["compacted"] = compact()
    return folded


# --- full build -------------------------------------------------------------------------------------------------


def rebuild(progress=None) -> None:
    """Compute every aggregate from the records (after a bulk load; on existing data once). Takes a lock on the
    queues so that writes done meanwhile are folded in afterwards, not lost."""
    if connection.vendor != "postgresql":
        return
    progress = progress or (lambda label: None)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in (PeopleDay, PeopleMonth, ActivityMonth, ActivityDay, PersonFootprint):
                cursor.execute(f"TRUNCATE {model._meta.db_table}")  # noqa: S608 (model table names)
            cursor.execute(
                f"LOCK TABLE {PendingPerson._meta.db_table}, {PendingActivity._meta.db_table} IN EXCLUSIVE MODE"
            )
            cursor.execute(f"DELETE FROM {PendingPerson._meta.db_table}")  # noqa: S608
            cursor.execute(f"DELETE FROM {PendingActivity._meta.db_table}")  # noqa: S608
        progress("activités")
        _rebuild_activities()
        progress("personnes")
        _rebuild_people()
        AggregateState.objects.update_or_create(pk=1, defaults={"built_at": timezone.now()})
        AggregateState.objects.exclude(pk=1).delete()
    # VACUUM (outside a transaction) sets the visibility map: the dashboards' reads are index-only scans of the
    # covering indexes (models.py), 3× faster measured at 1.5 M activities, which need it.
    tables = "reporting_peopleday, reporting_peoplemonth, reporting_activitymonth"
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}" if connection.in_atomic_block else f"VACUUM (ANALYZE) {tables}")


def _rebuild_activities() -> None:
    """One GROUP BY (month, organisation | département | mediator) with every counted dimension, in SQL."""
    from .stats import _activity_aggregates, _with_theme_bits

    months, days = Counter(), Counter()
    aggregates = _activity_aggregates([])
    prefixes = {
        "type:": "type",
        "channel:": "channel",
        "duration:": "duration",
        "territory:": "territory",
        "theme:": "theme",
    }
    breakdown_keys = {short: key for key, short in BREAKDOWN_DIMENSIONS.items()}
    groupings = (
        ("organisation_id", ((NATIONAL, None), (ORGANISATION, "organisation_id"))),
        ("departement_id", ((DEPARTEMENT, "departement_id"),)),
        ("mediator_id", ((MEDIATOR, "mediator_id"),)),
    )
    for field, scopes in groupings:
        grouped = (
            _with_theme_bits(Activity.objects.order_by().filter(**{f"{field}__isnull": False}))
            .annotate(m=TruncMonth("date"))
            .values("m", field)
            .annotate(**aggregates)
        )
        for row in grouped:
            ordinal = _as_date(row["m"]).toordinal()
            for scope_type, key_field in scopes:
                base = (scope_type, "" if key_field is None else str(row[key_field]), ordinal)
                months[(*base, "", "")] += row["activities"]
                if scope_type == DEPARTEMENT:
                    months[(DEPARTEMENT_TOTAL, base[1], ordinal, "", "")] += row["activities"]
                months[(*base, "anonymous", "")] += row["anonymous"]
                for name, value in row.items():
                    for prefix, dimension in prefixes.items():
                        if name.startswith(prefix):
                            months[(*base, dimension, name[len(prefix) :])] += value
                    if name.startswith("anon:"):
                        _, short, code = name.split(":")
                        months[(*base, f"anon:{breakdown_keys[short]}", code)] += value
    for m, site, organisation_id, departement_id, mediator_id, n in (
        Activity.objects.order_by()
        .filter(site_id__isnull=False)
        .annotate(m=TruncMonth("date"))
        .values("m", "site_id", "organisation_id", "departement_id", "mediator_id")
        .annotate(n=Count("pk"))
        .values_list("m", "site_id", "organisation_id", "departement_id", "mediator_id", "n")
    ):
        ordinal = _as_date(m).toordinal()
        months[(NATIONAL, "", ordinal, "site", str(site))] += n
        months[(ORGANISATION, str(organisation_id), ordinal, "site", str(site))] += n
        if departement_id:
            months[(DEPARTEMENT, departement_id, ordinal, "site", str(site))] += n
        if mediator_id:
            months[(MEDIATOR, str(mediator_id), ordinal, "site", str(site))] += n
    for day, organisation_id, n in (
        Activity.objects.order_by()
        .filter(kind__in=ACCOMPANIMENT_KINDS)
        .values("date", "organisation_id")
        .annotate(n=Count("pk"))
        .values_list("date", "organisation_id", "n")
    ):
        days[(NATIONAL, "", day.toordinal())] += n
        days[(ORGANISATION, str(organisation_id), day.toordinal())] += n
    _write(Counter(), Counter(), months, days)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _rebuild_people() -> None:
    days, months = Counter(), Counter()
    footprints = []
    people = (
        Beneficiary.objects.order_by("pk")
        .values_list("pk", "age_band", "gender", "social_status")
        .iterator(chunk_size=20_000)
    )
    current = next(people, None)
    rows_of, person = [], None

    def flush():
        nonlocal current
        while current is not None and current[0] < person:
            current = next(people, None)
        attributes = current[1:] if current is not None and current[0] == person else ("", "", "")
        state = person_state(rows_of, attributes)
        person_days, person_months = person_contributions(state)
        days.update(person_days)
        months.update(person_months)
        footprints.append((person, json.dumps(state, separators=(",", ":"))))
        if len(footprints) >= 50_000:
            _copy(PersonFootprint, ["beneficiary_id", "state"], footprints)
            footprints.clear()

    for beneficiary_id, day, organisation_id, departement_id, mediator_id in (
        Participant.objects.filter(kind__in=ACCOMPANIMENT_KINDS)
        .order_by("beneficiary_id", "date")
        .values_list("beneficiary_id", "date", "organisation_id", "departement_id", "mediator_id")
        .iterator(chunk_size=50_000)
    ):
        if beneficiary_id != person:
            if person is not None:
                flush()
            person, rows_of = beneficiary_id, []
        rows_of.append((day, organisation_id, departement_id, mediator_id))
    if person is not None:
        flush()
    _copy(PersonFootprint, ["beneficiary_id", "state"], footprints)
    _write(days, months, Counter(), Counter())


# --- reading ----------------------------------------------------------------------------------------------------


def scope_of(viewer, filters) -> tuple[str, str] | None:
    """The aggregate scope answering exactly (viewer, filters), or None (the plain queries answer): national
    viewers with no filter, one organisation, one département or one mediator; a coordinator asking one of their
    départements; a mediator or counter agent looking at their own figures."""
    from tremplin.accounts.enums import Role

    if not enabled() or viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return None
    if any(getattr(filters, name) not in (None, "") for name in ("site", "team", "theme", "kind")):
        return None
    narrowing = [
        (ORGANISATION, filters.organisation),
        (DEPARTEMENT, filters.departement),
        (MEDIATOR, filters.mediator),
    ]
    asked = [(scope_type, str(value)) for scope_type, value in narrowing if value not in (None, "")]
    if len(asked) > 1:
        return None
    if viewer.is_national:
        return asked[0] if asked else (NATIONAL, "")
    if viewer.role == Role.COORDINATOR:
        if asked and asked[0][0] == DEPARTEMENT and viewer.departements.filter(code=asked[0][1]).exists():
            return asked[0]
        return None
    own = (MEDIATOR, str(viewer.pk))
    if viewer.role in (Role.MEDIATOR, Role.COUNTER_AGENT) and (not asked or asked[0] == own):
        return own
    return None


def month_aligned(filters) -> bool:
    today = timezone.localdate()
    start_ok = filters.date_from is None or filters.date_from.day == 1
    end = filters.date_to
    end_ok = end is None or end >= today or (end + datetime.timedelta(days=1)).day == 1
    return start_ok and end_ok


def ready() -> bool:
    """Built, and nothing left pending after folding in what a read may fold (one query when nothing is pending)."""
    state = (
        AggregateState.objects.order_by("pk")
        .annotate(activities=Exists(PendingActivity.objects.all()), people=Exists(PendingPerson.objects.all()))
        .values_list("built_at", "activities", "people")
        .first()
    )
    if state is None or state[0] is None:
        return False
    if not state[1] and not state[2]:
        return True
    if catch_up(activities=state[1], people=state[2]):
        return True
    from .tasks import statistics_refresh_soon

    statistics_refresh_soon()
    return False


def _period_months(filters):
    start = _month(filters.date_from) if filters.date_from else None
    end = _month(filters.date_to) if filters.date_to else None
    return start, end


def _first_in_period(start, previous_field="previous") -> Q:
    if start is None:
        return Q(**{f"{previous_field}__isnull": True})
    return Q(**{f"{previous_field}__isnull": True}) | Q(**{f"{previous_field}__lt": start})


def summary_parts(scope, filters, months) -> tuple[dict, dict, list[int], list]:
    """The same intermediate figures as the plain queries of stats.summary: (activity counts, people by person
    dimension, people per trend month, top sites)."""
    from tremplin.network.models import Site

    from .stats import DURATION_RANGES, PERSON_DIMENSIONS, UNDISCLOSED

    scope_type, key = scope
    start, end = _period_months(filters)
    in_scope = Q(scope_type=scope_type, scope_key=key)
    period = Q()
    if start:
        period &= Q(month__gte=start)
    if end:
        period &= Q(month__lte=end)
    counts: dict = defaultdict(int)
    month_index = {period_[0]: i for i, period_ in enumerate(months) if period_ is not None}
    for month, dimension, value, n in (
        ActivityMonth.objects.filter(in_scope & period, dimension__in=SUMMARY_DIMENSIONS)
        .values("month", "dimension", "value")
        .annotate(n=Sum("n"))
        .values_list("month", "dimension", "value", "n")
        .order_by()
    ):
        if dimension == "":
            counts["activities"] += n
            index = month_index.get(month)
            if index is not None:
                counts[f"month:{index}"] += n
        elif dimension == "type":
            counts[f"type:{value}"] += n
            if value in ACCOMPANIMENTS:
                counts["accompaniments"] += n
        elif dimension == "anonymous":
            counts["anonymous"] += n
        elif dimension.startswith("anon:"):
            counts[f"anon:{BREAKDOWN_DIMENSIONS[dimension[5:]]}:{value}"] += n
        else:
            counts[f"{dimension}:{value}"] += n
    assert DURATION_RANGES
    people: dict = defaultdict(int)
    for age, gender, status, n in (
        PeopleMonth.objects.filter(in_scope & period & _first_in_period(start))
        .values("age_band", "gender", "social_status")
        .annotate(n=Sum("n"))
        .values_list("age_band", "gender", "social_status", "n")
        .order_by()
    ):
        people["total"] += n
        people[f"age_band:{age}"] += n
        people[f"gender:{gender}"] += n
        people[f"status:{status}"] += n
    for dimension, (_, codes, _) in PERSON_DIMENSIONS.items():
        for code in codes:
            people.setdefault(f"{dimension}:{code}", 0)
    per_month = dict(
        PeopleMonth.objects.filter(in_scope & period, month__in=list(month_index))
        .values("month")
        .annotate(n=Sum("n"))
        .values_list("month", "n")
        .order_by()
    )
    month_people = [per_month.get(p[0], 0) if p is not None else 0 for p in months]
    top = list(
        ActivityMonth.objects.filter(in_scope & period, dimension="site")
        .values("value")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by("-n", "value")
        .values_list("value", "n")[:40]
    )
    # Ties ordered by site id, as the plain query does.
    top.sort(key=lambda item: (-item[1], int(item[0])))
    top = top[:10]
    names = dict(Site.objects.filter(pk__in=[int(v) for v, _ in top]).values_list("pk", "name"))
    top_sites = [(int(v), names.get(int(v), ""), n) for v, n in top]
    assert UNDISCLOSED
    return counts, people, month_people, top_sites


def by_departement(filters, only: str = "") -> dict[str, tuple[int, int]]:
    """{code: (people, activities)} of every département, or of the département `only`."""
    start, end = _period_months(filters)
    period = Q(scope_key=only) if only else Q()
    if start:
        period &= Q(month__gte=start)
    if end:
        period &= Q(month__lte=end)
    people = dict(
        PeopleMonth.objects.filter(period & _first_in_period(start), scope_type=DEPARTEMENT_TOTAL)
        .values("scope_key")
        .annotate(n=Sum("n"))
        .values_list("scope_key", "n")
        .order_by()
    )
    activities = dict(
        ActivityMonth.objects.filter(period, scope_type=DEPARTEMENT_TOTAL, dimension="")
        .values("scope_key")
        .annotate(n=Sum("n"))
        .values_list("scope_key", "n")
        .order_by()
    )
    codes = sorted(code for code in set(people) | set(activities) if people.get(code) or activities.get(code))
    return {code: (people.get(code, 0), activities.get(code, 0)) for code in codes}


def people_first_days(scope, start, end) -> dict[datetime.date, int]:
    """{day: people of the scope whose first accompaniment from `start` (None: ever) is that day}, up to `end`."""
    scope_type, key = scope
    query = PeopleDay.objects.filter(scope_type=scope_type, scope_key=key, day__lte=end)
    if start:
        query = query.filter(day__gte=start)
    return {
        day: n
        for day, n in query.filter(_first_in_period(start))
        .values("day")
        .annotate(n=Sum("n"))
        .values_list("day", "n")
        .order_by()
        if n
    }


def accompaniment_days(scope, start, end) -> dict[datetime.date, int]:
    scope_type, key = scope
    query = ActivityDay.objects.filter(scope_type=scope_type, scope_key=key, day__lte=end)
    if start:
        query = query.filter(day__gte=start)
    return {day: n for day, n in query.values("day").annotate(n=Sum("n")).values_list("day", "n").order_by() if n}


PERSON_FIELDS = {"age_band": "age_band", "gender": "gender", "status": "social_status"}


def people_table_parts(scope, filters, row: str, col: str):
    """(cells, row totals, column totals, total) of stats.people_table from the month tables, or None when they
    cannot answer (a dimension other than département, age band, gender, status; the département dimension outside
    the national scope or with accompaniments lacking a département)."""
    dimensions = {row, col}
    if not dimensions <= {"departement", *PERSON_FIELDS}:
        return None
    if "departement" in dimensions:
        if scope != (NATIONAL, ""):
            return None
        if Participant.objects.filter(kind__in=ACCOMPANIMENT_KINDS, departement_id__isnull=True).exists():
            return None
    start, end = _period_months(filters)
    period = _first_in_period(start)
    if start:
        period &= Q(month__gte=start)
    if end:
        period &= Q(month__lte=end)
    in_scope = Q(scope_type=scope[0], scope_key=scope[1])
    by_departement = Q(scope_type=DEPARTEMENT)  # with the breakdowns
    departement_totals = Q(scope_type=DEPARTEMENT_TOTAL)

    def field(dimension):
        return "scope_key" if dimension == "departement" else PERSON_FIELDS[dimension]

    def grouped(where, names):
        return {
            tuple(values[:-1]): values[-1]
            for values in PeopleMonth.objects.filter(where & period)
            .values(*names)
            .annotate(n=Sum("n"))
            .values_list(*names, "n")
            .order_by()
            if values[-1]
        }

    if dimensions == {"departement"}:
        cells_where = departement_totals
    else:
        cells_where = by_departement if "departement" in dimensions else in_scope
    if row == col:
        totals = {key[0]: n for key, n in grouped(cells_where, [field(row)]).items()}
        cells = {(value, value): n for value, n in totals.items()}
        row_totals = col_totals = totals
    else:
        cells = grouped(cells_where, [field(row), field(col)])
        row_totals = {
            k[0]: n for k, n in grouped(departement_totals if row == "departement" else in_scope, [field(row)]).items()
        }
        col_totals = {
            k[0]: n for k, n in grouped(departement_totals if col == "departement" else in_scope, [field(col)]).items()
        }
    total = sum(grouped(in_scope, ["scope_type"]).values())
    return cells, row_totals, dict(col_totals), total
