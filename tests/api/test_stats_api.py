"""GET /api/v1/stats/summary: the dashboard's figures for the key's user, the page's filters, French errors."""

import datetime
from types import SimpleNamespace

import pytest

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, DepartementFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.accounts.enums import Role
from tremplin.accounts.tokens import api_token_create
from tremplin.activities.enums import Kind, Thematique
from tremplin.api.stats import summary_out
from tremplin.reporting import stats
from tremplin.reporting.filters import StatsFilters

pytestmark = pytest.mark.django_db
YEAR = {"from": "2023-01-01", "to": "2023-12-31"}
HOSTILE = ("Zébulon-Secretissime", "zebulon.secret@exemple.fr", "0699887766")


@pytest.fixture
def world():
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor")
    d29 = DepartementFactory(code="29", name="Finistère")
    site22 = SiteFactory(name="BUREAU LANNION", commune=CommuneFactory(departement=d22))
    site29 = SiteFactory(name="BUREAU BREST", commune=CommuneFactory(departement=d29))
    poste = OrganisationFactory(la_poste=True)
    mediator = UserFactory(mediator=True, organisation=poste, sites=[site22])
    person = BeneficiaryFactory(last_name=HOSTILE[0], email=HOSTILE[1], mobile_phone=HOSTILE[2], site=site22)
    other = BeneficiaryFactory(site=site29)
    day = datetime.date(2023, 4, 3)
    # The same person twice in the Côtes-d'Armor (counts once), someone anonymous, a screening (not a person).
    ActivityFactory(organisation=poste, mediator=mediator, site=site22, date=day, people=[person])
    ActivityFactory(
        organisation=poste,
        mediator=mediator,
        site=site22,
        date=day,
        people=[person],
        themes=[Thematique.BANQUE_ET_ACHATS_EN_LIGNE],
    )
    ActivityFactory(organisation=poste, mediator=mediator, site=site22, date=day, anonymous_count=2)
    ActivityFactory(organisation=poste, mediator=mediator, site=site22, date=day, kind=Kind.SCREENING)
    ActivityFactory(organisation=poste, site=site29, date=day, people=[other])
    ActivityFactory(organisation=poste, site=site29, date=datetime.date(2022, 12, 31), people=[other])
    return SimpleNamespace(
        d22=d22,
        site22=site22,
        poste=poste,
        mediator=mediator,
        coordinator=UserFactory(coordinator=True, organisation=poste, departements=[d22]),
        national=UserFactory(national=True),
    )


