"""Objectives: progress to date, pace, forecast, who is behind; the services and permissions of the steering."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.reporting import objectives, perms, services
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import Objective, ShareLink, TeamMember

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2023, 10, 4)  # a Wednesday
START = datetime.date(2023, 9, 4)  # a Monday
DEADLINE = datetime.date(2023, 12, 31)
TUESDAYS = [datetime.date(2023, 9, 5) + datetime.timedelta(weeks=i) for i in range(5)]  # up to 3 October


@pytest.fixture
def world():
    poste = OrganisationFactory(la_poste=True)
    d22, d29 = DepartementFactory(code="22", name="Côtes-d'Armor"), DepartementFactory(code="29", name="Finistère")
    s22 = SiteFactory(commune=CommuneFactory(departement=d22, code_insee="22001"), organisation=poste)
    s29 = SiteFactory(commune=CommuneFactory(departement=d29, code_insee="29001"), organisation=poste)
    m1 = UserFactory(mediator=True, organisation=poste, sites=[s22], first_name="Léa", last_name="Martin")
    m2 = UserFactory(mediator=True, organisation=poste, sites=[s29], first_name="Hugo", last_name="Bernard")
    national = UserFactory(national=True, organisation=poste)
    coordinator = UserFactory(coordinator=True, organisation=poste, departements=[d22])
    return type(
        "World",
        (),
        dict(poste=poste, d22=d22, d29=d29, s22=s22, s29=s29, m1=m1, m2=m2, national=national, coordinator=coordinator),
    )


def ten_new_people_each_tuesday(world, site=None, mediator=None):
    """10 new people a week, from 5 September: 40 by the end of September, 50 on 4 October."""
    site, mediator = site or world.s22, mediator or world.m1
    for day in TUESDAYS:
        people = [BeneficiaryFactory(organisation=world.poste, site=site) for _ in range(10)]
        ActivityFactory(organisation=world.poste, site=site, mediator=mediator, date=day, people=people)


def objective(world, **kwargs):
    values = dict(
        label="Objectif national",
        scope=ObjectiveScope.PROGRAMME,
        organisation=world.poste,
        measure=ObjectiveMeasure.PEOPLE,
        target=200,
        starts_on=START,
        deadline=DEADLINE,
    )
    values.update(kwargs)
    return Objective.objects.create(**values)


# --- progress ---------------------------------------------------------------------------------------------------


def test_progress_of_a_steady_pace_behind_its_target(world):
    ten_new_people_each_tuesday(world)
    result = objectives.progress(objective(world, target=200), world.national, today=TODAY)
    assert result.done == 50
    assert result.percent == 25
    # Four complete weeks at 10 a week, projected from Sunday 1 October over 13 weeks: 40 + 130.
    assert result.recent_pace == pytest.approx(10)
    assert result.forecast.expected == pytest.approx(170)
    assert result.forecast.low == pytest.approx(170) and result.forecast.high == pytest.approx(170)
    assert result.pace_needed == pytest.approx(150 / (88 / 7))
    assert result.on_track is False
    assert result.status_label == "En retard"


def test_progress_on_track(world):
    ten_new_people_each_tuesday(world)
    result = objectives.progress(objective(world, target=150), world.national, today=TODAY)
    assert result.on_track is True
    assert result.pace_ratio > 1


def test_a_person_seen_every_week_counts_once_but_accompaniments_add_up(world):
    josiane = BeneficiaryFactory(organisation=world.poste, site=world.s22)
    for day in TUESDAYS:
        ActivityFactory(organisation=world.poste, site=world.s22, mediator=world.m1, date=day, people=[josiane])
    ActivityFactory(organisation=world.poste, site=world.s22, mediator=world.m1, date=TUESDAYS[0], anonymous_count=1)
    people = objectives.progress(objective(world), world.national, today=TODAY)
    accompaniments = objectives.progress(
        objective(world, measure=ObjectiveMeasure.ACCOMPANIMENTS), world.national, today=TODAY
    )
    assert people.done == 1
    assert accompaniments.done == 6  # five with Josiane, one anonymous


def test_the_scope_of_the_objective_is_counted_only(world):
    ten_new_people_each_tuesday(world)
    ten_new_people_each_tuesday(world, site=world.s29, mediator=world.m2)
    assert objectives.progress(objective(world), world.national, today=TODAY).done == 100
    dep = objective(world, scope=ObjectiveScope.DEPARTEMENT, departement=world.d29)
    assert objectives.progress(dep, world.national, today=TODAY).done == 50
    med = objective(world, scope=ObjectiveScope.MEDIATOR, mediator=world.m1)
    assert objectives.progress(med, world.national, today=TODAY).done == 50
    site = objective(world, scope=ObjectiveScope.SITE, site=world.s29)
    assert objectives.progress(site, world.national, today=TODAY).done == 50
    # Counted from starts_on: the people of the first week are left out of a later start.
    later = objective(world, starts_on=datetime.date(2023, 9, 11))
    assert objectives.progress(later, world.national, today=TODAY).done == 80


def test_an_objective_past_its_deadline_shows_the_value_reached(world):
    ten_new_people_each_tuesday(world)
    past = objective(world, deadline=datetime.date(2023, 9, 24), target=30)
    result = objectives.progress(past, world.national, today=TODAY)
    assert result.done == 30  # three Tuesdays before the deadline
    assert result.reached and result.on_track is True
    assert result.pace_needed is None
    missed = objectives.progress(
        objective(world, deadline=datetime.date(2023, 9, 24), target=31), world.national, today=TODAY
    )
    assert missed.on_track is False and missed.status_label == "Échu, non atteint"


def test_too_early_to_forecast(world):
    result = objectives.progress(objective(world, starts_on=datetime.date(2023, 10, 2)), world.national, today=TODAY)
    assert result.done == 0
    assert not result.forecast.available
    assert result.on_track is None


def test_ranking_puts_the_furthest_behind_first(world):
    ten_new_people_each_tuesday(world)
    easy = objective(world, label="facile", target=60)
    hard = objective(world, label="difficile", target=1000)
    middle = objective(world, label="moyen", target=200)
    ranked = objectives.ranking([easy, middle, hard], world.national, today=TODAY)
    assert [p.objective.label for p in ranked] == ["difficile", "moyen", "facile"]


def test_departements_and_mediators_behind_their_share(world):
    ten_new_people_each_tuesday(world)  # all in the 22, by Léa
    national = objective(world, target=200)
    parts = objectives.departements_behind(world.national, national, today=TODAY)
    assert [p.key for p in parts] == ["29", "22"]
    d29, d22 = parts
    assert d29.behind and not d22.behind
    assert d22.share_target == pytest.approx(100)  # one mediator each: half the target
    assert d22.done == 50 and d22.recent_pace == pytest.approx(10)
    assert d29.label == "Finistère (29)"
    # A département's own objective replaces its share of the split.
    objective(world, scope=ObjectiveScope.DEPARTEMENT, departement=world.d22, target=500)
    d22 = next(p for p in objectives.departements_behind(world.national, national, today=TODAY) if p.key == "22")
    assert d22.share_target == 500 and d22.share_source == "objectif" and d22.behind
    people = objectives.mediators_behind(world.national, national, today=TODAY)
    assert [p.label for p in people] == ["Hugo Bernard", "Léa Martin"]
    assert people[0].behind and people[0].done == 0


def test_progress_is_counted_in_the_viewers_scope(world):
    ten_new_people_each_tuesday(world, site=world.s29, mediator=world.m2)
    dep = objective(world, scope=ObjectiveScope.DEPARTEMENT, departement=world.d29)
    assert objectives.progress(dep, world.m1, today=TODAY).done == 0  # not Léa's activities


def test_objective_filters():
    obj = Objective(
        scope=ObjectiveScope.DEPARTEMENT, departement_id="22", organisation_id=3, starts_on=START, deadline=DEADLINE
    )
    assert objectives.objective_filters(obj, today=TODAY) == StatsFilters(
        date_from=START, date_to=TODAY, departement="22", organisation=3
    )


# --- permissions and services -----------------------------------------------------------------------------------


def create(world, by, **kwargs):
    values = dict(
        by=by,
        label="Objectif",
        scope=ObjectiveScope.DEPARTEMENT,
        organisation=world.poste,
        measure=ObjectiveMeasure.PEOPLE,
        target=100,
        starts_on=START,
        deadline=DEADLINE,
        departement=world.d22,
    )
    values.update(kwargs)
    return services.objective_create(**values)


def test_a_coordinator_sets_objectives_in_their_departements_only(world):
    made = create(world, world.coordinator)
    assert made.created_by == world.coordinator
    with pytest.raises(ValidationError, match="périmètre"):
        create(world, world.coordinator, departement=world.d29)
    with pytest.raises(ValidationError):
        create(world, world.coordinator, scope=ObjectiveScope.PROGRAMME, departement=None)
    create(world, world.coordinator, scope=ObjectiveScope.MEDIATOR, departement=None, mediator=world.m1)
    with pytest.raises(ValidationError):
        create(world, world.coordinator, scope=ObjectiveScope.MEDIATOR, departement=None, mediator=world.m2)
    with pytest.raises(ValidationError):
        services.objective_update(objective=made, by=world.coordinator, departement=world.d29)
    with pytest.raises(ValidationError):
        create(world, world.m1, scope=ObjectiveScope.MEDIATOR, departement=None, mediator=world.m1)


def test_objective_errors_are_in_french(world):
    with pytest.raises(ValidationError) as error:
        create(world, world.national, scope=ObjectiveScope.SITE, departement=None)
    assert error.value.message_dict == {"site": ["Choisissez le lieu de l'objectif."]}
    with pytest.raises(ValidationError) as error:
        create(world, world.national, deadline=START)
    assert "L'échéance doit être après la date de début." in error.value.message_dict["deadline"]
    # Fields of another scope are emptied, not refused.
    made = create(world, world.national, scope=ObjectiveScope.PROGRAMME)
    assert made.departement is None


def test_objective_update_and_delete(world):
    made = create(world, world.national)
    services.objective_update(objective=made, by=world.coordinator, target=250)
    made.refresh_from_db()
    assert made.target == 250
    services.objective_delete(objective=made, by=world.coordinator)
    assert not Objective.objects.exists()


def test_who_reads_which_objective(world):
    programme = create(world, world.national, scope=ObjectiveScope.PROGRAMME, label="programme")
    dep22 = create(world, world.national, label="22")
    create(world, world.national, departement=world.d29, label="29")
    lea = create(world, world.national, scope=ObjectiveScope.MEDIATOR, departement=None, mediator=world.m1, label="lea")
    assert set(perms.visible_objectives(world.national).values_list("label", flat=True)) == {
        "programme",
        "22",
        "29",
        "lea",
    }
    assert set(perms.visible_objectives(world.coordinator)) == {dep22, lea}
    assert list(perms.visible_objectives(world.m1)) == [lea]
    assert not perms.visible_objectives(world.m2).exists()
    assert programme not in perms.visible_objectives(world.coordinator)


def test_team_members_arrive_and_leave(world):
    team = services.team_create(by=world.coordinator, name="Équipe Trégor", organisation=world.poste)
    assert team.coordinator == world.coordinator
    member = services.team_member_add(team=team, mediator=world.m1, joined_on=START, by=world.coordinator)
    with pytest.raises(ValidationError, match="déjà partie"):
        services.team_member_add(team=team, mediator=world.m1, joined_on=TODAY, by=world.coordinator)
    with pytest.raises(ValidationError, match="ne peut pas rejoindre"):  # Hugo works in the 29
        services.team_member_add(team=team, mediator=world.m2, joined_on=START, by=world.coordinator)
    with pytest.raises(ValidationError, match="avant l'arrivée"):
        services.team_member_leave(member=member, left_on=START - datetime.timedelta(days=1), by=world.coordinator)
    services.team_member_leave(member=member, left_on=TODAY, by=world.coordinator)
    assert TeamMember.objects.get().left_on == TODAY
    with pytest.raises(ValidationError, match="déjà quitté"):
        services.team_member_leave(member=member, left_on=TODAY, by=world.coordinator)
    # Back later: a new membership.
    services.team_member_add(
        team=team, mediator=world.m1, joined_on=TODAY + datetime.timedelta(days=1), by=world.national
    )
    assert TeamMember.objects.count() == 2
    other = UserFactory(coordinator=True, organisation=world.poste, departements=[world.d22])
    with pytest.raises(ValidationError, match="ne gérez pas"):
        services.team_member_add(team=team, mediator=world.m1, joined_on=TODAY, by=other)
    with pytest.raises(ValidationError):
        services.team_create(by=other, name="x", organisation=world.poste, coordinator=world.coordinator)
    with pytest.raises(ValidationError):
        services.team_create(by=world.m1, name="x", organisation=world.poste)


def test_share_links(world):
    tomorrow = timezone.now() + datetime.timedelta(days=30)
    link = services.share_link_create(
        by=world.coordinator, label="Conseil départemental", filters=StatsFilters(departement="22"), expires_at=tomorrow
    )
    assert link.filters == {"departement": "22"} and link.created_by == world.coordinator
    with pytest.raises(ValidationError, match="l'un de vos départements"):
        services.share_link_create(
            by=world.coordinator, label="x", filters=StatsFilters(departement="29"), expires_at=tomorrow
        )
    with pytest.raises(ValidationError, match="l'un de vos départements"):
        services.share_link_create(by=world.coordinator, label="x", filters=StatsFilters(), expires_at=tomorrow)
    with pytest.raises(ValidationError, match="déjà passée"):
        services.share_link_create(by=world.national, label="x", filters=StatsFilters(), expires_at=timezone.now())
    with pytest.raises(ValidationError):
        services.share_link_create(by=world.m1, label="x", filters=StatsFilters(), expires_at=tomorrow)
    with pytest.raises(ValidationError, match="révoquer"):
        services.share_link_revoke(link=link, by=UserFactory(coordinator=True, departements=[world.d22]))
    services.share_link_revoke(link=link, by=world.coordinator)
    link = ShareLink.objects.get()
    assert link.revoked_at is not None and not link.is_usable()


# --- demo -------------------------------------------------------------------------------------------------------


def test_demo_seed_creates_objectives_and_a_team_with_a_member_who_left(world):
    from tremplin.demo import objectives as demo

    UserFactory(national=True, email=demo.NATIONAL, organisation=world.poste)
    UserFactory(coordinator=True, email=demo.COORDINATOR, organisation=world.poste, departements=[world.d22, world.d29])
    lea = UserFactory(mediator=True, email=demo.MEDIATOR, organisation=world.poste, sites=[world.s29])
    UserFactory(mediator=True, email=demo.FORMER, organisation=world.poste, sites=[world.s29])
    assert demo.seed(today=TODAY) == 3 + 3
    assert demo.seed(today=TODAY) == 0  # idempotent
    scopes = dict(Objective.objects.values_list("scope", "target"))
    assert scopes == {"programme": 400, "departement": 30, "mediateur": 300}
    assert Objective.objects.get(scope="departement").departement == world.d29  # the demo mediator's
    assert Objective.objects.get(scope="departement").created_by.email == demo.COORDINATOR
    members = {m.mediator.email: m.left_on for m in TeamMember.objects.select_related("mediator")}
    assert members == {demo.MEDIATOR: None, demo.FORMER: TODAY - datetime.timedelta(days=30)}
    assert Objective.objects.get(scope="mediateur").mediator == lea
