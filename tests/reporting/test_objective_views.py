"""The objectives and teams screens: what each role sees and may do, in French, with bounded queries."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope
from tremplin.reporting.models import Objective, Team, TeamMember
from tremplin.www.reporting.objectives import forecast_sentence

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LIST = reverse("reporting:objectives")


def warm_up(client, url):
    """A first visit: on PostgreSQL the statistics first fold the activities just written into their aggregates
    (tremplin.reporting.stats); the query count asserted is the steady one."""
    assert client.get(url).status_code == 200


@pytest.fixture
def world():
    poste = OrganisationFactory(la_poste=True)
    d22, d29 = DepartementFactory(code="22", name="Côtes-d'Armor"), DepartementFactory(code="29", name="Finistère")
    s22 = SiteFactory(commune=CommuneFactory(departement=d22, code_insee="22001"), organisation=poste, name="Lannion")
    s29 = SiteFactory(commune=CommuneFactory(departement=d29, code_insee="29001"), organisation=poste, name="Brest")
    m1 = UserFactory(mediator=True, organisation=poste, sites=[s22], first_name="Léa", last_name="Martin")
    m2 = UserFactory(mediator=True, organisation=poste, sites=[s29], first_name="Hugo", last_name="Bernard")
    national = UserFactory(national=True, organisation=poste)
    coordinator = UserFactory(coordinator=True, organisation=poste, departements=[d22])
    # People accompanied each week for ten weeks, by Léa in the 22.
    names = []
    for week in range(10):
        people = [BeneficiaryFactory(organisation=poste, site=s22, first_name="Odette") for _ in range(3)]
        names += [p.last_name for p in people]
        ActivityFactory(
            organisation=poste,
            site=s22,
            mediator=m1,
            date=TODAY - datetime.timedelta(weeks=week, days=1),
            people=people,
        )
    start = TODAY - datetime.timedelta(weeks=12)
    deadline = TODAY + datetime.timedelta(weeks=20)
    programme = Objective.objects.create(
        label="Programme national",
        scope=ObjectiveScope.PROGRAMME,
        organisation=poste,
        measure=ObjectiveMeasure.PEOPLE,
        target=1000,
        starts_on=start,
        deadline=deadline,
    )
    dep22 = Objective.objects.create(
        label="Côtes-d'Armor",
        scope=ObjectiveScope.DEPARTEMENT,
        departement=d22,
        organisation=poste,
        measure=ObjectiveMeasure.PEOPLE,
        target=40,
        starts_on=start,
        deadline=deadline,
    )
    lea = Objective.objects.create(
        label="Objectif de Léa",
        scope=ObjectiveScope.MEDIATOR,
        mediator=m1,
        organisation=poste,
        measure=ObjectiveMeasure.ACCOMPANIMENTS,
        target=20,
        starts_on=start,
        deadline=deadline,
    )
    return type(
        "World",
        (),
        dict(
            poste=poste,
            d22=d22,
            d29=d29,
            s22=s22,
            s29=s29,
            m1=m1,
            m2=m2,
            national=national,
            coordinator=coordinator,
            programme=programme,
            dep22=dep22,
            lea=lea,
            names=names,
        ),
    )


def test_national_list_is_behind_first_with_departements_and_mediators(client, world, django_assert_max_num_queries):
    client.force_login(world.national)
    warm_up(client, LIST)
    with django_assert_max_num_queries(16):
        page = html.unescape(client.get(LIST).content.decode())
    # Behind first: the programme (30 of 1000) before the département (30 of 40) and Léa (10 of 20, on pace).
    assert page.index("Programme national") < page.index("Objectif de Léa")
    assert "<strong>30</strong> sur 1\u202f000 personnes" in page
    assert "En retard" in page
    assert "À ce rythme :" in page
    # Under the programme objective, the Finistère (no activity) comes first, then the 22; Hugo before Léa.
    programme_block = page[page.index("Programme national") : page.index("Côtes-d'Armor</a>")]
    assert programme_block.index("Finistère (29)") < programme_block.index("Côtes-d'Armor (22)")
    assert programme_block.index("Hugo Bernard") < programme_block.index("Léa Martin")
    assert "son objectif" in programme_block  # the 22 has its own objective
    assert "Méthode de calcul" in page and "Student" in page
    for name in world.names[:5] + ["Odette"]:
        assert name not in page  # never a person's name


def test_list_queries_do_not_grow_with_people(client, world, django_assert_max_num_queries):
    client.force_login(world.national)
    for week in range(5):
        people = [BeneficiaryFactory(organisation=world.poste, site=world.s29) for _ in range(5)]
        ActivityFactory(
            organisation=world.poste,
            site=world.s29,
            mediator=world.m2,
            date=TODAY - datetime.timedelta(weeks=week),
            people=people,
        )
    warm_up(client, LIST)
    with django_assert_max_num_queries(16):
        assert client.get(LIST).status_code == 200


def test_each_role_sees_its_objectives(client, world):
    client.force_login(world.coordinator)
    page = html.unescape(client.get(LIST).content.decode())
    assert "Côtes-d'Armor" in page and "Objectif de Léa" in page and "Programme national" not in page
    assert "Fixer un objectif" in page
    client.force_login(world.m1)
    page = html.unescape(client.get(LIST).content.decode())
    assert "Objectif de Léa" in page and "Côtes-d'Armor" not in page
    assert "Fixer un objectif" not in page and "Modifier" not in page
    assert client.get(reverse("reporting:objective", args=[world.dep22.pk])).status_code == 404
    assert client.get(reverse("reporting:objective_create")).status_code == 403
    client.force_login(world.m2)
    assert "Aucun objectif" in html.unescape(client.get(LIST).content.decode())


def test_detail_page(client, world, django_assert_max_num_queries):
    client.force_login(world.national)
    warm_up(client, reverse("reporting:objective", args=[world.programme.pk]))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("reporting:objective", args=[world.programme.pk]))
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "<h1>Programme national</h1>" in page
    assert "Départements, les plus en retard d'abord" in page


def objective_data(**changes):
    data = {
        "label": "Trégor 2026",
        "scope": ObjectiveScope.DEPARTEMENT,
        "measure": ObjectiveMeasure.PEOPLE,
        "target": "150",
        "starts_on": "2026-01-01",
        "deadline": "2026-12-31",
    }
    data.update(changes)
    return data


def test_coordinator_creates_updates_and_deletes_an_objective(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(8):
        page = html.unescape(client.get(reverse("reporting:objective_create")).content.decode())
    assert "Programme (national)" not in page  # a coordinator does not set the programme's objectives
    response = client.post(
        reverse("reporting:objective_create"),
        objective_data(organisation=world.poste.pk, departement=world.d22.pk),
    )
    made = Objective.objects.get(label="Trégor 2026")
    assert response.status_code == 302 and response.url == reverse("reporting:objective", args=[made.pk])
    assert made.created_by == world.coordinator
    client.post(
        reverse("reporting:objective_update", args=[made.pk]),
        objective_data(organisation=world.poste.pk, departement=world.d22.pk, target="175"),
    )
    made.refresh_from_db()
    assert made.target == 175
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reporting:objective_delete", args=[made.pk])).status_code == 200
    assert client.post(reverse("reporting:objective_delete", args=[made.pk])).status_code == 302
    assert not Objective.objects.filter(pk=made.pk).exists()


def test_form_errors_are_in_french(client, world):
    client.force_login(world.coordinator)
    page = html.unescape(
        client.post(
            reverse("reporting:objective_create"),
            objective_data(organisation=world.poste.pk, deadline="2025-12-31", target="0"),
        ).content.decode()
    )
    assert "Ce champ est obligatoire pour ce périmètre." in page  # no département chosen
    assert "L'échéance doit être après la date de début." in page
    assert "supérieure ou égale à 1" in page
    page = html.unescape(
        client.post(
            reverse("reporting:objective_create"),
            objective_data(organisation=world.poste.pk, departement=world.d29.pk),
        ).content.decode()
    )
    assert "Sélectionnez un choix valide" in page  # the 29 is not theirs
    assert not Objective.objects.filter(label="Trégor 2026").exists()


def test_a_coordinator_cannot_change_the_programme_objective(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("reporting:objective_update", args=[world.programme.pk])).status_code == 404
    client.force_login(world.m1)
    assert client.get(reverse("reporting:objective_update", args=[world.lea.pk])).status_code == 403
    assert client.post(reverse("reporting:objective_delete", args=[world.lea.pk])).status_code == 403


def test_team_pages(client, world, django_assert_max_num_queries):
    client.force_login(world.coordinator)
    response = client.post(reverse("reporting:teams"), {"name": "Équipe Trégor", "organisation": world.poste.pk})
    team = Team.objects.get()
    assert response.url == reverse("reporting:team_members", args=[team.pk])
    assert team.coordinator == world.coordinator
    url = reverse("reporting:team_members", args=[team.pk])
    page = html.unescape(client.get(url).content.decode())
    assert "Léa Martin" in page and "Hugo Bernard" not in page  # Hugo works in the 29
    client.post(url, {"mediator": world.m1.pk, "joined_on": "2026-01-05"})
    member = TeamMember.objects.get()
    assert member.joined_on == datetime.date(2026, 1, 5)
    page = html.unescape(client.get(url).content.decode())
    assert "05/01/2026" in page and "toujours dans l'équipe" in page
    leave = reverse("reporting:team_member_leave", args=[member.pk])
    client.post(leave, {f"depart-{member.pk}-left_on": "2025-12-01"})
    member.refresh_from_db()
    assert member.left_on is None  # before the arrival: refused
    assert "avant l'arrivée" in html.unescape(client.get(url).content.decode())
    client.post(leave, {f"depart-{member.pk}-left_on": "2026-03-31"})
    member.refresh_from_db()
    assert member.left_on == datetime.date(2026, 3, 31)
    with django_assert_max_num_queries(10):
        page = html.unescape(client.get(url).content.decode())
    assert "31/03/2026" in page
    with django_assert_max_num_queries(10):
        assert "Équipe Trégor" in html.unescape(client.get(reverse("reporting:teams")).content.decode())
    # Another coordinator neither sees nor manages it; the mediator reads the team they were in.
    client.force_login(UserFactory(coordinator=True, organisation=world.poste, departements=[world.d22]))
    assert client.get(url).status_code == 404
    assert client.post(leave, {f"depart-{member.pk}-left_on": "2026-03-31"}).status_code == 404
    client.force_login(world.m1)
    page = html.unescape(client.get(url).content.decode())
    assert "Léa Martin" in page and "Marquer le départ" not in page
    assert client.post(url, {"mediator": world.m1.pk, "joined_on": "2026-05-01"}).status_code == 403


def test_forecast_sentence_rounds_the_band():
    from types import SimpleNamespace

    from tremplin.reporting.forecast import Forecast

    progress = SimpleNamespace(
        objective=SimpleNamespace(deadline=datetime.date(2023, 12, 31)),
        finished=False,
        done=250_000,
        forecast=Forecast(304_321.0, 290_412.4, 317_612.2, 250_000.0, 10.0, 5000.0, 8),
    )
    assert forecast_sentence(progress) == "À ce rythme : entre 290\u202f000 et 318\u202f000 au 31/12/2023."
