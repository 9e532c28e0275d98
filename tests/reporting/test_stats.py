"""Counting people honestly: the statistics core (tremplin.reporting.stats) against brute-force counts."""

import datetime
import random

import pytest

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.activities.enums import (
    ACCOMPANIMENT_KINDS,
    AdministrativeTheme,
    Kind,
    PlaceType,
    TerritoryType,
    Thematique,
)
from tremplin.activities.models import Activity, Participant
from tremplin.beneficiaries.services import beneficiary_anonymise, beneficiary_merge
from tremplin.reporting import aggregates, stats
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import Team, TeamMember

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world():
    """Two départements, a site in each, two mediators of La Poste, a national manager."""
    poste = OrganisationFactory(la_poste=True)
    d22, d29 = DepartementFactory(code="22"), DepartementFactory(code="29")
    s22 = SiteFactory(commune=CommuneFactory(departement=d22, code_insee="22001"), organisation=poste)
    s29 = SiteFactory(commune=CommuneFactory(departement=d29, code_insee="29001"), organisation=poste)
    m1 = UserFactory(mediator=True, organisation=poste, sites=[s22])
    m2 = UserFactory(mediator=True, organisation=poste, sites=[s29])
    national = UserFactory(national=True)
    return type("World", (), dict(poste=poste, d22=d22, d29=d29, s22=s22, s29=s29, m1=m1, m2=m2, national=national))


def person(world, **kwargs):
    return BeneficiaryFactory(organisation=world.poste, site=world.s22, **kwargs)


def activity(world, site, mediator, people=(), days_ago=3, **kwargs):
    return ActivityFactory(
        organisation=world.poste,
        site=site,
        mediator=mediator,
        date=TODAY - days_ago * DAY,
        people=list(people),
        **kwargs,
    )


# --- counting rules ---------------------------------------------------------------------------------------------


def test_a_person_seen_at_two_sites_by_two_mediators_counts_once(world):
    josiane = person(world)
    activity(world, world.s22, world.m1, [josiane])
    activity(world, world.s29, world.m2, [josiane])
    result = stats.summary(world.national, StatsFilters())
    assert result.unique_beneficiaries == 1
    assert result.activities == 2 and result.accompaniments == 2
    # …but in each département's own count.
    assert stats.by_departement(world.national, StatsFilters()) == {"22": (1, 1), "29": (1, 1)}


def test_anonymous_accompaniments_are_not_people(world):
    activity(world, world.s22, world.m1, anonymous_count=1, anonymous_breakdown={"genre": {"feminin": 1}})
    activity(
        world,
        world.s22,
        world.m1,
        [person(world)],
        kind=Kind.COLLECTIVE,
        anonymous_count=5,
        anonymous_breakdown={"genre": {"masculin": 2, "feminin": 1}, "tranche_age": {"soixante_dix_plus": 4}},
    )
    result = stats.summary(world.national, StatsFilters())
    assert result.unique_beneficiaries == 1
    assert result.anonymous_accompaniments == 6
    assert result.anonymous_by_gender == {"masculin": 2, "feminin": 2, "non_communique": 2}
    assert result.anonymous_by_age_band["soixante_dix_plus"] == 4
    assert result.anonymous_by_age_band["non_communique"] == 2
    assert sum(result.anonymous_by_status.values()) == 6


def test_merged_duplicates_count_once_and_anonymised_people_still_count(world):
    kept, duplicate, leaving = person(world), person(world), person(world)
    activity(world, world.s22, world.m1, [kept])
    activity(world, world.s29, world.m2, [duplicate], days_ago=10)
    activity(world, world.s22, world.m1, [leaving])
    assert stats.summary(world.national, StatsFilters()).unique_beneficiaries == 3
    beneficiary_merge(kept=kept, duplicate=duplicate, by=world.national)
    beneficiary_anonymise(beneficiary=leaving, by=world.national)
    result = stats.summary(world.national, StatsFilters())
    assert result.unique_beneficiaries == 2
    assert sum(result.by_gender.values()) == 2
    weekly = stats.cumulative_weekly(world.national, StatsFilters(date_from=TODAY - 30 * DAY), "personnes")
    assert weekly[-1][1] == 2


