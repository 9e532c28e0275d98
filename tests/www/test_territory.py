import json

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
from tremplin.territories import services
from tremplin.territories.enums import CommuneKind, FormerCommuneKind
from tremplin.territories.models import Epci, FormerCommune, MapOutline

pytestmark = pytest.mark.django_db

SQUARE = [[[[4.3, 45.4], [4.4, 45.4], [4.4, 45.5], [4.3, 45.4]]]]


@pytest.fixture
def territory():
    aura = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    bourgogne = RegionFactory(code="27", name="Bourgogne-Franche-Comté")
    loire = DepartementFactory(code="42", name="Loire", region=aura)
    rhone = DepartementFactory(code="69", name="Rhône", region=aura)
    jura = DepartementFactory(code="39", name="Jura", region=bourgogne)
    epci = Epci.objects.create(code="244200770", name="Saint-Étienne Métropole", kind="METRO")
    st_etienne = CommuneFactory(
        code_insee="42218",
        name="Saint-Étienne",
        departement=loire,
        epci=epci,
        population=170000,
        density_level=1,
        postcodes="42000 42100",
        latitude=45.43,
        longitude=4.39,
        post_office_km=0.4,
    )
    village = CommuneFactory(
        code_insee="42001",
        name="Aboën",
        departement=loire,
        population=300,
        density_level=6,
        latitude=45.41,
        longitude=4.14,
        post_office_km=6.27,
    )
    CommuneFactory(
        code_insee="42002",
        name="Ailleux",
        departement=loire,
        population=700,
        density_level=7,
        latitude=45.79,
        longitude=3.94,
    )
    lyon = CommuneFactory(code_insee="69123", name="Lyon", departement=rhone, population=520000, density_level=1)
    dole = CommuneFactory(code_insee="39198", name="Dole", departement=jura, population=23000, density_level=2)
    FormerCommune.objects.create(
        code_insee="42999", name="Terrenoire", kind=FormerCommuneKind.MERGED, commune=st_etienne
    )
    montreynaud = QpvFactory(code="QN04201M", name="Montreynaud", communes=[st_etienne], latitude=45.45, longitude=4.41)
    QpvFactory(
        code="QN04202M", name="Quartier Sud-Est", communes=[st_etienne], contour=SQUARE, latitude=45.42, longitude=4.4
    )
    QpvFactory(code="QN03901M", name="Les Mesnils Pasteur", communes=[dole])
    bureau = SiteFactory(name="SAINT ETIENNE PRINCIPAL", commune=st_etienne, address="8 avenue de la Libération")
    SiteFactory(name="AGENCE ABOEN", commune=village, kind=SiteKind.COMMUNAL_POSTAL_AGENCY)
    SiteFactory(name="FRANCE SERVICES SAINT-ETIENNE", commune=st_etienne, france_services=True)
    SiteFactory(name="LYON PRINCIPAL", commune=lyon)
    SiteFactory(name="DOLE PRINCIPAL", commune=dole)
    return {
        "loire": loire,
        "rhone": rhone,
        "jura": jura,
        "st_etienne": st_etienne,
        "village": village,
        "bureau": bureau,
        "montreynaud": montreynaud,
    }


@pytest.fixture
def coordinator(territory):
    return UserFactory(coordinator=True, departements=[territory["loire"]])


# France and régions ------------------------------------------------------------------------------


