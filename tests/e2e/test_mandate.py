"""A habilitated mediator prepares a mandate with the person, who signs it on the tablet; then a démarche is done
under it. Real browser, real second-factor code, axe-core on every screen, and the public verification page."""

import pytest

from tests.accounts.otp import current_code
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, OrganisationFactory, SiteFactory
from tests.mandates.factories import habilitated_mediator
from tremplin.mandates import journal
from tremplin.mandates.models import Mandate, MandateUse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_page(page):
    page.wait_for_load_state("load")
    violations = serious_violations(page)
    assert violations == [], describe(violations)


def tick(page, label_text):
    """As a user does with DSFR checkboxes and radios: click the label."""
    page.locator("main label", has_text=label_text).first.click()


def test_mandate_created_signed_on_the_tablet_and_used(page):
    organisation = OrganisationFactory(la_poste=True)
    mediator = habilitated_mediator(site=SiteFactory(organisation=organisation))
    device = mediator.totpdevice_set.get()
    person = BeneficiaryFactory(
        site=mediator.sites.get(), organisation=organisation, first_name="Odette", last_name="Vasseur"
    )

    log_in(page, mediator.email, PASSWORD)
    page.locator("main [name=code]").fill(current_code(device))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state("load")

    page.goto(f"/personnes/{person.pk}/")
    page.get_by_role("link", name="Préparer un mandat avec la personne").click()
    check_page(page)
    assert "Étape 1 sur 3" in page.locator("main").inner_text()
    page.get_by_label("Pièce d'identité présentée par la personne").select_option("cni")
    page.get_by_role("button", name="J'ai vérifié cette pièce").click()
    check_page(page)
    tick(page, "Logement —")
    tick(page, "Argent - Impôts —")
    tick(page, "Six mois")
    page.get_by_role("button", name="Préparer le mandat à signer").click()
    check_page(page)
    assert page.locator("h1").inner_text() == "Signature du mandat"

    tick(page, "Signé sur la tablette")
    canvas = page.locator("canvas[data-signature-pad]")
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 25, box["y"] + 40 + (step % 3) * 20)
    page.mouse.up()
    tick(page, "La personne a lu le mandat")
    page.get_by_role("button", name="Enregistrer la signature").click()
    check_page(page)
    mandate = Mandate.objects.get()
    assert mandate.is_valid(), page.locator("main").inner_text()[:1500] and mandate.signature_method == "tablette"
    assert page.locator("main .fr-badge--success").inner_text().lower() == "valable"

    page.get_by_role("link", name="Faire une démarche pour la personne").click()
    check_page(page)
    page.get_by_label("Catégorie de la démarche").select_option("logement")
    page.get_by_label("Démarche faite").fill("Demande d'aide au logement sur caf.fr")
    page.get_by_role("button", name="Enregistrer la démarche").click()
    check_page(page)
    assert MandateUse.objects.get().procedure == "Demande d'aide au logement sur caf.fr"
    assert "Demande d'aide au logement sur caf.fr" in page.locator("main").inner_text()

    # What the QR code opens: valid, the categories, nothing about the person.
    page.goto(f"/verifier-un-mandat/{mandate.verification_code}/")
    check_page(page)
    text = page.locator("main").inner_text()
    assert "Mandat valable" in text and "Logement" in text
    assert "Vasseur" not in page.content() and "Odette" not in page.content()
    assert journal.verify().intact
    assert page.js_errors == []
