import pytest
from django.urls import reverse

from tests.factories import (
    CommuneFactory,
    DepartementFactory,
    QpvFactory,
    RegionFactory,
    SiteFactory,
    UserFactory,
)
from tremplin.network.enums import SiteKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    """Two départements in two régions: Loire (42) with 3 communes, Rhône (69) with 1."""
    aura = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    bourgogne = RegionFactory(code="27", name="Bourgogne-Franche-Comté")
    loire = DepartementFactory(code="42", name="Loire", region=aura)
    jura = DepartementFactory(code="39", name="Jura", region=bourgogne)
    st_etienne = CommuneFactory(
        code_insee="42218", name="Saint-Étienne", departement=loire, population=170000, density_level=1
    )
    village = CommuneFactory(code_insee="42001", name="Aboën", departement=loire, population=300, density_level=6)
    hameau = CommuneFactory(code_insee="42002", name="Ailleux", departement=loire, population=700, density_level=7)
    dole = CommuneFactory(code_insee="39198", name="Dole", departement=jura, population=23000, density_level=2)
    QpvFactory(code="QN04201M", name="Montreynaud", communes=[st_etienne])
    QpvFactory(code="QN03901M", name="Les Mesnils Pasteur", communes=[dole])
    bureau = SiteFactory(name="SAINT ETIENNE PRINCIPAL", commune=st_etienne)
    SiteFactory(name="AGENCE ABOEN", commune=village, kind=SiteKind.COMMUNAL_POSTAL_AGENCY)
    SiteFactory(name="RELAIS AILLEUX", commune=hameau, kind=SiteKind.POSTAL_RELAY)
    SiteFactory(name="FRANCE SERVICES SAINT-ETIENNE", commune=st_etienne, france_services=True)
    jura_bureau = SiteFactory(name="DOLE PRINCIPAL", commune=dole)
    return {"loire": loire, "jura": jura, "bureau": bureau, "jura_bureau": jura_bureau, "village": village}


def test_anonymous_home_offers_nearby_workshops_and_sign_in_but_no_figures(client):
    response = client.get(reverse("home:index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'action="{reverse("home:nearby")}"' in text and reverse("accounts:login") in text
    assert "overview" not in response.context


def test_national_manager_sees_every_departement_with_real_figures(client, territory):
    client.force_login(UserFactory(national=True))
    response = client.get(reverse("home:index"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.totals.commune_count == 4
    assert overview.totals.population == 170000 + 300 + 700 + 23000
    assert overview.totals.qpv_count == 2
    assert overview.totals.post_office_count == 2
    assert [d.code for d in overview.departements] == ["39", "42"]
    loire = overview.departements[1]
    assert loire.figures.commune_count == 3
    assert loire.figures.population == 171000
    assert loire.figures.rural_population == 1000
    assert loire.figures.qpv_count == 1
    assert loire.figures.post_office_count == 1
    assert round(loire.figures.rural_share, 1) == 0.6
    kinds = {item.kind: item.count for item in overview.site_kinds}
    assert kinds[SiteKind.POST_OFFICE] == 2
    assert kinds[SiteKind.COMMUNAL_POSTAL_AGENCY] == 1
    assert kinds[SiteKind.POSTAL_RELAY] == 1
    assert kinds[SiteKind.FRANCE_SERVICES] == 1
    assert kinds[SiteKind.INTERCOMMUNAL_POSTAL_AGENCY] == 0
    content = response.content.decode()
    assert "Loire" in content and "Jura" in content
    assert "Mes sites" not in content


def test_coordinator_sees_only_their_departement(client, territory):
    client.force_login(UserFactory(coordinator=True, departements=[territory["loire"]]))
    response = client.get(reverse("home:index"))
    overview = response.context["overview"]
    assert [d.code for d in overview.departements] == ["42"]
    assert overview.totals.commune_count == 3
    assert overview.totals.qpv_count == 1
    assert sum(item.count for item in overview.site_kinds) == 4
    content = response.content.decode()
    assert "Loire" in content
    assert "Jura" not in content
    assert "Mes sites" not in content


def test_mediator_sees_their_sites_on_home(client, territory):
    mediator = UserFactory(mediator=True, sites=[territory["bureau"]])
    client.force_login(mediator)
    response = client.get(reverse("home:index"))
    content = response.content.decode()
    assert "Mes sites" in content
    assert "SAINT ETIENNE PRINCIPAL" in content
    assert reverse("territory:commune", args=["42218"]) in content
    assert [site.pk for site in response.context["overview"].my_sites] == [territory["bureau"].pk]
    # Their site's département, not the others.
    assert [d.code for d in response.context["overview"].departements] == ["42"]
    assert "DOLE PRINCIPAL" not in content


def test_counter_agent_without_site_is_told_so(client, territory):
    client.force_login(UserFactory(counter_agent=True))
    response = client.get(reverse("home:index"))
    content = response.content.decode()
    assert "Mes sites" in content
    assert "Aucun site n’est rattaché à votre compte" in content
    assert response.context["overview"].departements == []


def test_home_query_count_does_not_grow_with_departements(client, django_assert_max_num_queries):
    region = RegionFactory(code="11", name="Île-de-France")
    departements = [DepartementFactory(code=f"{n:02d}", name=f"Dép {n}", region=region) for n in range(1, 31)]
    for departement in departements:
        commune = CommuneFactory(departement=departement, code_insee=f"{departement.code}001")
        SiteFactory(commune=commune)
        QpvFactory(communes=[commune])
    national = UserFactory(national=True)
    coordinator = UserFactory(coordinator=True, departements=departements)
    mediator = UserFactory(mediator=True, sites=list(SiteFactory._meta.model.objects.all()))
    for user in (national, coordinator, mediator):
        client.force_login(user)
        with django_assert_max_num_queries(10):
            response = client.get(reverse("home:index"))
        assert len(response.context["overview"].departements) == 30