def test_explorer_requires_login(client, territory):
    for url in (
        reverse("territory:france"),
        reverse("territory:departement", args=["42"]),
        reverse("territory:commune", args=["42218"]),
        reverse("territory:contours", args=["departements"]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url


def test_france_lists_regions_with_figures(client, territory):
    client.force_login(UserFactory(national=True))
    response = client.get(reverse("territory:france"))
    regions = {region.code: region for region in response.context["regions"]}
    assert set(regions) == {"84", "27"}
    aura = regions["84"].figures
    assert (aura.departement_count, aura.commune_count, aura.population) == (2, 4, 691000)
    assert (aura.qpv_count, aura.post_office_count) == (2, 2)
    assert response.context["totals"].departement_count == 3
    assert reverse("territory:region", args=["84"]) in response.content.decode()


def test_coordinator_sees_only_their_region(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("territory:france"))
    assert [region.code for region in response.context["regions"]] == ["84"]
    # The région's figures are the whole région's; the départements the coordinator can open are counted apart.
    region = response.context["regions"][0]
    assert (region.figures.departement_count, region.visible_departement_count) == (2, 1)
    assert region.figures.population == 691000
    assert "2 (dont 1 que vous pouvez consulter)" in response.content.decode()


def test_region_lists_only_visible_departements(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("territory:region", args=["84"]))
    assert response.status_code == 200
    assert [d.code for d in response.context["departements"]] == ["42"]
    assert reverse("territory:departement", args=["69"]) not in response.content.decode()
    assert client.get(reverse("territory:region", args=["27"])).status_code == 404


# Département -------------------------------------------------------------------------------------


def test_departement_page_shows_figures_map_and_communes(client, territory, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("territory:departement", args=["42"]))
    assert response.status_code == 200
    content = response.content.decode()
    figures = response.context["figures"]
    assert (figures.commune_count, figures.population, figures.qpv_count, figures.post_office_count) == (
        3,
        171000,
        2,
        1,
    )
    assert [c.name for c in response.context["communes"]] == ["Aboën", "Ailleux", "Saint-Étienne"]
    st_etienne = response.context["communes"][2]
    assert st_etienne.qpv_count == 2
    # Distance with one decimal (French format), density label, rural yes/no.
    assert "6,3" in content and "0,4" in content
    assert "Rural à habitat dispersé" in content
    assert "Grand centre urbain" in content
    # Map: Leaflet from our static files, data as JSON, an accessible alternative.
    assert "/static/vendor/leaflet/leaflet.js" in content
    assert "/static/tremplin/map.js" in content
    assert "unpkg" not in content and "cdn" not in content.lower()
    assert 'role="region"' in content and "alternative textuelle" in content
    data = response.context["map_data"]
    assert data["departement"] == "42"
    categories = sorted(f["properties"]["category"] for f in data["sites"]["features"])
    assert categories == ["autre", "bureau", "postal"]
    bureau = next(f for f in data["sites"]["features"] if f["properties"]["category"] == "bureau")
    assert bureau["properties"]["name"] == "SAINT ETIENNE PRINCIPAL"
    assert bureau["properties"]["kind"] == "Bureau de poste"
    assert "8 avenue de la Libération" in bureau["properties"]["address"]
    geometries = sorted(f["geometry"]["type"] for f in data["qpvs"]["features"])
    assert geometries == ["MultiPolygon", "Point"]
    assert data["bounds"] == [[45.41, 3.94], [45.79, 4.41]]
    assert data["contours"]["departements"] == reverse("territory:contours", args=["departements"])
    embedded = content.split('id="carte-donnees" type="application/json">')[1].split("</script>")[0]
    assert json.loads(embedded)["departement"] == "42"


def test_coordinator_gets_404_on_another_departement(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("territory:departement", args=["69"])).status_code == 404
    assert client.get(reverse("territory:departement", args=["39"])).status_code == 404
    assert client.get(reverse("territory:departement", args=["00"])).status_code == 404


def test_mediator_sees_their_departement_and_only_their_sites(client, territory):
    client.force_login(UserFactory(mediator=True, sites=[territory["bureau"]]))
    response = client.get(reverse("territory:departement", args=["42"]))
    assert response.status_code == 200
    names = [f["properties"]["name"] for f in response.context["map_data"]["sites"]["features"]]
    assert names == ["SAINT ETIENNE PRINCIPAL"]
    assert client.get(reverse("territory:departement", args=["39"])).status_code == 404


@pytest.mark.parametrize(
    ("tri", "expected"),
    [
        ("nom", ["Aboën", "Ailleux", "Saint-Étienne"]),
        ("-nom", ["Saint-Étienne", "Ailleux", "Aboën"]),
        ("population", ["Saint-Étienne", "Ailleux", "Aboën"]),
        ("-population", ["Aboën", "Ailleux", "Saint-Étienne"]),
        ("distance", ["Aboën", "Saint-Étienne", "Ailleux"]),  # unknown distance last
        ("-distance", ["Saint-Étienne", "Aboën", "Ailleux"]),
        ("n'importe quoi", ["Aboën", "Ailleux", "Saint-Étienne"]),
    ],
)
def test_communes_table_sorts(client, coordinator, tri, expected):
    client.force_login(coordinator)
    response = client.get(reverse("territory:departement", args=["42"]), {"tri": tri})
    assert [c.name for c in response.context["communes"]] == expected


def test_departement_page_excludes_municipal_districts(client, territory, coordinator):
    CommuneFactory(
        code_insee="42299",
        name="Arrondissement fictif",
        kind=CommuneKind.MUNICIPAL_DISTRICT,
        departement=territory["loire"],
        parent=territory["st_etienne"],
    )
    client.force_login(coordinator)
    response = client.get(reverse("territory:departement", args=["42"]))
    assert "Arrondissement fictif" not in [c.name for c in response.context["communes"]]
    assert response.context["figures"].commune_count == 3


def test_departement_page_query_count_does_not_grow_with_communes(
    client, coordinator, territory, django_assert_max_num_queries
):
    for n in range(300):
        commune = CommuneFactory(code_insee=f"42{300 + n}", name=f"Village {n}", departement=territory["loire"])
        if n % 10 == 0:
            SiteFactory(commune=commune, kind=SiteKind.POSTAL_RELAY)
            QpvFactory(communes=[commune])
    client.force_login(coordinator)
    # + 2 for the fragility section (indicators, the département's AreaFragility rows), + 1 for the sites of the
    # département by kind, + 1 for the imported map outlines.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("territory:departement", args=["42"]), {"tri": "distance"})
    assert len(response.context["communes"]) == 303
    assert len(response.context["map_data"]["sites"]["features"]) == 33


# Commune -----------------------------------------------------------------------------------------


def test_commune_page(client, territory, coordinator, django_assert_max_num_queries):
    for n in range(5):  # enough sites to reveal a query per row
        SiteFactory(name=f"RELAIS {n}", commune=territory["st_etienne"], kind=SiteKind.POSTAL_RELAY)
    client.force_login(coordinator)
    with django_assert_max_num_queries(11):  # + 1: the sites of the commune by kind, whoever looks
        response = client.get(reverse("territory:commune", args=["42218"]))
    assert response.status_code == 200
    content = response.content.decode()
    for expected in (
        "Saint-Étienne",
        "42000",
        "42100",
        "Saint-Étienne Métropole",
        "Montreynaud",
        "Quartier Sud-Est",
        "SAINT ETIENNE PRINCIPAL",
        "FRANCE SERVICES SAINT-ETIENNE",
        "Terrenoire",
        "0,4 km",
        "Grand centre urbain",
    ):
        assert expected in content, expected
    assert "AGENCE ABOEN" not in content
    breadcrumb = response.context["breadcrumb"]
    assert [label for label, _ in breadcrumb] == [
        "Accueil",
        "Territoires",
        "Auvergne-Rhône-Alpes",
        "Loire",
        "Saint-Étienne",
    ]


def test_commune_outside_scope_is_404(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("territory:commune", args=["69123"])).status_code == 404
    assert client.get(reverse("territory:commune", args=["99999"])).status_code == 404


def test_partner_sees_communes_of_their_sites_departement(client, territory):
    partner = UserFactory(partner=True)
    SiteFactory(
        name="MAISON DES ASSOCIATIONS",
        commune=territory["village"],
        partner_place=True,
        organisation=partner.organisation,
    )
    client.force_login(partner)
    assert client.get(reverse("territory:commune", args=["42218"])).status_code == 200
    assert client.get(reverse("territory:commune", args=["39198"])).status_code == 404


# Figures of a territory, whoever looks ------------------------------------------------------------


def test_departement_figures_are_the_territorys_whoever_looks(client, territory):
    """The same Loire shows the same counts to every viewer; a viewer's own sites are labelled as theirs."""
    SiteFactory(name="ABOEN PRINCIPAL", commune=territory["village"])  # a second post office in the Loire
    viewers = {
        "coordinator": UserFactory(coordinator=True, departements=[territory["loire"]]),
        "mediator": UserFactory(mediator=True, sites=[territory["bureau"]]),
        "counter_agent": UserFactory(counter_agent=True, sites=[territory["bureau"]]),
        "national": UserFactory(national=True),
    }
    for role, user in viewers.items():
        client.force_login(user)
        response = client.get(reverse("territory:departement", args=["42"]))
        figures = response.context["figures"]
        assert (figures.commune_count, figures.population, figures.qpv_count) == (3, 171000, 2), role
        assert (figures.post_office_count, figures.france_services_count) == (2, 1), role
        sites = response.context["territory_sites"]
        assert sites.count == 4, role
        content = " ".join(response.content.decode().split())
        if role in ("mediator", "counter_agent"):
            assert (figures.own_post_office_count, sites.own) == (1, 1), role
            assert "bureaux de poste (dont vos sites : 1)" in content, role
            assert "Bureau de poste : 2 (dont vos sites : 1)" in content, role
            assert "votre site (le département en compte 4 : seuls les vôtres sont placés sur la carte" in content, role
        else:
            assert figures.own_post_office_count is None and sites.own is None, role
            assert "dont vos sites" not in content, role
            assert "les 4 sites" in content, role

        commune = client.get(reverse("territory:commune", args=["42218"]))
        assert commune.context["territory_sites"].count == 2, role  # the post office and France services
        commune_text = " ".join(commune.content.decode().split())
        if role in ("mediator", "counter_agent"):
            assert "sites dans la commune (dont vos sites : 1)" in commune_text, role
            assert "FRANCE SERVICES SAINT-ETIENNE" not in commune_text, role  # listed: only their own


def test_region_figures_are_the_whole_regions_for_a_coordinator(client, coordinator):
    client.force_login(coordinator)
    response = client.get(reverse("territory:region", args=["84"]))
    figures = response.context["figures"]
    # Loire + Rhône, although the coordinator only opens the Loire.
    assert (figures.departement_count, figures.commune_count, figures.population) == (2, 4, 691000)
    assert figures.post_office_count == 2
    assert [d.code for d in response.context["departements"]] == ["42"]


# Contours ----------------------------------------------------------------------------------------

REGION_SQUARE = [[[4.0, 45.0], [5.0, 45.0], [5.0, 46.0], [4.0, 45.0]]]


def _outlines_file(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _feature(code, name, ring):
    return {
        "type": "Feature",
        "properties": {"code": code, "nom": name},
        "geometry": {"type": "Polygon", "coordinates": ring},
    }


@pytest.fixture
def imported_outlines(tmp_path):
    services.departement_outlines_import(
        path=_outlines_file(tmp_path / "departements.geojson", [_feature("42", "Loire", SQUARE[0])])
    )
    services.region_outlines_import(
        path=_outlines_file(tmp_path / "regions.geojson", [_feature("84", "Auvergne-Rhône-Alpes", REGION_SQUARE)])
    )


def test_contours_are_served_from_the_database_without_data_dir(client, settings, territory, imported_outlines):
    """A server started without TREMPLIN_DATA_DIR (gunicorn, runserver) still draws the imported outlines."""
    settings.TREMPLIN_DATA_DIR = ""
    client.force_login(UserFactory(national=True))
    response = client.get(reverse("territory:contours", args=["departements"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert [f["properties"] for f in data["features"]] == [{"code": "42", "nom": "Loire"}]
    regions = json.loads(client.get(reverse("territory:contours", args=["regions"])).content)
    assert [f["properties"]["code"] for f in regions["features"]] == ["84"]
    # The pages link to versioned outlines and draw the map, with no warning.
    for url in (reverse("territory:france"), reverse("territory:departement", args=["42"])):
        page = client.get(url)
        content = page.content.decode()
        assert "non importés" not in content, url
        assert 'data-map="carte-donnees"' in content, url
        embedded = json.loads(content.split('id="carte-donnees" type="application/json">')[1].split("</script>")[0])
        version = MapOutline.objects.get(level="departements").sha256[:12]
        assert (
            embedded["contours"]["departements"]
            == reverse("territory:contours", args=["departements"]) + f"?v={version}"
        )


def test_pages_say_when_outlines_are_not_imported(client, settings, territory, tmp_path):
    """No blank map with no word: the page says the outlines are missing and how to import them."""
    geo = tmp_path / "geo"
    geo.mkdir()
    _outlines_file(geo / "departements-version-simplifiee.geojson", [_feature("42", "Loire", SQUARE[0])])
    settings.TREMPLIN_DATA_DIR = str(tmp_path)  # files present but not imported: never read at request time
    client.force_login(UserFactory(national=True))
    data = json.loads(client.get(reverse("territory:contours", args=["departements"])).content)
    assert data == {"type": "FeatureCollection", "features": []}
    message = (
        "Contours des départements et des régions non importés : lancez <code>python manage.py import_reference</code>"
    )
    france = client.get(reverse("territory:france")).content.decode()
    assert message in france and "fr-alert" in france
    assert 'data-map="carte-donnees"' not in france  # no blank map
    region = client.get(reverse("territory:region", args=["84"])).content.decode()
    assert message in region and 'data-map="carte-donnees"' not in region
    departement = client.get(reverse("territory:departement", args=["42"])).content.decode()
    assert message in departement
    assert 'data-map="carte-donnees"' in departement  # its sites and communes are still placed

    services.departement_outlines_import(path=geo / "departements-version-simplifiee.geojson")
    france = client.get(reverse("territory:france")).content.decode()
    assert "Contours des régions non importés : lancez <code>python manage.py import_reference</code>" in france
    assert 'data-map="carte-donnees"' in france


def test_unknown_contours_are_404(client):
    client.force_login(UserFactory(national=True))
    assert client.get("/territoires/contours/communes.geojson").status_code == 404


def test_real_contours(client, settings, shared_data):
    services.departement_outlines_import(path=shared_data / "geo" / "departements-version-simplifiee.geojson")
    settings.TREMPLIN_DATA_DIR = ""
    client.force_login(UserFactory(national=True))
    data = json.loads(client.get(reverse("territory:contours", args=["departements"])).content)
    assert len(data["features"]) == 96
    assert {"code": "42", "nom": "Loire"} in [f["properties"] for f in data["features"]]
