"""Bookings from the public page are requests: a known phone number never gets a seat, a link or a booking on
that person's record without the person (or an agent who called them) confirming it (issue 9, point 3)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.workshops.factories import SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus
from tremplin.workshops.models import Registration

pytestmark = pytest.mark.django_db


def ask(session, phone, **kwargs):
    """What the public page does with what the visitor typed."""
    identity = {"first_name": "Lucie", "last_name": "Perrin", "birth_year": 1956, **kwargs}
    return services.registration_request(session=session, phone=phone, consent_given=True, **identity)


@pytest.fixture
def known(world):
    """A person of La Poste with a mobile, and a session of her organisation's office."""
    person = world.people.at_o1
    Beneficiary.objects.filter(pk=person.pk).update(mobile_phone="0611223344", preferred_channel="sms")
    person.refresh_from_db()
    return person, SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=2)


def test_a_known_number_on_the_public_page_gets_a_request_that_holds_no_seat(known, notified):
    person, session = known
    request = ask(session, "+33 6 11 22 33 44", first_name="Quelqu'un", last_name="D'autre")
    assert request.beneficiary == person  # the record the number belongs to, never a new one
    assert request.status == RegistrationStatus.REQUESTED and request.source == RegistrationSource.PUBLIC
    assert request.requested_at is not None and request.request_confirmed_at is None
    # Nothing is booked on her record, no seat is taken: only the request message, to her own contact.
    assert not person.registrations.active().exists()
    assert session.registrations.confirmed().count() == 0
    assert notified == [(request.pk, "request")]
    # Her record keeps her name: what the visitor typed is not written on it.
    person.refresh_from_db()
    assert (person.first_name, person.last_name) != ("Quelqu'un", "D'autre")


def test_a_new_number_gets_a_new_record_and_a_request(world, notified):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    request = ask(session, "02 96 00 00 00")
    person = request.beneficiary
    assert (person.first_name, person.landline_phone, person.organisation) == ("Lucie", "0296000000", world.la_poste)
    assert request.status == RegistrationStatus.REQUESTED
    assert notified == [(request.pk, "request")]


def test_confirming_requests_takes_seats_then_the_waitlist_in_the_order_of_confirmation(world, notified):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    first, second, third = (ask(session, f"06000000{i:02d}") for i in range(3))
    notified.clear()
    # Confirmed in the order third, first, second: the seat and the waitlist follow that order.
    third = services.registration_request_confirm(registration=third)
    first = services.registration_request_confirm(registration=first)
    second = services.registration_request_confirm(registration=second)
    assert (third.status, third.position) == (RegistrationStatus.CONFIRMED, None)
    assert (first.status, first.position) == (RegistrationStatus.WAITLISTED, 1)
    assert (second.status, second.position) == (RegistrationStatus.WAITLISTED, 2)
    assert [services.waitlist_position(r) for r in (first, second)] == [1, 2]
    assert notified == [(third.pk, "confirmation"), (first.pk, "waitlist"), (second.pk, "waitlist")]
    assert session.registrations.confirmed().count() == 1
    # By the person's own link (no agent): the seat is their "I'll be there"; the request's trace is kept.
    third.refresh_from_db()
    assert third.request_confirmed_at and third.request_confirmed_by is None and third.confirmed_by_person_at
    # Confirming twice changes nothing.
    assert services.registration_request_confirm(registration=third).status == RegistrationStatus.CONFIRMED
    assert len(notified) == 3


def test_an_agent_confirming_a_request_is_recorded(world, notified):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    request = ask(session, "0296000000")
    confirmed = services.registration_request_confirm(registration=request, by=world.users.counter)
    confirmed.refresh_from_db()
    assert confirmed.status == RegistrationStatus.CONFIRMED
    assert confirmed.request_confirmed_by == world.users.counter and confirmed.confirmed_by_person_at is None