def test_screenings_and_referrals_are_activities_not_people(world):
    screened = person(world)
    activity(world, world.s22, world.m1, [screened], kind=Kind.SCREENING)
    activity(world, world.s22, world.m1, [screened], kind=Kind.REFERRAL)
    result = stats.summary(world.national, StatsFilters())
    assert result.unique_beneficiaries == 0
    assert result.activities == 2 and result.accompaniments == 0
    assert result.by_type[Kind.SCREENING] == 1 and result.by_type[Kind.REFERRAL] == 1
    activity(world, world.s22, world.m1, [screened], kind=Kind.DIAGNOSTIC)
    assert stats.summary(world.national, StatsFilters()).unique_beneficiaries == 1


def test_a_mediator_who_left_the_team_counts_for_it_up_to_the_leaving_date(world):
    coordinator = UserFactory(coordinator=True, departements=[world.d22, world.d29])
    team = Team.objects.create(name="Côtes", coordinator=coordinator, organisation=world.poste)
    TeamMember.objects.create(team=team, mediator=world.m1, joined_on=TODAY - 100 * DAY, left_on=TODAY - 20 * DAY)
    TeamMember.objects.create(team=team, mediator=world.m2, joined_on=TODAY - 10 * DAY)
    before, after = person(world), person(world)
    activity(world, world.s22, world.m1, [before], days_ago=30)  # m1 still in the team
    activity(world, world.s22, world.m1, [after], days_ago=20)  # the leaving day: counts
    activity(world, world.s22, world.m1, [person(world)], days_ago=5)  # after leaving: not the team's
    activity(world, world.s29, world.m2, [person(world)], days_ago=15)  # before m2 joined
    activity(world, world.s29, world.m2, [before], days_ago=2)
    filters = StatsFilters(team=team.pk)
    assert stats.scope_error(coordinator, filters) is None
    result = stats.summary(coordinator, filters)
    assert result.activities == 3
    assert result.unique_beneficiaries == 2


def test_filters_by_theme_kind_site_and_period(world):
    a, b = person(world), person(world)
    activity(world, world.s22, world.m1, [a], themes=[Thematique.EMAIL], days_ago=40)
    activity(world, world.s29, world.m2, [b], themes=[Thematique.SANTE], days_ago=2)
    activity(world, world.s29, world.m2, [a], kind=Kind.COLLECTIVE, themes=[Thematique.SANTE], days_ago=2)
    national = world.national
    assert stats.summary(national, StatsFilters(theme=Thematique.SANTE)).unique_beneficiaries == 2
    assert stats.summary(national, StatsFilters(theme=Thematique.EMAIL)).by_theme[Thematique.EMAIL] == 1
    assert stats.summary(national, StatsFilters(kind=Kind.COLLECTIVE)).unique_beneficiaries == 1
    assert stats.summary(national, StatsFilters(site=world.s22.pk)).activities == 1
    # An administrative theme (bits from 32 up) is counted and filtered like the others.
    activity(
        world,
        world.s22,
        world.m1,
        [b],
        themes=[Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES],
        admin_themes=[AdministrativeTheme.values[-1]],
        days_ago=40,
    )
    administrative = stats.summary(national, StatsFilters(theme=AdministrativeTheme.values[-1]))
    assert (administrative.activities, administrative.unique_beneficiaries) == (1, 1)
    assert stats.summary(national, StatsFilters()).by_theme[AdministrativeTheme.values[-1]] == 1
    with aggregates.disabled():  # the plain queries too (PostgreSQL: a bigint mask)
        assert stats.summary(national, StatsFilters()).by_theme[AdministrativeTheme.values[-1]] == 1
    recent = stats.summary(national, StatsFilters(date_from=TODAY - 10 * DAY))
    assert (recent.activities, recent.unique_beneficiaries) == (2, 2)


