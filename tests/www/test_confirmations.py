"""Issue 10: a destructive action is never one click. The list links to a confirmation page (GET) that says what
will happen and who is told; « Oui » posts the action, « Non, revenir » goes back. No JavaScript needed."""

import html
import re

import pytest
from django.urls import reverse

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.notifications.enums import NotificationKind
from tremplin.notifications.models import Notification
from tremplin.workshops.enums import RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world()
    world.session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    world.person = BeneficiaryFactory(
        organisation=world.la_poste,
        site=world.o1,
        first_name="Yvonne",
        mobile_phone="0612345678",
        preferred_channel="sms",
    )
    world.seated = RegistrationFactory(session=world.session, beneficiary=world.person)
    world.waiting = RegistrationFactory(
        session=world.session,
        beneficiary=BeneficiaryFactory(organisation=world.la_poste, site=world.o1),
        waitlisted=True,
    )
    world.request = RegistrationFactory(
        session=world.session,
        beneficiary=BeneficiaryFactory(organisation=world.la_poste, site=world.o1, first_name="Gaël"),
        status=RegistrationStatus.REQUESTED,
    )
    return world


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _post_forms(content: str) -> list[str]:
    return re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', content)


def test_session_page_has_no_direct_post_for_destructive_actions(client, world):
    client.force_login(world.users.mediator)
    content = client.get(reverse("workshops:session", args=[world.session.pk])).content.decode()
    actions = _post_forms(content)
    for url in (
        reverse("workshops:session_cancel", args=[world.session.pk]),
        reverse("workshops:registration_cancel", args=[world.seated.pk]),
        reverse("workshops:registration_cancel", args=[world.waiting.pk]),
        reverse("workshops:registration_cancel", args=[world.request.pk]),
    ):
        assert url not in actions
        assert f'href="{url}"' in content  # a link to the confirmation page


def test_person_booking_page_links_to_the_cancel_confirmation(client, world):
    client.force_login(world.users.mediator)
    content = client.get(reverse("workshops:person", args=[world.person.pk])).content.decode()
    url = reverse("workshops:registration_cancel", args=[world.seated.pk])
    assert url not in _post_forms(content) and f'href="{url}?next=' in content


def test_cancelling_a_booking_asks_first_and_says_who_is_told(client, world):
    client.force_login(world.users.mediator)
    url = reverse("workshops:registration_cancel", args=[world.seated.pk])
    page = client.get(url)
    assert page.status_code == 200
    text = _text(page)
    assert "Annuler l'inscription ?" in text and world.person.display_name in text
    assert "La personne est prévenue par SMS." in text
    assert "Sa place revient à la première personne de la liste d'attente, qui est prévenue." in text
    assert "Oui, annuler l'inscription" in text and "Non, revenir" in text
    assert url in _post_forms(page.content.decode())
    world.seated.refresh_from_db()
    assert world.seated.status == RegistrationStatus.CONFIRMED  # nothing done by looking
    response = client.post(url, follow=True)
    assert "est annulée" in _text(response)
    world.seated.refresh_from_db()
    world.waiting.refresh_from_db()
    assert world.seated.status == RegistrationStatus.CANCELLED
    assert world.waiting.status == RegistrationStatus.CONFIRMED
    assert Notification.objects.filter(registration=world.seated, kind=NotificationKind.CANCELLATION).exists()


def test_dropping_a_request_asks_first_and_tells_nobody(client, world):
    client.force_login(world.users.mediator)
    url = reverse("workshops:registration_cancel", args=[world.request.pk])
    text = _text(client.get(url))
    assert "Écarter la demande ?" in text and "personne n'est prévenu" in text and "Oui, écarter la demande" in text
    response = client.post(url, follow=True)
    assert "est écartée" in _text(response)
    world.request.refresh_from_db()
    assert world.request.status == RegistrationStatus.CANCELLED


def test_cancelling_a_session_asks_first_and_counts_who_is_told(client, world):
    client.force_login(world.users.mediator)
    url = reverse("workshops:session_cancel", args=[world.session.pk])
    text = _text(client.get(url))
    assert "Annuler la séance ?" in text
    assert "1 personne inscrite et 1 en liste d'attente : chacune est prévenue" in text
    assert "1 demande faite en ligne, pas encore confirmée : écartée sans message" in text
    assert "Oui, annuler la séance" in text and "Non, revenir" in text
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.PLANNED
    client.post(url)
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.CANCELLED


def test_confirmation_keeps_a_safe_next_and_refuses_roles_without_the_right(client, world):
    client.force_login(world.users.mediator)
    back = reverse("workshops:person", args=[world.person.pk])
    url = reverse("workshops:registration_cancel", args=[world.seated.pk])
    content = client.get(url, {"next": back}).content.decode()
    assert f'name="next" value="{back}"' in content and f'href="{back}"' in content
    evil = client.get(url, {"next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in evil
    client.force_login(world.users.counter)
    assert client.get(reverse("workshops:session_cancel", args=[world.session.pk])).status_code == 403


def test_deleting_a_person_is_confirmed_on_its_own_page(client, world):
    client.force_login(world.users.mediator)
    detail = client.get(reverse("beneficiaries:detail", args=[world.person.pk])).content.decode()
    url = reverse("beneficiaries:delete", args=[world.person.pk])
    assert url not in _post_forms(detail)
    text = _text(client.get(url))
    assert "effacé définitivement" in text and "Oui, supprimer la fiche" in text and "Non, revenir" in text
