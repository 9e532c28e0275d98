"""Counter agent at the tablet: one-minute screening of a walk-in, large targets, axe-core clean."""

import pytest

from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, CommuneFactory, DepartementFactory, RegionFactory, SiteFactory, UserFactory
from tremplin.diagnostics.models import Screening

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def counter_agent():
    region = RegionFactory(code="53", name="Bretagne")
    departement = DepartementFactory(code="22", name="Côtes-d'Armor", region=region)
    office = SiteFactory(
        name="LANNION PRINCIPAL", commune=CommuneFactory(code_insee="22113", name="Lannion", departement=departement)
    )
    return UserFactory(counter_agent=True, email="guichet@tremplin.test", sites=[office])


def test_counter_screening_on_a_tablet(browser, live_server, counter_agent):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1024, "height": 768}, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, counter_agent.email, PASSWORD)

    page.get_by_role("link", name="Repérage").first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Repérage au guichet"
    assert serious_violations(page) == [], describe(serious_violations(page))

    # Large targets: every answer's label is at least 44 px high (WCAG 2.5.5) and wide enough to tap.
    labels = page.locator(".tremplin-big-choice label")
    assert labels.count() == 8
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 100, box

    answers = {
        "Avez-vous utilisé Internet ces trois derniers mois ?": "Oui",
        "Avez-vous une adresse e-mail que vous consultez ?": "Non",
        "Êtes-vous gêné(e) pour faire vos démarches en ligne ?": "Non",
        "Avez-vous un smartphone, une tablette ou un ordinateur qui marche ?": "Oui",
    }
    for question, answer in answers.items():
        group = page.get_by_role("group", name=question)
        group.locator("label", has_text=answer).tap()
    page.get_by_role("button", name="Voir la suite à proposer").click()
    page.wait_for_load_state("load")

    assert page.locator("#resultat-reperage").inner_text().count("Proposer un atelier") == 1
    assert "Fragilité numérique repérée" in page.locator("#resultat-reperage").inner_text()
    assert serious_violations(page) == [], describe(serious_violations(page))
    screening = Screening.objects.get()
    assert (screening.next_step, screening.beneficiary, screening.performed_by) == ("atelier", None, counter_agent)

    # Record the person with their consent: the screening follows.
    page.get_by_role("link", name="Enregistrer la personne").click()
    page.wait_for_load_state("load")
    page.get_by_label("Pseudonyme").fill("Monsieur T.")
    page.get_by_text("La personne accepte l'enregistrement de ses informations").click()
    page.get_by_role("button", name="Créer la fiche").click()
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Monsieur T. (pseudonyme)"
    assert serious_violations(page) == [], describe(serious_violations(page))
    screening.refresh_from_db()
    assert screening.beneficiary.pseudonym == "Monsieur T."
    assert errors == []
    context.close()
