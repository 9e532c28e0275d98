import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import UserFactory
from tests.workshops.factories import ProgrammeFactory, RegistrationFactory, SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import services
from tremplin.workshops.catalogue import NATIONAL_PROGRAMMES
from tremplin.workshops.enums import Attendance, Autonomy, RegistrationSource, RegistrationStatus, SessionStatus
from tremplin.workshops.models import Programme, Registration

pytestmark = pytest.mark.django_db
STAFF = RegistrationSource.STAFF


def book(session, person=None, **kwargs):
    return services.registration_create(
        session=session, beneficiary=person or BeneficiaryFactory(), source=STAFF, **kwargs
    )


def test_seed_catalogue_is_idempotent_and_keeps_manager_edits():
    first = services.seed_catalogue()
    assert len(first) == len(NATIONAL_PROGRAMMES) == 5
    assert {p.theme for p in first} >= {"email", "sante", "banque_et_achats_en_ligne"}
    Programme.objects.filter(seed_key="email-debutant").update(title="Ma boîte mail")
    services.seed_catalogue()
    assert Programme.objects.count() == 5
    assert Programme.objects.get(seed_key="email-debutant").title == "Ma boîte mail"


def test_bookings_fill_the_seats_then_the_waitlist_in_order(notified):
    session = SessionFactory(capacity=2)
    registrations = [book(session) for _ in range(4)]
    assert [r.status for r in registrations] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.position for r in registrations] == [None, None, 1, 2]
    assert [services.waitlist_position(r) for r in registrations] == [None, None, 1, 2]
    assert [kind for _, kind in notified] == ["confirmation", "confirmation", "waitlist", "waitlist"]


def test_the_same_person_cannot_hold_two_active_registrations():
    session = SessionFactory()
    person = BeneficiaryFactory()
    first = book(session, person)
    with pytest.raises(services.AlreadyRegistered) as error:
        book(session, person)
    assert error.value.registration == first
    services.registration_cancel(registration=first)
    assert book(session, person).status == RegistrationStatus.CONFIRMED  # may book again after cancelling


def test_cancelling_a_seat_promotes_the_first_person_waiting_and_tells_them(notified):
    session = SessionFactory(capacity=1)
    seated, first_waiting, second_waiting = book(session), book(session), book(session)
    notified.clear()
    services.registration_cancel(registration=seated)
    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == RegistrationStatus.CONFIRMED and first_waiting.promoted_at
    assert services.waitlist_position(second_waiting) == 1
    assert notified == [(seated.pk, "cancellation"), (first_waiting.pk, "promotion")]
    assert session.registrations.confirmed().count() == 1


def test_cancelling_a_waiting_person_promotes_nobody_and_is_idempotent(notified):
    session = SessionFactory(capacity=1)
    book(session)
    waiting = book(session)
    services.registration_cancel(registration=waiting)
    services.registration_cancel(registration=waiting)
    assert session.registrations.confirmed().count() == 1
    assert [k for _, k in notified].count("promotion") == 0


def test_closed_sessions_refuse_bookings():
    with pytest.raises(services.SessionNotOpen):
        book(SessionFactory(cancelled=True))
    with pytest.raises(services.SessionNotOpen):
        book(SessionFactory(past=True))


def test_session_cancel_cancels_every_registration_and_tells_each_person(notified):
    session = SessionFactory(capacity=1)
    seated, waiting = book(session), book(session)
    notified.clear()
    services.session_cancel(session=session)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED
    assert set(Registration.objects.values_list("status", flat=True)) == {RegistrationStatus.CANCELLED}
    assert sorted(notified) == sorted([(seated.pk, "cancellation"), (waiting.pk, "cancellation")])


