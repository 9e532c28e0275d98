"""A person without an account finds a workshop near home from the home page: types an ambiguous commune name,
picks theirs, sees the nearby places and opens one's booking page; on a 320 px phone, with and without
JavaScript. Chromium + axe-core (no serious or critical violation)."""

import pytest

from tests.e2e.conftest import describe, serious_violations
from tests.factories import CommuneFactory, DepartementFactory, SiteFactory
from tests.workshops.factories import ProgrammeFactory, SessionFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def places():
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor")
    d29 = DepartementFactory(code="29", name="Finistère")
    # Two communes named Plounévez: the person must choose.
    here = CommuneFactory(code_insee="22227", name="Plounévez-Moëdec", departement=d22, latitude=48.56, longitude=-3.45)
    CommuneFactory(code_insee="29210", name="Plounévez-Lochrist", departement=d29, latitude=48.62, longitude=-4.21)
    near = CommuneFactory(
        code_insee="22093", name="Belle-Isle-en-Terre", departement=d22, latitude=48.545, longitude=-3.395
    )
    site = SiteFactory(
        name="Espace numérique de Belle-Isle", commune=near, address="2 rue Crec'h Ugen", postcode="22810"
    )
    SessionFactory(site=site, programme=ProgrammeFactory(title="Mes premiers pas sur tablette"))
    return here, site


@pytest.mark.parametrize("javascript", [True, False], ids=["avec-js", "sans-js"])
def test_find_a_workshop_near_home_without_an_account(browser, live_server, places, javascript):
    _, site = places
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 320, "height": 640}, java_script_enabled=javascript
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/")
        assert page.locator("h1").inner_text() == "Ateliers numériques près de chez vous"
        if javascript:
            violations = serious_violations(page)
            assert not violations, describe(violations)
        page.get_by_label("Votre commune ou votre code postal").fill("plounevez")
        page.get_by_role("button", name="Chercher les ateliers").click()
        page.wait_for_load_state("load")
        assert "Plusieurs communes correspondent" in page.locator("main").inner_text()
        if javascript:
            violations = serious_violations(page)
            assert not violations, describe(violations)
        page.get_by_role("link", name="Plounévez-Moëdec (Côtes-d'Armor, 22)").click()
        page.wait_for_load_state("load")
        assert page.locator("h1").inner_text() == "Ateliers près de Plounévez-Moëdec"
        main = page.locator("main").inner_text()
        assert "Espace numérique de Belle-Isle" in main and "Mes premiers pas sur tablette" in main
        assert "km" in main and "2 rue Crec'h Ugen" in main
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, "la page déborde à 320 px"
        if javascript:
            violations = serious_violations(page)
            assert not violations, describe(violations)
        button = page.get_by_role("link", name="Voir les ateliers et s'inscrire — Espace numérique de Belle-Isle")
        assert button.bounding_box()["height"] >= 44  # a large target
        button.click()
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/ateliers/lieu/{site.pk}/")
        assert page.locator("h1").inner_text() == "S'inscrire à un atelier numérique"
        assert not errors, errors
    finally:
        context.close()
