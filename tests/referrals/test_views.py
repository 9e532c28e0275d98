"""Pages: create from the person's page, the lists of both sides, the sheet PDF, scoping for every role."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import UserFactory
from tests.referrals.factories import SERVICE, PlaceFactory
from tests.referrals.test_services import refer
from tremplin.beneficiaries.models import AccessLog
from tremplin.referrals import services
from tremplin.referrals.enums import Status
from tremplin.referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_create_lists_places_offering_the_service_nearest_first_and_sends(client, world):
    far = PlaceFactory(name="Loin d'ici", organisation=world.association, latitude=45.0, longitude=5.0)
    PlaceFactory(name="Sans ce service", services=["Loisirs et créations numériques"])
    client.force_login(world.mediator)
    url = reverse("referrals:create") + f"?personne={world.person.pk}&origine=reperage&service={SERVICE}"
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 200 and "Odette" in text
    assert text.index("Clic Lannion") < text.index("Loin d&#x27;ici") and "Sans ce service" not in text
    response = client.post(
        url, {"place": world.place.pk, "service": SERVICE, "reason": "Dossier CAF", "note": ""}, follow=True
    )
    referral = Referral.objects.get()
    assert (referral.place, referral.origin, referral.referred_by) == (world.place, "reperage", world.mediator)
    assert "Imprimer la fiche d'orientation" in response.content.decode()
    assert far.referrals.count() == 0


def test_create_refuses_a_person_of_another_organisation(client, world):
    client.force_login(world.stranger)
    assert client.get(reverse("referrals:create") + f"?personne={world.person.pk}").status_code == 404
    assert client.get(reverse("referrals:create") + "?personne=abc").status_code == 404


def test_sheet_pdf_says_where_when_who_and_why_without_the_persons_name(client, world):
    referral = refer(world)
    client.force_login(world.mediator)
    response = client.get(reverse("referrals:sheet", args=[referral.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in ("Clic Lannion", "3 rue des Lilas", "22300 Lannion", "Lundi : 9 h", "Samedi : fermé", "Camille"):
        assert expected in text
    assert f"n° {referral.pk}" in text and "Demande de logement social" in text and "openstreetmap.org" in text
    assert "La Poste" in text and "Vasseur" not in text and "Odette" not in text
    world.place.hours, world.place.hours_valid = "lundi 9h-12h", False
    world.place.save()
    response = client.get(reverse("referrals:sheet", args=[referral.pk]))
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    assert "lundi 9h-12h" in text and "Horaires à vérifier" in text
    client.force_login(world.partner)
    assert client.get(reverse("referrals:sheet", args=[referral.pk])).status_code == 404


def test_partner_sees_only_their_places_referrals_and_the_contact_through_the_read_path(client, world):
    ours = refer(world)
    theirs = refer(world, place=world.other_place)
    client.force_login(world.partner)
    text = client.get(reverse("referrals:list")).content.decode()
    assert "Clic Lannion" in text and "0612345678" in text and "Lointain" not in text
    assert "Secrète" not in text
    log = AccessLog.objects.filter(user=world.partner).get()
    assert log.purpose == "orientation" and str(ours.pk) in log.about
    assert client.get(reverse("referrals:detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("referrals:answer", args=[theirs.pk]), {"action": "accepter"}).status_code == 404
    response = client.get(reverse("referrals:detail", args=[ours.pk]))
    assert response.status_code == 200 and "Accepter l'orientation" in response.content.decode()


def test_partner_answers_from_the_list_and_the_mediator_sees_each_state(client, world):
    referral = refer(world)
    client.force_login(world.partner)
    client.post(reverse("referrals:answer", args=[referral.pk]), {"action": "accepter", "retour": "liste"})
    client.post(reverse("referrals:answer", args=[referral.pk]), {"action": "pas_vue"})
    referral.refresh_from_db()
    assert referral.status == Status.NOT_SEEN
    text = client.get(reverse("referrals:list")).content.decode()
    assert "Coordonnées retirées" in text and "0612345678" not in text  # closed: no more contact
    client.force_login(world.mediator)
    text = client.get(reverse("referrals:list")).content.decode()
    for label in ("Envoyée, en attente de réponse", "Acceptée par le lieu", "Personne pas venue"):
        assert label in text
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Personne pas venue" in detail and "Odette" in detail


def test_decline_from_the_detail_page(client, world):
    referral = refer(world)
    client.force_login(world.partner)
    url = reverse("referrals:answer", args=[referral.pk])
    client.post(url, {"action": "refuser", "refus-reason": "autre", "refus-text": ""})
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    client.post(url, {"action": "refuser", "refus-reason": "public", "refus-text": "Jeunes seulement"})
    referral.refresh_from_db()
    assert (referral.status, referral.decline_text) == (Status.DECLINED, "Jeunes seulement")


def test_scoping_for_every_role(client, world):
    referral = refer(world)
    detail = reverse("referrals:detail", args=[referral.pk])
    assert client.get(detail).status_code == 302 and "/compte/connexion/" in client.get(detail)["Location"]
    assert client.get(reverse("referrals:list")).status_code == 302
    for outsider in (world.stranger, world.other_partner):
        client.force_login(outsider)
        assert client.get(detail).status_code == 404
        assert client.post(reverse("referrals:cancel", args=[referral.pk])).status_code == 404
    client.force_login(world.partner)
    assert client.post(reverse("referrals:cancel", args=[referral.pk])).status_code == 404
    client.force_login(world.mediator)
    client.post(reverse("referrals:cancel", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Status.CANCELLED


def test_outsiders_lists_are_empty(client, world):
    refer(world)
    for outsider in (world.stranger, world.other_partner):
        client.force_login(outsider)
        text = client.get(reverse("referrals:list")).content.decode()
        assert "Clic Lannion" not in text and "Odette" not in text


def test_stats_page_for_coordinators_and_national_managers_only(client, world):
    referral = refer(world)
    services.referral_accept(referral=referral, via_link=True)
    client.force_login(world.mediator)
    assert client.get(reverse("referrals:stats")).status_code == 403
    national = UserFactory(national=True, organisation=world.laposte)
    client.force_login(national)
    response = client.get(reverse("referrals:stats") + "?jours=30")
    text = response.content.decode()
    assert response.status_code == 200 and "<caption>Orientations par lieu et par issue</caption>" in text
    assert "Clic Lannion" in text and "100 %" in text