def test_a_request_for_a_session_the_person_already_holds_records_nothing_and_tells_nobody(known, notified):
    person, session = known
    booked = services.registration_create(session=session, beneficiary=person, source=RegistrationSource.STAFF)
    notified.clear()
    assert ask(session, "0611223344") is None
    assert notified == []
    assert list(person.registrations.exclude(status=RegistrationStatus.CANCELLED)) == [booked]
    # A second request while the first one waits: nothing more either.
    other = SessionFactory(site=session.site, mediator=session.mediator)
    waiting = ask(other, "0611223344")
    assert ask(other, "0611223344") is None
    assert list(other.registrations.all()) == [waiting]


def test_a_request_overtaken_by_a_booking_is_dropped_on_confirmation(known, notified):
    person, session = known
    request = ask(session, "0611223344")
    booked = services.registration_create(session=session, beneficiary=person, source=RegistrationSource.STAFF)
    notified.clear()
    assert not Registration.objects.pending_requests(session).exists()  # no longer listed for the team
    dropped = services.registration_request_confirm(registration=request)
    assert dropped.status == RegistrationStatus.CANCELLED and dropped.request_dropped
    assert list(person.registrations.active()) == [booked]
    assert notified == []  # the booking already had its message


def test_the_public_request_checks_everything_typed_before_looking_up_the_phone(known, notified):
    """Whether a number is known must not change the answer: the names are required for a known number too."""
    _, session = known
    for phone in ("0611223344", "0699999999"):  # known, unknown
        with pytest.raises(ValidationError) as error:
            ask(session, phone, first_name="", last_name="Perrin")
        assert error.value.message_dict == {"first_name": ["Indiquez le prénom."]}
        with pytest.raises(ValidationError) as error:
            ask(session, phone, birth_year=1850)
        assert "birth_year" in error.value.message_dict
    assert not Registration.objects.exists() and notified == []


def test_a_request_not_confirmed_before_the_session_starts_is_void(known, notified):
    person, session = known
    request = ask(session, "0611223344")
    assert list(Registration.objects.pending_requests()) == [request]
    with time_machine.travel(session.starts_at + datetime.timedelta(minutes=5)):
        assert not Registration.objects.pending_requests().exists()
        with pytest.raises(ValidationError) as error:
            services.registration_request_confirm(registration=request)
        assert error.value.messages == [
            "Cette séance a déjà commencé ou a eu lieu : la demande d'inscription ne peut plus être validée."
        ]
    request.refresh_from_db()
    assert request.status == RegistrationStatus.REQUESTED and not person.registrations.active().exists()


def test_cancelling_the_session_voids_its_requests_without_a_message(known, notified):
    _, session = known
    request = ask(session, "0611223344")
    seated = services.registration_create(session=session, beneficiary=BeneficiaryFactory(), source="staff")
    notified.clear()
    services.session_cancel(session=session)
    request.refresh_from_db()
    assert request.status == RegistrationStatus.CANCELLED
    assert notified == [(seated.pk, "cancellation")]
    with pytest.raises(ValidationError) as error:
        services.registration_request_confirm(registration=request)
    assert "plus valable" in error.value.messages[0]


def test_cancelling_a_request_frees_nothing_and_tells_nobody(world, notified):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    services.registration_create(session=session, beneficiary=BeneficiaryFactory(), source="staff")
    waiting = services.registration_create(session=session, beneficiary=BeneficiaryFactory(), source="staff")
    request = ask(session, "0611223344")
    notified.clear()
    services.registration_cancel(registration=request)
    request.refresh_from_db()
    waiting.refresh_from_db()
    assert request.status == RegistrationStatus.CANCELLED and request.request_dropped
    assert waiting.status == RegistrationStatus.WAITLISTED and notified == []


def test_staff_and_partner_tools_still_book_at_once_and_never_through_the_public_source(world, notified):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    booked = services.registration_create_for_person(
        session=session, first_name="Marc", last_name="Roux", phone="0622222222", source=RegistrationSource.API
    )
    assert booked.status == RegistrationStatus.CONFIRMED
    with pytest.raises(ValueError):
        services.registration_create_for_person(
            session=session, first_name="A", last_name="B", phone="0633333333", source=RegistrationSource.PUBLIC
        )
    assert session.registrations.count() == 1
