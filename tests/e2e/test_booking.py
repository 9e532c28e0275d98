"""A person asks for a workshop on a place's public page, on a 320 px wide phone, validates the request with
the link of the SMS they receive, then cancels with the same link; the embeddable variant has no header.
Chromium + axe-core. The messages are the real ones (locmem SMS provider), sent by the task after commit."""

import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import describe, serious_violations
from tests.factories import SiteFactory, UserFactory
from tests.workshops.factories import ProgrammeFactory, SessionFactory
from tremplin.notifications import backends
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus
from tremplin.workshops.models import Registration

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def sms_outbox():
    backends.outbox.clear()
    yield backends.outbox
    backends.outbox.clear()


@pytest.fixture
def place():
    site = SiteFactory(name="LANNION PRINCIPAL", address="1 rue de la Poste", postcode="22300", city="Lannion")
    mediator = UserFactory(mediator=True, sites=[site])
    email = ProgrammeFactory(title="Créer et utiliser son adresse e-mail")
    health = ProgrammeFactory(title="Prendre rendez-vous chez le médecin en ligne", theme="sante")
    free = SessionFactory(site=site, mediator=mediator, programme=email, capacity=8)
    full = SessionFactory(site=site, mediator=mediator, programme=health, capacity=1)
    return site, free, full


def link_path(sms_body: str) -> str:
    """The path of the link in an SMS (its host is the public address of the settings)."""
    return urlsplit(re.search(r"https?://\S+", sms_body).group(0)).path


def test_public_request_on_a_small_phone_then_validate_and_cancel_by_the_sms_link(browser, live_server, place):
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
    answer = page.locator("main").inner_text()
    assert "Votre demande est enregistrée" in answer and "ouvrez le lien reçu par SMS" in answer
    assert "/ateliers/inscription/" not in page.content()  # the link goes to the phone, not to the screen
    violations = serious_violations(page)
    assert not violations, describe(violations)

    # The request holds no seat until the person opens the link of the SMS sent to the number typed.
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.REQUESTED and free.registrations.confirmed().count() == 0
    [sms] = backends.outbox
    assert sms.to == "+33611223344" and "demandée en ligne" in sms.body
    page.goto(link_path(sms.body))
    assert "Aucune place n'est encore réservée" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Je valide mon inscription").click()
    page.wait_for_load_state("load")
    assert "votre inscription est validée : votre place est réservée" in page.locator("main").inner_text()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert len(backends.outbox) == 2 and "vous êtes inscrit(e)" in backends.outbox[1].body  # the usual message
    violations = serious_violations(page)
    assert not violations, describe(violations)

    # Cancelling asks first: a tap by mistake gives nothing away.
    page.get_by_role("link", name="Je ne pourrai pas venir : j'annule").click()
    page.wait_for_load_state("load")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert "Vous voulez vraiment annuler ?" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Oui, j'annule mon inscription").click()
    page.wait_for_load_state("load")
    assert "Votre inscription est annulée" in page.locator("main").inner_text()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert not errors, errors
    context.close()


def test_full_session_offers_the_waitlist_and_embedded_page_has_no_header(page, place):
    site, _, full = place
    from tremplin.workshops import services

    services.registration_create_for_person(
        session=full, first_name="Jean", last_name="Roux", phone="0600000001", source=RegistrationSource.STAFF
    )
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
    assert "Votre demande est enregistrée" in page.locator("main").inner_text()
    violations = serious_violations(page)
    assert not violations, describe(violations)
    # A landline: the team calls her and confirms the request; the session is full, so she waits, first in line.
    request = Registration.objects.get(session=full, status=RegistrationStatus.REQUESTED)
    confirmed = services.registration_request_confirm(registration=request, by=full.mediator)
    assert (confirmed.status, confirmed.position) == (RegistrationStatus.WAITLISTED, 1)
    page.goto(f"/ateliers/inscription/{request.token}/")
    assert "liste d'attente, en position 1" in page.locator("main").inner_text()
    assert not page.js_errors, page.js_errors