def test_session_update_announces_a_new_time_and_more_seats_promote(notified):
    session = SessionFactory(capacity=1)
    seated, waiting = book(session), book(session)
    notified.clear()
    services.session_update(session=session, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert notified == [(waiting.pk, "promotion")]
    notified.clear()
    new_start = session.starts_at + datetime.timedelta(hours=1)
    services.session_update(session=session, starts_at=new_start, ends_at=new_start + datetime.timedelta(hours=2))
    assert sorted(notified) == sorted([(seated.pk, "change"), (waiting.pk, "change")])
    with pytest.raises(ValidationError) as error:
        services.session_update(session=session, capacity=1)
    assert "capacity" in error.value.message_dict


def test_series_creates_one_session_a_week_at_the_same_local_time():
    programme = ProgrammeFactory(duration_minutes=120)
    mediator = UserFactory(mediator=True)
    start = timezone.make_aware(datetime.datetime(2031, 3, 18, 14, 0))  # crosses the switch to summer time
    sessions = services.session_series_create(
        weeks=6, programme=programme, mediator=mediator, starts_at=start, capacity=8, is_remote=True
    )
    assert len(sessions) == 6
    assert len({s.series_id for s in sessions}) == 1
    assert {timezone.localtime(s.starts_at).strftime("%a %H:%M") for s in sessions} == {"Tue 14:00"}
    assert all(s.ends_at - s.starts_at == datetime.timedelta(hours=2) for s in sessions)
    assert sessions[0].series.label == f"{programme.title} — chaque mardi à 14h00, 6 semaines"  # French, any locale
    with pytest.raises(ValidationError):
        services.session_series_create(weeks=0, programme=programme, mediator=mediator, starts_at=start, capacity=8)


def test_session_needs_a_place_or_remote():
    with pytest.raises(ValidationError):
        services.session_create(
            programme=ProgrammeFactory(), mediator=UserFactory(mediator=True), starts_at=timezone.now(), capacity=8
        )


def test_booking_for_a_person_reuses_the_record_with_the_same_phone(world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    first = services.registration_create_for_person(
        session=session,
        first_name="Lucie",
        last_name="Perrin",
        phone="06 11 22 33 44",
        consent_given=True,
        user=world.users.counter,
        source=RegistrationSource.STAFF,
    )
    assert first.beneficiary.mobile_phone == "0611223344"
    assert first.beneficiary.organisation == world.la_poste
    assert first.beneficiary.consents.count() == 2
    other_session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    second = services.registration_create_for_person(
        session=other_session, first_name="L.", last_name="Perrin", phone="+33611223344", source=STAFF
    )
    assert second.beneficiary == first.beneficiary
    with pytest.raises(services.AlreadyRegistered):
        services.registration_create_for_person(
            session=session, first_name="Lucie", last_name="P", phone="0611223344", source=STAFF
        )
    landline = services.registration_create_for_person(
        session=session, first_name="Marc", last_name="Roux", phone="02 96 00 00 00", source=STAFF
    )
    assert landline.beneficiary.landline_phone == "0296000000" and landline.beneficiary.preferred_channel == "appel"


def test_booking_for_a_person_gives_per_field_french_errors(world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    with pytest.raises(ValidationError) as error:
        services.registration_create_for_person(session=session, first_name="", last_name="", phone="12", source=STAFF)
    assert "téléphone" in error.value.message_dict["phone"][0]
    with pytest.raises(ValidationError) as error:
        services.registration_create_for_person(
            session=session, first_name="", last_name="Roux", phone="0611111111", source=STAFF
        )
    assert error.value.message_dict == {"first_name": ["Indiquez le prénom."]}
    with pytest.raises(ValidationError) as error:
        services.registration_create_for_person(
            session=session, first_name="A", last_name="B", phone="0611111111", birth_year=1850, source=STAFF
        )
    assert "birth_year" in error.value.message_dict
    assert not Beneficiary.objects.filter(mobile_phone="0611111111").exists()


def test_attendance_keeps_autonomy_for_present_people_and_closes_the_session():
    session = SessionFactory(past=True, capacity=3)
    present, absent = RegistrationFactory(session=session), RegistrationFactory(session=session)
    services.attendance_record(
        session=session,
        marks={
            present.pk: (Attendance.PRESENT, Autonomy.AUTONOMOUS),
            absent.pk: (Attendance.ABSENT, Autonomy.AUTONOMOUS),
        },
    )
    present.refresh_from_db()
    absent.refresh_from_db()
    session.refresh_from_db()
    assert (present.attendance, present.autonomy_reached) == ("present", "autonome")
    assert (absent.attendance, absent.autonomy_reached) == ("absent", "")
    assert session.status == SessionStatus.DONE
    with pytest.raises(ValidationError):
        services.attendance_record(session=SessionFactory(), marks={})  # not started yet


def test_confirm_by_person_records_the_time_once():
    registration = RegistrationFactory()
    services.registration_confirm_by_person(registration=registration)
    registration.refresh_from_db()
    first = registration.confirmed_by_person_at
    assert first is not None
    services.registration_confirm_by_person(registration=registration)
    registration.refresh_from_db()
    assert registration.confirmed_by_person_at == first
    services.registration_cancel(registration=registration)
    with pytest.raises(ValidationError):
        services.registration_confirm_by_person(registration=registration)
