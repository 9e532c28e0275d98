"""Mediator runs a full diagnostic in the browser, reads the result, downloads the summary; axe-core clean."""

import re

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, CommuneFactory, DepartementFactory, RegionFactory, SiteFactory, UserFactory
from tests.workshops.factories import SessionFactory
from tremplin.diagnostics.models import Diagnostic
from tremplin.workshops.services import seed_catalogue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setting():
    region = RegionFactory(code="53", name="Bretagne")
    departement = DepartementFactory(code="22", name="Côtes-d'Armor", region=region)
    office = SiteFactory(
        name="LANNION PRINCIPAL", commune=CommuneFactory(code_insee="22113", name="Lannion", departement=departement)
    )
    mediator = UserFactory(mediator=True, email="mediateur@tremplin.test", sites=[office])
    person = BeneficiaryFactory(
        organisation=mediator.organisation, site=office, first_name="Josiane", last_name="Le Bihan"
    )
    return mediator, person


def test_full_diagnostic_then_reassessment(page, setting):
    mediator, person = setting
    programmes = {programme.seed_key: programme for programme in seed_catalogue()}
    procedures = SessionFactory(
        programme=programmes["demarches-debutant"], site=mediator.sites.get(), mediator=mediator
    )
    DiagnosticFactory(beneficiary=person, illectronic=True, use_cases={"email": "entierement_accompagne"})
    log_in(page, mediator.email, PASSWORD)

    page.get_by_role("link", name="Personnes").first.click()
    page.wait_for_load_state("load")
    assert serious_violations(page) == [], describe(serious_violations(page))
    page.get_by_role("link", name="Josiane Le Bihan").click()
    page.wait_for_load_state("load")
    assert serious_violations(page) == [], describe(serious_violations(page))
    page.get_by_role("link", name="Réévaluer").click()
    page.wait_for_load_state("load")
    assert "Réévaluation" in page.locator("h1").inner_text()
    assert serious_violations(page) == [], describe(serious_violations(page))

    page.get_by_role("group", name="Avez-vous utilisé Internet au cours des 3 derniers mois ?").get_by_text(
        "Oui", exact=True
    ).click()
    for activity in (
        "cherché des informations sur la santé",
        "envoyé ou reçu des e-mails",
        "utilisé une messagerie instantanée",
        "écrit un texte avec un logiciel",
        "refusé ou limité les cookies",
        "installé une application ou un logiciel",
    ):
        page.get_by_text(activity).click()
    for use_case in (
        "Envoyer et lire des e-mails",
        "Faire une démarche administrative en ligne (CAF, impôts, retraite…)",
        "Acheter ou vendre sur Internet",
        "Prendre rendez-vous et consulter un médecin à distance",
        "Utiliser sa banque en ligne",
    ):
        level = "Autonome" if use_case.startswith("Envoyer") else "Avec guidage"
        page.get_by_role("group", name=use_case).get_by_text(level, exact=True).click()
    page.get_by_text("Un smartphone").click()
    page.get_by_role("button", name="Calculer le résultat").click()
    page.wait_for_load_state("load")

    latest = Diagnostic.objects.latest("pk")
    assert (latest.overall, latest.insee, latest.communication) == ("basic", "autonome", "above_basic")
    assert "Profil : Autonome" in page.locator("#profil").inner_text()
    assert serious_violations(page) == [], describe(serious_violations(page))
    # The learning path: beginner (guidance needed on three uses), only themes the catalogue teaches.
    assert "niveau Débutant, thématiques : Santé, Banque et achats en ligne, Aide aux démarches administratives" in (
        page.locator("#parcours").inner_text()
    )
    detail_url = page.url
    page.get_by_role("link", name="Inscrire aux ateliers conseillés").click()
    page.wait_for_load_state("load")
    offered = page.get_by_role("table", name="Séances proposées").inner_text()
    assert procedures.programme.title in offered and "(Débutant)" in offered
    assert page.locator("#niveau").input_value() == "debutant"
    page.goto(detail_url)

    # The summary link answers a real PDF (fetched with the page's session, not shown in the PDF viewer).
    href = page.get_by_role("link", name="Synthèse à remettre à la personne (PDF)").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200 and response.body().startswith(b"%PDF")

    page.goto(f"/personnes/{person.pk}/")
    assert "sortie de l'illectronisme" in page.locator("#progression + p").inner_text().lower()
    email_row = page.get_by_role("table", name="Par usage").locator("tr", has_text="Envoyer et lire des e-mails")
    assert "en progrès" in email_row.inner_text().lower()
    assert serious_violations(page) == [], describe(serious_violations(page))

    # Who opened the record: the history page lists the openings of this very test.
    page.get_by_role("link", name="historique et consultations").click()
    page.wait_for_load_state("load")
    openings = page.get_by_role("table", name=re.compile("Qui a vu son nom ou ses coordonnées"))
    assert "Consultation d'un diagnostic" in openings.inner_text()
    assert serious_violations(page) == [], describe(serious_violations(page))
    assert page.js_errors == []
