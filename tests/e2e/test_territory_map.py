"""Coordinator journey in a real browser: log in, home, département page with its Leaflet map; axe-core."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import (
    PASSWORD,
    CommuneFactory,
    DepartementFactory,
    QpvFactory,
    RegionFactory,
    SiteFactory,
    UserFactory,
)
from tremplin.network.enums import SiteKind

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SQUARE = [[[[4.37, 45.44], [4.40, 45.44], [4.40, 45.46], [4.37, 45.46], [4.37, 45.44]]]]


@pytest.fixture
def loire():
    region = RegionFactory(code="84", name="Auvergne-Rhône-Alpes")
    loire = DepartementFactory(code="42", name="Loire", region=region)
    other = DepartementFactory(code="69", name="Rhône", region=region)
    st_etienne = CommuneFactory(
        code_insee="42218",
        name="Saint-Étienne",
        departement=loire,
        population=170000,
        density_level=1,
        latitude=45.434,
        longitude=4.390,
        post_office_km=0.3,
    )
    roanne = CommuneFactory(
        code_insee="42187",
        name="Roanne",
        departement=loire,
        population=34000,
        density_level=2,
        latitude=46.036,
        longitude=4.068,
        post_office_km=0.5,
    )
    village = CommuneFactory(
        code_insee="42001",
        name="Aboën",
        departement=loire,
        population=300,
        density_level=6,
        latitude=45.41,
        longitude=4.14,
        post_office_km=6.3,
    )
    CommuneFactory(code_insee="69123", name="Lyon", departement=other, latitude=45.76, longitude=4.83)
    SiteFactory(name="SAINT ETIENNE PRINCIPAL", commune=st_etienne, address="8 avenue de la Libération")
    SiteFactory(name="ROANNE PRINCIPAL", commune=roanne)
    SiteFactory(name="AGENCE POSTALE ABOEN", commune=village, kind=SiteKind.COMMUNAL_POSTAL_AGENCY)
    SiteFactory(name="FRANCE SERVICES ROANNE", commune=roanne, france_services=True)
    QpvFactory(code="QN04201M", name="Montreynaud", communes=[st_etienne], latitude=45.45, longitude=4.41)
    QpvFactory(
        code="QN04202M", name="Quartier Sud-Est", communes=[st_etienne], contour=SQUARE, latitude=45.45, longitude=4.38
    )
    return loire


def test_coordinator_explores_their_departement(page, loire, live_server):
    coordinator = UserFactory(coordinator=True, departements=[loire], first_name="Dominique")

    log_in(page, coordinator.email, PASSWORD)
    assert page.url.rstrip("/") == live_server.url, f"pas de redirection vers l'accueil : {page.url}"
    assert page.locator("h1").inner_text().startswith("Bonjour Dominique")
    assert page.locator("main table tbody tr").count() == 1
    violations = serious_violations(page)
    assert not violations, "Accueil :\n" + describe(violations)

    page.locator("main table").get_by_role("link", name="Loire").click()
    page.wait_for_selector("#carte[data-map-ready]")
    assert page.locator("h1").inner_text() == "Loire (42)"
    markers = page.locator("#carte .leaflet-overlay-pane path.leaflet-interactive, #carte .leaflet-marker-icon")
    # 4 sites + 1 QPV centroid + 1 QPV outline (the commune circles have their own pane).
    assert markers.count() == 6
    assert page.locator("#carte .leaflet-communes-pane path.tremplin-commune").count() == 3
    rows = page.locator("main section:has(#communes-titre) table tbody tr")
    assert rows.count() == 3
    assert "Aboën" in rows.first.inner_text()

    violations = serious_violations(page)
    assert not violations, "Page département :\n" + describe(violations)

    # A popup gives the name, the type and the address of a post office.
    page.locator("#carte path.tremplin-marker--bureau").first.click()
    popup = page.locator("#carte .leaflet-popup-content")
    popup.wait_for()
    assert "Bureau de poste" in popup.inner_text()

    # Sorting by distance keeps the table usable without the map.
    page.goto("/territoires/departement/42/?tri=distance")
    assert "Aboën" in page.locator("main section:has(#communes-titre) table tbody tr").first.inner_text()

    # Another département is out of scope.
    response = page.goto("/territoires/departement/69/")
    assert response.status == 404
    # No script error on any page visited: our map code, Leaflet and the DSFR's own scripts.
    assert not page.js_errors, page.js_errors


def test_map_draws_the_real_outlines(page, loire, settings, shared_data):
    # Imported with the reference data; the server itself runs without TREMPLIN_DATA_DIR (gunicorn, runserver).
    call_command(
        "import_reference",
        data_dir=str(shared_data),
        only=["outlines_departements", "outlines_regions"],
        stdout=StringIO(),
    )
    settings.TREMPLIN_DATA_DIR = ""
    coordinator = UserFactory(coordinator=True, departements=[loire])
    log_in(page, coordinator.email, PASSWORD)
    page.goto("/territoires/departement/42/")
    page.wait_for_selector("#carte .leaflet-contours-pane path", state="attached")
    # 96 départements and 13 régions of metropolitan France, below the sites. The two layers arrive one after the
    # other: wait for both (Playwright retries) rather than count the first one alone on a busy machine.
    expect(page.locator("#carte .leaflet-contours-pane path")).to_have_count(96 + 13)
    assert page.locator("#carte path.tremplin-marker").count() == 5


def test_pages_say_when_outlines_are_missing(page, loire):
    coordinator = UserFactory(coordinator=True, departements=[loire])
    log_in(page, coordinator.email, PASSWORD)
    page.goto("/territoires/")
    alert = page.locator("main #contours-absents")
    assert "Contours des départements et des régions non importés : lancez python manage.py import_reference" in (
        alert.inner_text()
    )
    assert page.locator("#carte").count() == 0  # no blank map
    page.goto("/territoires/departement/42/")
    page.wait_for_selector("#carte[data-map-ready]")
    assert "non importés" in page.locator("main #contours-absents").inner_text()
    assert page.locator("#carte path.tremplin-marker").count() == 5  # the sites are still placed
    violations = serious_violations(page)
    assert not violations, "Page département sans contours :\n" + describe(violations)
    assert not page.js_errors, page.js_errors


def test_search_then_commune_page(page, loire):
    coordinator = UserFactory(coordinator=True, departements=[loire])
    log_in(page, coordinator.email, PASSWORD)
    page.goto("/recherche/")
    page.locator("main [name=q]").fill("st etienne")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    results = page.locator("main section:has(#resultats-communes) table tbody tr")
    assert results.count() == 1
    assert "Lyon" not in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, "Recherche :\n" + describe(violations)

    results.get_by_role("link", name="Saint-Étienne").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Saint-Étienne"
    assert "Montreynaud" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, "Page commune :\n" + describe(violations)
