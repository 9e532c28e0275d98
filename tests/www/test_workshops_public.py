"""The public booking page and the link of the messages (issue 9, points 3 and 4): a stranger who types a known
person's number learns nothing and books nothing for them; the link page shows its own registration only; the
person's link and the staff button refuse what can no longer change."""

import html
import re

import pytest
from django.urls import reverse

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.notifications.models import Notification
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus
from tremplin.workshops.models import Registration

pytestmark = pytest.mark.django_db
KNOWN_PHONE = "0611223344"


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def known(world):
    """Anne, followed at the office o1, with her own mobile; a session there with one seat."""
    person = world.people.at_o1
    Beneficiary.objects.filter(pk=person.pk).update(mobile_phone=KNOWN_PHONE, preferred_channel="sms")
    person.refresh_from_db()
    return person, SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)


def post_public(client, session, phone, **changes):
    data = {
        "session": session.pk,
        "first_name": "Lucie",
        "last_name": "Perrin",
        "phone": phone,
        "birth_year": "1956",
        "consent": "on",
        **changes,
    }
    response = client.post(reverse("workshops:public", args=[session.site_id]), data)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text(response))


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_the_public_page_answers_the_same_whether_the_number_is_known_booked_or_new(client, world, known):
    person, session = known
    other = SessionFactory(site=world.o1, mediator=world.users.mediator)
    held = services.registration_create(session=other, beneficiary=person, source=RegistrationSource.STAFF)
    answers = {
        "known": post_public(client, session, KNOWN_PHONE),
        "already booked": post_public(client, other, KNOWN_PHONE),
        "new": post_public(client, session, "0699887766"),
    }
    assert "Votre demande est enregistrée" in answers["known"]
    assert "Pour la valider, ouvrez le lien reçu par SMS (ou e-mail)" in answers["known"]
    # Nothing that belongs to a registration or to the person: no link, no name, no seat, no "already booked".
    for answer in answers.values():
        assert "/ateliers/inscription/" not in answer and person.first_name not in answer
        assert "déjà inscrit" not in answer and "liste d'attente" not in answer
    assert answers["known"] == answers["new"]  # same session: the very same page
    assert answers["already booked"] == answers["known"].replace(session.programme.title, other.programme.title)
    # The known person got a request (to her own phone) and no booking; her other booking is untouched.
    request = Registration.objects.get(session=session, beneficiary=person)
    assert request.status == RegistrationStatus.REQUESTED
    assert Notification.objects.get(registration=request).recipient == KNOWN_PHONE
    assert list(other.registrations.all()) == [held] and session.registrations.confirmed().count() == 0


def test_the_link_validates_the_request_and_shows_only_that_registration(client, world, known):
    person, session = known
    elsewhere = SessionFactory(site=world.o2, mediator=world.users.mediator)
    services.registration_create(session=elsewhere, beneficiary=person, source=RegistrationSource.STAFF)
    post_public(client, session, KNOWN_PHONE)
    request = Registration.objects.get(session=session)
    url = reverse("workshops:manage", args=[request.token])
    page = text(client.get(url))
    assert "Aucune place n'est encore réservée" in page and "Je valide mon inscription" in page
    assert session.programme.title in page
    assert elsewhere.programme.title not in page and person.display_name not in page  # nothing else of hers
    page = text(client.post(url, {"action": "valider"}, follow=True))
    assert "votre inscription est validée : votre place est réservée" in page
    assert "Vous avez confirmé votre venue" in page and elsewhere.programme.title not in page
    request.refresh_from_db()
    assert request.status == RegistrationStatus.CONFIRMED and session.registrations.confirmed().count() == 1


def test_the_link_of_a_request_for_a_session_already_held_changes_nothing(client, world, known):
    person, session = known
    post_public(client, session, KNOWN_PHONE)
    request = Registration.objects.get(session=session)
    held = services.registration_create(session=session, beneficiary=person, source=RegistrationSource.STAFF)
    url = reverse("workshops:manage", args=[request.token])
    page = text(client.post(url, {"action": "valider"}, follow=True))
    assert "Vous étiez déjà inscrit·e à cette séance : rien ne change, votre place est gardée." in page
    assert "Cette demande n'est plus en cours" in page
    assert list(session.registrations.active()) == [held]


