import pytest
from django.urls import reverse

from tests.factories import CommuneFactory, DepartementFactory, RegionFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    region = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    loire = DepartementFactory(code="42", name="Loire", region=region)
    rhone = DepartementFactory(code="69", name="Rhône", region=region)
    st_etienne = CommuneFactory(
        code_insee="42218", name="Saint-Étienne", departement=loire, population=170000, postcodes="42000 42100"
    )
    CommuneFactory(
        code_insee="42207", name="Saint-Étienne-le-Molard", departement=loire, population=900, postcodes="42130"
    )
    CommuneFactory(
        code_insee="69204", name="Saint-Étienne-des-Oullières", departement=rhone, population=600, postcodes="69460"
    )
    SiteFactory(name="SAINT ETIENNE PRINCIPAL", commune=st_etienne)
    SiteFactory(name="Saint-Étienne Bellevue", commune=st_etienne, france_services=True)
    return {"loire": loire, "rhone": rhone}


def search(client, text):
    response = client.get(reverse("search:index"), {"q": text})
    assert response.status_code == 200
    return response


def names(response, key="communes"):
    return [obj.name for obj in response.context["results"][key]]


def test_search_requires_login(client):
    assert client.get(reverse("search:index"), {"q": "lyon"}).status_code == 302


def test_search_page_without_query_shows_the_search_bar(client):
    client.force_login(UserFactory(national=True))
    response = search(client, "")
    assert response.context["results"] is None
    assert 'class="fr-search-bar' in response.content.decode()


def test_commune_by_name_without_accents_nor_case(client, territory):
    client.force_login(UserFactory(national=True))
    response = search(client, "st etienne")
    # Most populated first, every département for a national user.
    assert names(response) == ["Saint-Étienne", "Saint-Étienne-le-Molard", "Saint-Étienne-des-Oullières"]
    assert response.context["results"]["commune_count"] == 3
    assert names(search(client, "SAINT-ETIENNE-LE")) == ["Saint-Étienne-le-Molard"]


def test_commune_by_postcode_and_insee_code(client, territory):
    client.force_login(UserFactory(national=True))
    assert names(search(client, "42100")) == ["Saint-Étienne"]
    assert names(search(client, "42207")) == ["Saint-Étienne-le-Molard"]
    assert names(search(client, "69460")) == ["Saint-Étienne-des-Oullières"]


def test_search_is_scoped_by_role(client, territory):
    client.force_login(UserFactory(coordinator=True, departements=[territory["loire"]]))
    response = search(client, "saint etienne")
    assert "Saint-Étienne-des-Oullières" not in names(response)
    assert response.context["results"]["commune_count"] == 2
    assert search(client, "69460").context["results"]["commune_count"] == 0

    client.force_login(UserFactory(coordinator=True, departements=[territory["rhone"]]))
    response = search(client, "etienne")
    assert names(response) == ["Saint-Étienne-des-Oullières"]
    assert response.context["results"]["site_count"] == 0
    assert "SAINT ETIENNE PRINCIPAL" not in response.content.decode()


def test_sites_by_name(client, territory):
    client.force_login(UserFactory(national=True))
    response = search(client, "saint")
    assert sorted(names(response, "sites")) == ["SAINT ETIENNE PRINCIPAL", "Saint-Étienne Bellevue"]
    assert names(search(client, "bellevue"), "sites") == ["Saint-Étienne Bellevue"]
    content = search(client, "principal").content.decode()
    assert "SAINT ETIENNE PRINCIPAL" in content
    assert reverse("territory:commune", args=["42218"]) in content


def test_mediator_finds_only_their_sites(client, territory):
    mine = SiteFactory(name="SAINT ETIENNE TARENTAIZE", commune__code_insee="42218")
    client.force_login(UserFactory(mediator=True, sites=[mine]))
    response = search(client, "saint etienne")
    assert names(response, "sites") == ["SAINT ETIENNE TARENTAIZE"]
    assert "Saint-Étienne" in names(response)  # communes of their département


def test_results_are_limited_with_a_count(client, django_assert_max_num_queries):
    departement = DepartementFactory(code="42", name="Loire", region=RegionFactory(code="84"))
    for n in range(60):
        commune = CommuneFactory(code_insee=f"42{n:03d}", name=f"Village {n}", departement=departement)
        SiteFactory(name=f"Village bureau {n}", commune=commune)
    client.force_login(UserFactory(national=True))
    with django_assert_max_num_queries(8):
        response = search(client, "village")
    results = response.context["results"]
    assert (results["commune_count"], len(results["communes"])) == (60, 50)
    assert (results["site_count"], len(results["sites"])) == (60, 50)
    assert "précisez votre recherche" in response.content.decode()


def test_too_short_query(client):
    client.force_login(UserFactory(national=True))
    response = search(client, "a")
    assert response.context["results"] is None
    assert "au moins 2 caractères" in response.content.decode()