# --- against brute force ----------------------------------------------------------------------------------------


@pytest.fixture
def random_world(world):
    rng = random.Random(7)
    people = [person(world, gender=rng.choice(["masculin", "feminin", "non_communique"])) for _ in range(25)]
    sites = [(world.s22, world.m1), (world.s29, world.m2)]
    for _ in range(60):
        site, mediator = rng.choice(sites)
        kind = rng.choice([*Kind.values, Kind.INDIVIDUAL, Kind.INDIVIDUAL])
        count = 1 if kind == Kind.INDIVIDUAL else rng.randint(1, 4)
        activity(
            world,
            site,
            mediator,
            rng.sample(people, count),
            kind=kind,
            days_ago=rng.randint(0, 500),
            duration_minutes=rng.choice([15, 30, 45, 60, 90, 120, None]),
            place_type=rng.choice(PlaceType.values),
            territory_type=rng.choice(TerritoryType.values),
            themes=rng.sample(Thematique.values, 2),
            anonymous_count=rng.choice([0, 0, 2]),
        )
    return world


def brute(rows, **conditions):
    return len({r.beneficiary_id for r in rows if all(getattr(r, k) == v for k, v in conditions.items())})


def test_summary_matches_brute_force_and_dimensions_never_exceed_the_total(random_world):
    world = random_world
    rows = [p for p in Participant.objects.select_related("beneficiary", "activity") if p.kind in ACCOMPANIMENT_KINDS]
    activities = list(Activity.objects.all())
    result = stats.summary(world.national, StatsFilters())
    assert result.unique_beneficiaries == brute(rows)
    assert result.activities == len(activities)
    assert result.anonymous_accompaniments == sum(
        a.anonymous_count for a in activities if a.kind in ACCOMPANIMENT_KINDS
    )
    for dimension in (result.by_age_band, result.by_gender, result.by_status):
        assert sum(dimension.values()) == result.unique_beneficiaries  # a person has one age band, gender, status
    for counts in (result.by_type, result.by_channel, result.by_territory_type, result.by_duration_band):
        assert sum(counts.values()) <= result.activities
    assert sum(result.by_type.values()) == result.activities
    for code in Thematique.values:
        assert result.by_theme[code] == sum(code in a.themes for a in activities)
    # The 12-month trend: each month's own distinct people and activities.
    for start, people, count in result.trend:
        end = (start + 32 * DAY).replace(day=1)
        in_month = [r for r in rows if start <= r.date < end]
        assert people == brute(in_month)
        assert count == sum(start <= a.date < end for a in activities)
    assert result.top_sites[0][2] >= result.top_sites[-1][2]
    # Each département's own count.
    for code, (people, count) in stats.by_departement(world.national, StatsFilters()).items():
        assert people == brute(rows, departement_id=code)
        assert count == sum(a.departement_id == code for a in activities)
    # One year, one mediator.
    year = StatsFilters(date_from=TODAY - 365 * DAY, date_to=TODAY)
    assert stats.summary(world.national, year).unique_beneficiaries == len(
        {r.beneficiary_id for r in rows if r.date >= TODAY - 365 * DAY}
    )
    assert stats.summary(world.m1, StatsFilters()).unique_beneficiaries == brute(rows, mediator_id=world.m1.pk)


@pytest.mark.parametrize(
    "row,col",
    [("departement", "gender"), ("age_band", "kind"), ("territory_type", "status"), ("age_band", "gender")],
)
def test_people_table_counts_distinct_people_per_cell_row_and_column(random_world, row, col):
    rows = [p for p in Participant.objects.select_related("beneficiary", "activity") if p.kind in ACCOMPANIMENT_KINDS]

    def value(r, dimension):
        path = stats.DIMENSIONS[dimension].split("__")
        obj = r
        for part in path:
            obj = getattr(obj, part)
        return obj or ""

    table = stats.people_table(random_world.national, StatsFilters(), row, col)
    assert table.total == brute(rows)
    for (a, b), n in table.cells.items():
        assert n == len({r.beneficiary_id for r in rows if value(r, row) == a and value(r, col) == b})
        assert n <= table.row_totals[a] <= table.total and n <= table.col_totals[b] <= table.total
    for a, n in table.row_totals.items():
        assert n == len({r.beneficiary_id for r in rows if value(r, row) == a})