def test_the_link_can_turn_down_a_request_that_someone_else_made(client, world, known):
    _, session = known
    post_public(client, session, KNOWN_PHONE)
    request = Registration.objects.get(session=session)
    url = reverse("workshops:manage", args=[request.token])
    page = text(client.post(url, {"action": "annuler"}, follow=True))
    assert "Votre demande est annulée : aucune place n'est réservée." in page
    request.refresh_from_db()
    assert request.status == RegistrationStatus.CANCELLED and request.request_dropped


@pytest.mark.parametrize(
    ("traits", "reason"),
    [({"past": True}, "Cette séance a déjà commencé ou a eu lieu"), ({"cancelled": True}, "Cette séance est annulée")],
)
@pytest.mark.parametrize("action", ["annuler", "confirmer"])
def test_the_link_refuses_to_cancel_or_confirm_once_the_session_is_over(client, world, traits, reason, action):
    registration = RegistrationFactory(session=SessionFactory(site=world.o1, **traits))
    url = reverse("workshops:manage", args=[registration.token])
    page = text(client.post(url, {"action": action}, follow=True))
    verb = "annulée" if action == "annuler" else "confirmée"
    assert f"{reason} : l'inscription ne peut plus être {verb}." in page
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED and registration.confirmed_by_person_at is None


@pytest.fixture
def mediator_client(client, world):
    client.force_login(world.users.mediator)
    return client


def test_the_staff_cancel_button_refuses_a_session_that_has_taken_place(mediator_client, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, past=True)
    registration = RegistrationFactory(session=session, beneficiary=BeneficiaryFactory(organisation=world.la_poste))
    response = mediator_client.post(reverse("workshops:registration_cancel", args=[registration.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("workshops:session", args=[session.pk])
    assert "Cette séance a déjà commencé ou a eu lieu : l'inscription ne peut plus être annulée." in text(response)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_the_session_page_lists_requests_and_an_agent_confirms_one_after_calling(client, mediator_client, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=4)
    post_public(client, session, "02 96 11 11 11", first_name="Ginette", last_name="Le Floch")
    request = Registration.objects.get(session=session)
    assert Notification.objects.get(registration=request).status == "to_call"
    page = text(mediator_client.get(reverse("workshops:session", args=[session.pk])))
    assert "Demandes faites en ligne, à confirmer (1)" in page
    assert "Ginette Le Floch" in page and "0296111111" in page
    assert "0 inscrits sur 4" in page  # a request holds no seat
    page = text(mediator_client.post(reverse("workshops:registration_request_confirm", args=[request.pk]), follow=True))
    assert "La demande est confirmée : la personne est inscrite." in page
    assert "Demandes faites en ligne" not in page and "1 inscrit sur 4" in page
    request.refresh_from_db()
    assert request.status == RegistrationStatus.CONFIRMED and request.request_confirmed_by == world.users.mediator
    assert not Notification.objects.filter(registration=request, status="to_call").exists()  # the call is done


def test_only_the_roles_that_may_cancel_confirm_a_request(client, world, known):
    _, session = known
    request = services.registration_request(
        session=session, first_name="Lucie", last_name="Perrin", phone="0699887766", consent_given=True
    )
    client.force_login(UserFactory(counter_agent=True, organisation=None, sites=[world.o1]))
    assert client.post(reverse("workshops:registration_request_confirm", args=[request.pk])).status_code == 403
    request.refresh_from_db()
    assert request.status == RegistrationStatus.REQUESTED


def test_the_session_page_says_who_changed_it_last(mediator_client, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=4)
    services.session_update(session=session, by=world.users.mediator, capacity=6)
    page = text(mediator_client.get(reverse("workshops:session", args=[session.pk])))
    assert f"par {world.users.mediator.get_full_name()}" in page and "Modifiée le" in page
