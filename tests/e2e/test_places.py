"""Someone looks for help near home: the public directory search, list and map, then a place's page; axe-core
clean on both, and the list sorted by distance."""

import datetime

import pytest

from tests.e2e.conftest import describe, serious_violations
from tests.factories import CommuneFactory, DepartementFactory, SiteFactory
from tremplin.places.models import Place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def place(name, commune, dlat, hours="Mo-Fr 09:00-12:00,14:00-17:00"):
    return Place.objects.create(
        external_id=f"e2e-{name}", pivot="43493312300029", name=name, address="1 place de la Mairie",
        postcode="22300", city=commune.name, code_insee=commune.code_insee, commune=commune,
        latitude=commune.latitude + dlat, longitude=commune.longitude, hours=hours,
        hours_valid=hours != "lundi matin", source_updated_on=datetime.date(2026, 11, 2),
        services=["Aide aux démarches administratives", "Maîtrise des outils numériques du quotidien"],
    )  # fmt: skip


def test_public_search_lists_nearest_first_and_opens_a_place(page):
    commune = CommuneFactory(
        code_insee="22113", name="Lannion", postcodes="22300", latitude=48.73, longitude=-3.46,
        departement=DepartementFactory(code="22", name="Côtes-d'Armor"),
    )  # fmt: skip
    place("Maison des services", commune, 0.05)
    place("Médiathèque", commune, 0.01)
    place("Association du port", commune, 0.03, hours="lundi matin")
    SiteFactory(name="LANNION PRINCIPAL", commune=commune, latitude=48.731, longitude=-3.46)

    page.goto("/lieux/")
    check = serious_violations(page)
    assert check == [], describe(check)
    page.get_by_label("Commune").fill("Lannion")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")
    titles = page.locator("main .fr-card__title").all_inner_texts()
    assert titles[:4] == ["LANNION PRINCIPAL", "Médiathèque", "Association du port", "Maison des services"]
    assert "horaires à vérifier" in page.locator("main").inner_text().lower()
    check = serious_violations(page)
    assert check == [], describe(check)
    page.get_by_role("link", name="Médiathèque").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Médiathèque"
    assert "Mise à jour le" in page.locator("main").inner_text()
    check = serious_violations(page)
    assert check == [], describe(check)
    assert page.js_errors == []