def test_cumulative_weekly_is_the_first_accompaniment_of_each_person(random_world):
    world = random_world
    start = TODAY - 200 * DAY
    rows = [p for p in Participant.objects.all() if p.kind in ACCOMPANIMENT_KINDS and start <= p.date <= TODAY]
    series = stats.cumulative_weekly(world.national, StatsFilters(date_from=start), "personnes")
    assert series[0][0].weekday() == 0 and series[0][0] <= start
    assert series[-1][0] <= TODAY < series[-1][0] + 7 * DAY
    firsts = {}
    for r in rows:
        firsts[r.beneficiary_id] = min(firsts.get(r.beneficiary_id, r.date), r.date)
    for monday, count in series:
        assert count == sum(day <= monday + 6 * DAY for day in firsts.values())
    counts = [count for _, count in series]
    assert counts == sorted(counts)
    accompaniments = stats.cumulative_weekly(world.national, StatsFilters(date_from=start), "accompagnements")
    assert (
        accompaniments[-1][1]
        == Activity.objects.filter(kind__in=ACCOMPANIMENT_KINDS, date__gte=start, date__lte=TODAY).count()
    )


# --- scope ------------------------------------------------------------------------------------------------------


def test_scope_error_by_role(world):
    other = DepartementFactory(code="56")
    coordinator = UserFactory(coordinator=True, departements=[world.d22])
    partner = UserFactory(partner=True)
    assert stats.scope_error(world.national, StatsFilters(departement="56")) is None
    assert stats.scope_error(coordinator, StatsFilters(departement="22")) is None
    assert "coordonnez" in stats.scope_error(coordinator, StatsFilters(departement=other.code))
    assert "coordonnez" in stats.scope_error(coordinator, StatsFilters(site=world.s29.pk))
    assert stats.scope_error(world.m1, StatsFilters(mediator=world.m1.pk)) is None
    assert "vos propres" in stats.scope_error(world.m1, StatsFilters(mediator=world.m2.pk))
    assert "organisation" in stats.scope_error(partner, StatsFilters(organisation=world.poste.pk))
    assert stats.scope_error(partner, StatsFilters(organisation=partner.organisation_id)) is None
    team = Team.objects.create(name="Équipe", coordinator=coordinator, organisation=world.poste)
    assert stats.scope_error(coordinator, StatsFilters(team=team.pk)) is None
    other_coordinator = UserFactory(coordinator=True, departements=[world.d22])
    assert "équipe" in stats.scope_error(other_coordinator, StatsFilters(team=team.pk))
    assert stats.scope_error(UserFactory(role="inconnu"), StatsFilters()) is not None


def test_figures_are_scoped_by_role(world):
    activity(world, world.s22, world.m1, [person(world)])
    activity(world, world.s29, world.m2, [person(world)])
    coordinator = UserFactory(coordinator=True, departements=[world.d22])
    assert stats.summary(coordinator, StatsFilters()).unique_beneficiaries == 1
    assert stats.summary(world.m2, StatsFilters()).activities == 1
    assert stats.by_departement(coordinator, StatsFilters()) == {"22": (1, 1)}
    partner = UserFactory(partner=True)
    assert stats.summary(partner, StatsFilters()).activities == 0


