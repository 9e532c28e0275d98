"""National dashboard in a real browser: charts, the choropleth (Leaflet from our static files), the measure toggle,
the filter form, a click on a département; axe-core finds no serious or critical violation. Then the public page."""

import datetime
import json

import pytest
from playwright.sync_api import expect

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD
from tremplin.activities.enums import Thematique
from tremplin.territories.enums import OutlineLevel
from tremplin.territories.models import MapOutline

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _square(code, name, lon, lat):
    ring = [[lon, lat], [lon + 1, lat], [lon + 1, lat + 1], [lon, lat + 1], [lon, lat]]
    return {
        "type": "Feature",
        "properties": {"code": code, "nom": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


@pytest.fixture
def world():
    world = make_world()
    collection = {
        "type": "FeatureCollection",
        "features": [_square("22", "Côtes-d'Armor", -3.5, 48.0), _square("29", "Finistère", -4.6, 48.0)],
    }
    MapOutline.objects.create(
        level=OutlineLevel.DEPARTEMENT, geojson=json.dumps(collection), sha256="e2e0000000000", feature_count=2
    )
    day = datetime.date.today() - datetime.timedelta(days=3)
    for index in range(6):
        ActivityFactory(
            organisation=world.la_poste,
            site=world.o1,
            mediator=world.users.mediator,
            date=day - datetime.timedelta(days=40 * index),
            themes=[Thematique.EMAIL] if index % 2 else [Thematique.SANTE],
            people=[BeneficiaryFactory(organisation=world.la_poste, site=world.o1)],
        )
    ActivityFactory(
        organisation=world.la_poste, site=world.o3, mediator=world.users.mediator, date=day, people=[world.people.at_o3]
    )
    return world


def _tile(page, key):
    return page.locator(f'[data-tile="{key}"] .tremplin-tile__value').inner_text()


def test_the_national_dashboard_renders_its_map_and_charts(page, world, live_server):
    log_in(page, world.users.national.email, PASSWORD)
    page.goto("/pilotage/")
    expect(page.locator("h1")).to_have_text("Tableau de bord national")
    page.wait_for_selector("#carte[data-map-ready=true]")
    assert page.locator("#carte").get_attribute("data-map-shapes") == "2"
    assert page.locator("#carte path.tremplin-departement--avec").count() == 2
    assert page.locator("svg.tremplin-chart").count() >= 10
    assert _tile(page, "personnes") == "7"
    assert _tile(page, "activites") == "7"

    violations = serious_violations(page)
    assert not violations, "Tableau de bord national :\n" + describe(violations)

    # The measure toggle swaps the legend.
    expect(page.locator('[data-legend="activites"]')).to_be_hidden()
    page.locator("label[for=mesure-activites]").click()  # the DSFR label covers its radio
    expect(page.locator('[data-legend="activites"]')).to_be_visible()
    expect(page.locator('[data-legend="personnes"]')).to_be_hidden()
    assert page.locator("#carte").get_attribute("data-measure") == "activites"

    # A table as text alternative of each chart, behind its accordion.
    page.get_by_role("button", name="Données du graphique « Activités par thématique » (tableau)").click()
    table = page.locator('table[data-table="thematiques"]')
    expect(table).to_be_visible()
    assert "Santé" in table.inner_text()

    # The filter form changes the figures.
    page.locator("main form select[name=theme]").select_option(Thematique.SANTE)
    page.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_load_state("load")
    assert "theme=sante" in page.url
    assert _tile(page, "activites") == "3"
    assert "Thématique : Santé" in page.locator("#filtres-appliques").inner_text()

    # A click on a département opens its dashboard (the filters kept).
    page.wait_for_selector("#carte[data-map-ready=true]")
    page.locator("#carte path.tremplin-departement--avec").first.click()
    page.wait_for_url("**/pilotage/departement/**")
    assert "theme=sante" in page.url
    expect(page.locator("h1")).to_contain_text("(")
    violations = serious_violations(page)
    assert not violations, "Tableau de bord d'un département :\n" + describe(violations)
    assert not page.js_errors, page.js_errors


def test_the_public_page_needs_no_login_and_passes_axe(page, world):
    page.goto("/statistiques/")
    expect(page.locator("h1")).to_have_text("Statistiques nationales de la médiation numérique")
    page.wait_for_selector("#carte[data-map-ready=true]")
    assert page.locator("#secret-statistique").is_visible()
    violations = serious_violations(page)
    assert not violations, "Statistiques publiques :\n" + describe(violations)
    assert not page.js_errors, page.js_errors
