"""A mediator refers a person to a partner place and prints the sheet; the partner opens the signed link from the
e-mail (no account), accepts, then marks the person seen; the mediator sees both states. axe-core on each screen."""

import re

import pytest
from django.core import mail

from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD
from tests.referrals.factories import SERVICE, make_world
from tremplin.referrals.enums import Status
from tremplin.referrals.models import Referral

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def check_page(page):
    page.wait_for_load_state("load")
    violations = serious_violations(page)
    assert violations == [], describe(violations)


def test_referral_closed_loop(page, live_server):
    world = make_world()
    log_in(page, world.mediator.email, PASSWORD)

    page.goto(f"/orientations/nouvelle/?personne={world.person.pk}&origine=fiche")
    check_page(page)
    page.get_by_label("Service dont la personne a besoin").select_option(SERVICE)
    page.get_by_role("button", name="Afficher les lieux qui proposent ce service").click()
    check_page(page)
    page.locator("main label", has_text="Clic Lannion").first.click()
    page.get_by_label("Motif de l'orientation").fill("Dossier de retraite en ligne")
    page.get_by_role("button", name="Envoyer l'orientation au lieu").click()
    check_page(page)
    referral = Referral.objects.get()
    assert referral.place == world.place and referral.status == Status.SENT
    assert "Envoyée, en attente de réponse" in page.locator("main").inner_text()

    href = page.get_by_role("link", name="Imprimer la fiche d'orientation").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    # The partner, from the e-mail, in a browser with no session.
    [message] = mail.outbox
    link = re.search(r"https?://\S+/orientations/lien/\S+/", message.body).group(0)
    path = link[link.index("/orientations/") :]
    partner = page.context.browser.new_context(base_url=live_server.url, locale="fr-FR")
    partner_page = partner.new_page()
    partner_page.goto(path)
    check_page(partner_page)
    text = partner_page.locator("main").inner_text()
    assert "Odette" in text and "0612345678" in text and "Dossier de retraite en ligne" in text
    partner_page.get_by_role("button", name="Accepter l'orientation").click()
    check_page(partner_page)
    assert "Orientation acceptée" in partner_page.locator("main").inner_text()
    partner_page.get_by_role("button", name="La personne a été reçue").click()
    check_page(partner_page)
    assert "Réponse enregistrée" in partner_page.locator("h1").inner_text()
    partner.close()

    page.goto("/orientations/")
    check_page(page)
    text = page.locator("main").inner_text()
    assert "Acceptée par le lieu" in text and "Personne reçue" in text
    referral.refresh_from_db()
    assert referral.status == Status.SEEN
    assert page.js_errors == []