def call(client, user=None, key=None, **params):
    if user is not None:
        _, key = api_token_create(user=user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return client.get("/api/v1/stats/summary", params, **headers)


def test_summary_answers_the_figures_of_the_statistics_for_the_filters(client, world):
    answer = call(client, world.national, departement="22", **YEAR)
    assert answer.status_code == 200
    data = answer.json()
    assert data["unique_beneficiaries"] == 1  # one person, twice
    assert data["anonymous_accompaniments"] == 2  # side by side, not added
    assert data["activities"] == 4
    assert data["accompaniments"] == 3
    assert data["by_type"]["individuel"] == 3 and data["by_type"]["reperage"] == 1
    assert data["by_theme"]["banque_et_achats_en_ligne"] == 1
    assert data["by_departement"] == {"22": {"personnes_identifiees": 1, "activites": 4}}
    assert data["filters"] == {"from": "2023-01-01", "to": "2023-12-31", "departement": "22"}
    assert data["trend"][3] == {"mois": "2023-04-01", "personnes_identifiees": 1, "activites": 4}
    assert data["top_sites"] == [{"id": world.site22.pk, "nom": "BUREAU LANNION", "activites": 4}]
    assert "comptées à chaque venue" in data["method"]
    filters = StatsFilters.from_params({"departement": "22", **YEAR})[0]
    assert data == summary_out(world.national, filters)
    expected = stats.summary(world.national, filters)
    assert data["by_channel"] == expected.by_channel and data["by_age_band"] == expected.by_age_band
    text = answer.content.decode()
    assert not [secret for secret in HOSTILE if secret in text]


@pytest.mark.parametrize("role", ["national", "coordinator", "mediator"])
def test_each_key_gets_the_figures_of_its_own_scope(client, world, role):
    user = getattr(world, role)
    data = call(client, user, **YEAR).json()
    expected = stats.summary(user, StatsFilters.from_params(YEAR)[0])
    assert data["unique_beneficiaries"] == expected.unique_beneficiaries
    assert data["activities"] == expected.activities
    assert data["by_type"] == expected.by_type
    assert data["by_theme"] == expected.by_theme
    national = role == "national"
    assert data["unique_beneficiaries"] == (2 if national else 1)
    assert set(data["by_departement"]) == ({"22", "29"} if national else {"22"})


def test_without_a_key_the_answer_is_401(client, world):
    answer = call(client, departement="22")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Clé d'API manquante, invalide ou révoquée."}


def test_filters_outside_the_scope_answer_403_with_the_reason(client, world):
    answer = call(client, world.coordinator, departement="29")
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Ce département n'est pas l'un de ceux que vous coordonnez."}
    answer = call(client, world.mediator, mediateur=str(world.national.pk))
    assert answer.status_code == 403
    assert answer.json() == {"detail": "Vous ne voyez que vos propres statistiques."}
    nobody = UserFactory(role=Role.PARTNER_STAFF, organisation=None)  # a partner of no structure: no statistics
    assert call(client, nobody).json() == {"detail": "Votre rôle ne donne pas accès aux statistiques."}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2023-13-01"}, "from", "Date illisible : « 2023-13-01 » (attendu : AAAA-MM-JJ)."),
        ({"to": "31/12/2023"}, "to", "Date illisible : « 31/12/2023 » (attendu : AAAA-MM-JJ)."),
        ({"from": "2024-01-01", "to": "2023-01-01"}, "to", "La fin de la période est avant son début."),
        ({"site": "douze"}, "site", "Identifiant illisible : « douze »."),
        ({"theme": "astrologie"}, "theme", "Thématique inconnue : « astrologie »."),
        ({"type": "sieste"}, "type", "Type d'activité inconnu : « sieste »."),
        ({"departement": "Bretagne"}, "departement", "Code de département illisible : « Bretagne »."),
    ],
)
def test_unreadable_parameters_answer_422_in_french(client, world, params, field, message):
    answer = call(client, world.national, **params)
    assert answer.status_code == 422
    assert answer.json() == {"detail": "Paramètres invalides.", "errors": {field: [message]}}


def test_the_other_filters_of_the_page_apply(client, world):
    assert call(client, world.national, type="reperage", **YEAR).json()["activities"] == 1
    assert call(client, world.national, theme="banque_et_achats_en_ligne", **YEAR).json()["activities"] == 1
    assert call(client, world.national, site=str(world.site22.pk), **YEAR).json()["activities"] == 4
    assert call(client, world.national, mediateur=str(world.mediator.pk)).json()["activities"] == 4
    assert call(client, world.national, organisation=str(world.poste.pk)).json()["activities"] == 6


def test_summary_query_count_does_not_grow_with_the_data(client, world, settings, django_assert_max_num_queries):
    settings.TREMPLIN_API_RATE = ""  # the rate limit's cache costs the same whatever the data (test_rate_limits.py)
    _, key = api_token_create(user=world.coordinator)
    with django_assert_max_num_queries(9):  # with the key's first use stamped
        assert call(client, key=key, **YEAR).status_code == 200
    for _ in range(20):
        ActivityFactory(organisation=world.poste, site=world.site22, date=datetime.date(2023, 5, 5))
    with django_assert_max_num_queries(8):
        assert call(client, key=key, **YEAR).json()["activities"] == 24


def test_the_summary_is_documented_in_the_openapi_document(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/stats/summary"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names >= {"from", "to", "departement", "organisation", "site", "mediateur", "equipe", "theme", "type"}
    properties = schema["components"]["schemas"]["SummaryOut"]["properties"]
    assert {"unique_beneficiaries", "anonymous_accompaniments", "activities", "by_type", "by_theme"} <= set(properties)
    assert {"200", "401", "403", "422", "429"} <= set(operation["responses"])
