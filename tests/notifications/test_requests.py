"""The message of a request made on the public page: it goes to the contact already on the person's record
(never to whoever typed the number), by the usual channels, and a landline puts it on the call list where an
agent confirms it after calling (issue 9, point 3)."""

import pytest
from django.core import mail

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import UserFactory
from tests.notifications.factories import SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.notifications import backends, services
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.workshops import services as workshops
from tremplin.workshops.enums import RegistrationStatus

pytestmark = pytest.mark.django_db
MOBILE, LANDLINE, EMAIL, ADDRESS = "0612345678", "0296000000", "josiane@exemple.fr", "3 rue des Lilas\n22300 Lannion"


def ask(session, phone):
    return workshops.registration_request(
        session=session, first_name="Visiteur", last_name="Inconnu", phone=phone, consent_given=True
    )


@pytest.fixture
def session():
    return SessionFactory(capacity=1)


def test_the_request_goes_to_the_contact_on_the_record_not_to_the_visitor(session, django_capture_on_commit_callbacks):
    organisation = workshops.booking_organisation(session)
    person = BeneficiaryFactory(
        organisation=organisation, site=session.site, mobile_phone=MOBILE, email=EMAIL, preferred_channel="email"
    )
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(session, "+33 6 12 34 56 78")
    assert request.beneficiary == person
    notification = Notification.objects.get()
    assert (notification.kind, notification.channel, notification.recipient) == ("request", "email", EMAIL)
    assert backends.outbox == []  # no SMS to the number typed: her own preference, e-mail
    [message] = mail.outbox
    assert message.to == [EMAIL] and message.subject.startswith("Demande d'inscription à valider")
    assert f"Bonjour {person.greeting_name}" in message.body and "Visiteur" not in message.body
    assert "demandée en ligne" in message.body and str(request.token) in message.body
    assert "aucune place ne vous est réservée" in message.body


def test_a_new_mobile_gets_the_request_by_sms_then_the_usual_confirmation(session, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(session, "07 11 22 33 44")
    [sms] = backends.outbox
    assert sms.to == "+33711223344" and "demandée en ligne" in sms.body
    assert f"Valider : {services.registration_link(request)}" in sms.body
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = workshops.registration_request_confirm(registration=request)
    assert confirmed.status == RegistrationStatus.CONFIRMED
    assert [n.kind for n in Notification.objects.order_by("pk")] == ["request", "confirmation"]
    assert len(backends.outbox) == 2 and "vous êtes inscrit(e)" in backends.outbox[1].body


def test_a_landline_request_goes_on_the_call_list_and_the_agent_confirms_it_after_calling(
    session, django_capture_on_commit_callbacks
):
    agent = UserFactory(mediator=True)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(session, LANDLINE)
    call = Notification.objects.get()
    assert (call.kind, call.status, call.recipient) == ("request", NotificationStatus.TO_CALL, LANDLINE)
    assert call.reason.startswith(services.REASON_REQUEST) and "Visiteur" in call.body  # what to say
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = workshops.registration_request_confirm(registration=request, by=agent)
    assert confirmed.status == RegistrationStatus.CONFIRMED
    call.refresh_from_db()
    confirmation = Notification.objects.get(kind=NotificationKind.CONFIRMATION)
    # The agent has just told her: the request's call is done, and the confirmation is that same call.
    assert (call.status, call.handled_by) == (NotificationStatus.CALLED, agent)
    assert (confirmation.status, confirmation.handled_by) == (NotificationStatus.CALLED, agent)
    assert not Notification.objects.to_call().exists() and backends.outbox == []


@pytest.mark.parametrize(
    ("preferred", "contacts", "callback", "expected_channel"),
    [
        ("courrier", {"postal_address": ADDRESS, "landline_phone": LANDLINE}, False, "appel"),  # a letter: too slow
        ("courrier", {"postal_address": ADDRESS, "mobile_phone": MOBILE}, False, "appel"),
        ("sms", {"mobile_phone": MOBILE}, True, "appel"),  # "je préfère qu'on m'appelle pour confirmer"
        ("sms", {"mobile_phone": MOBILE}, False, "sms"),
        ("", {"landline_phone": LANDLINE}, False, "appel"),
    ],
)
def test_a_request_is_never_a_letter_and_a_call_says_what_to_do(preferred, contacts, callback, expected_channel):
    person = Beneficiary(first_name="Josiane", last_name="Lebrun", preferred_channel=preferred, **contacts)
    choice = services.choose_channel(person, kind=NotificationKind.REQUEST, callback_requested=callback)
    assert choice.channel == expected_channel
    if expected_channel == "appel":
        assert choice.status == NotificationStatus.TO_CALL and choice.reason.startswith(services.REASON_REQUEST)


@pytest.mark.parametrize("how", ["turned down", "session cancelled", "already booked"])
def test_a_request_that_will_not_be_confirmed_leaves_the_call_list(session, how, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(session, LANDLINE)
        if how == "turned down":
            workshops.registration_cancel(registration=request)
        elif how == "session cancelled":
            workshops.session_cancel(session=session)
        else:
            workshops.registration_create(session=session, beneficiary=request.beneficiary, source="staff")
            assert workshops.registration_request_confirm(registration=request).request_dropped
    call = Notification.objects.get(registration=request)
    assert call.status == NotificationStatus.WITHDRAWN and call.handled_at is not None
    assert not Notification.objects.filter(kind=NotificationKind.REQUEST).to_call().exists()
    assert not Notification.objects.filter(kind=NotificationKind.CANCELLATION).exists()  # she never had a place