def test_summary_query_count(world, django_assert_max_num_queries):
    for _ in range(5):
        activity(world, world.s22, world.m1, [person(world)])
    team = Team.objects.create(name="T", coordinator=world.national, organisation=world.poste)
    # On PostgreSQL the first read folds the queued changes into the aggregates (a bounded number of queries).
    with django_assert_max_num_queries(20):
        stats.summary(world.national, StatsFilters())
    with django_assert_max_num_queries(7):
        stats.summary(world.national, StatsFilters())
    with django_assert_max_num_queries(6):
        stats.summary(world.m1, StatsFilters())
    with django_assert_max_num_queries(6):
        stats.summary(world.national, StatsFilters(team=team.pk))
    with django_assert_max_num_queries(3):
        stats.by_departement(world.national, StatsFilters())
    with django_assert_max_num_queries(3):
        stats.cumulative_weekly(world.national, StatsFilters(date_from=TODAY - 60 * DAY), "personnes")


# --- the pre-aggregated path (PostgreSQL) -----------------------------------------------------------------------


def test_aggregates_stay_exact_through_records_updates_merges_and_deletions(random_world):
    from django.db import connection

    from tremplin.reporting import aggregates

    if connection.vendor != "postgresql":
        pytest.skip("agrégats : PostgreSQL seulement (SQLite compte directement)")
    world = random_world
    month_start = TODAY.replace(day=1)
    year = StatsFilters(date_from=(month_start - 330 * DAY).replace(day=1))
    coordinator = UserFactory(coordinator=True, departements=[world.d22])
    national = world.national
    cases = [
        (national, StatsFilters()),
        (national, year),
        (national, StatsFilters(organisation=world.poste.pk)),
        (national, StatsFilters(date_from=TODAY - 40 * DAY)),
        (national, year.replace(departement="29")),
        (national, StatsFilters(mediator=world.m2.pk)),
        (coordinator, StatsFilters(departement="22")),
        (world.m1, StatsFilters()),
        (world.m1, year),
    ]

    def check():
        for viewer, filters in cases:
            fast = stats.summary(viewer, filters)
            assert aggregates.scope_of(viewer, filters) is not None
            with aggregates.disabled():
                assert fast == stats.summary(viewer, filters)
            for measure in stats.MEASURES:
                fast_series = stats.cumulative_weekly(viewer, filters, measure)
                with aggregates.disabled():
                    assert fast_series == stats.cumulative_weekly(viewer, filters, measure)
        map_cases = [
            (world.national, year),
            (world.national, year.replace(departement="29")),
            (coordinator, StatsFilters(departement="22")),
        ]
        for viewer, filters in map_cases:
            fast_map = stats.by_departement(viewer, filters)
            with aggregates.disabled():
                assert fast_map == stats.by_departement(viewer, filters)
        for row, col in (("departement", "age_band"), ("gender", "status")):
            fast_table = stats.people_table(world.national, year, row, col)
            with aggregates.disabled():
                assert fast_table == stats.people_table(world.national, year, row, col)

    check()
    assert not aggregates._pending()  # the read folded the queue in
    people = list(Participant.objects.values_list("beneficiary", flat=True).distinct()[:4])
    from tremplin.beneficiaries.models import Beneficiary

    kept, duplicate = Beneficiary.objects.filter(pk__in=people[:2])
    beneficiary_merge(kept=kept, duplicate=duplicate, by=world.national)
    Beneficiary.objects.filter(pk=people[2]).update(gender="non_communique", social_status="retraite")
    Activity.objects.filter(pk__in=Activity.objects.order_by("pk").values("pk")[:5]).update(
        date=TODAY - 2 * DAY, place_type=PlaceType.REMOTE, theme_bits=0
    )
    Participant.objects.filter(activity__date=TODAY - 2 * DAY).update(date=TODAY - 2 * DAY)
    Activity.objects.filter(pk__in=Activity.objects.order_by("-pk").values("pk")[:3]).delete()
    activity(
        world, world.s29, world.m2, [person(world)], anonymous_count=3, anonymous_breakdown={"genre": {"feminin": 2}}
    )
    check()
    assert aggregates.refresh()["compacted"] >= 0
    check()
    # A full rebuild gives the same figures as the incremental path.
    before = stats.summary(world.national, year)
    aggregates.rebuild()
    assert stats.summary(world.national, year) == before
