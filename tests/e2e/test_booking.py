"""A person books a workshop on a place's public page, on a 320 px wide phone, then cancels with the
link of their message; the embeddable variant has no header. Chromium + axe-core."""

import pytest

from tests.e2e.conftest import describe, serious_violations
from tests.factories import SiteFactory, UserFactory
from tests.workshops.factories import ProgrammeFactory, SessionFactory
from tremplin.workshops.enums import RegistrationStatus
from tremplin.workshops.models import Registration

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_notifications(monkeypatch):
    monkeypatch.setattr("tremplin.workshops.services.registration_notify", lambda **kwargs: None)


@pytest.fixture
def place():
    site = SiteFactory(name="LANNION PRINCIPAL", address="1 rue de la Poste", postcode="22300", city="Lannion")
    mediator = UserFactory(mediator=True, sites=[site])
    email = ProgrammeFactory(title="Créer et utiliser son adresse e-mail")
    health = ProgrammeFactory(title="Prendre rendez-vous chez le médecin en ligne", theme="sante")
    free = SessionFactory(site=site, mediator=mediator, programme=email, capacity=8)
    full = SessionFactory(site=site, mediator=mediator, programme=health, capacity=1)
    return site, free, full


def test_public_booking_on_a_small_phone_then_cancel_by_link(browser, live_server, place):
    site, free, _ = place
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 320, "height": 640})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/ateliers/lieu/{site.pk}/")
    assert page.locator("h1").inner_text() == "S'inscrire à un atelier numérique"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "la page déborde à 320 px"
    violations = serious_violations(page)
    assert not violations, describe(violations)

    page.get_by_role("link", name="Créer et utiliser son adresse e-mail").click()
    page.locator(f"label[for=seance-{free.pk}]").click()  # DSFR radios: the label is the target
    page.get_by_label("Votre prénom").fill("Lucie")
    page.get_by_label("Votre nom").fill("Perrin")
    page.get_by_label("Votre numéro de téléphone").fill("06 11 22 33 44")
    page.locator("label[for=id_consent]").click()
    button = page.get_by_role("button", name="Je m'inscris")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 250, "bouton trop petit pour un doigt"
    button.click()
    page.wait_for_load_state("load")
    assert "votre place est réservée" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, describe(violations)

    registration = Registration.objects.get()
    assert registration.session == free and registration.beneficiary.mobile_phone == "0611223344"
    page.goto(f"/ateliers/inscription/{registration.token}/")
    violations = serious_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Je ne pourrai pas venir : j'annule").click()
    page.wait_for_load_state("load")
    assert "Votre inscription est annulée" in page.locator("main").inner_text()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert not errors, errors
    context.close()


def test_full_session_offers_the_waitlist_and_embedded_page_has_no_header(page, place):
    site, _, full = place
    from tremplin.workshops import services

    services.registration_create_for_person(session=full, first_name="Jean", last_name="Roux", phone="0600000001")
    page.goto(f"/ateliers/lieu/{site.pk}/?integre=1")
    assert page.locator("header.fr-header").count() == 0 and page.locator("footer.fr-footer").count() == 0
    assert "liste d'attente" in page.locator(f"label[for=seance-{full.pk}]").inner_text()
    page.locator(f"label[for=seance-{full.pk}]").click()
    page.get_by_label("Votre prénom").fill("Aïcha")
    page.get_by_label("Votre nom").fill("Diallo")
    page.get_by_label("Votre numéro de téléphone").fill("0299000000")
    page.locator("label[for=id_consent]").click()
    page.get_by_role("button", name="Je m'inscris").click()
    page.wait_for_load_state("load")
    assert "liste d'attente" in page.locator("main").inner_text()
    assert "position 1" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, describe(violations)
    assert not page.js_errors, page.js_errors
