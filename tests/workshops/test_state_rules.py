"""State changes that must be refused, and who changed what (issue 9, point 4), in the services that the
person's link, the staff screens and the API all call."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import UserFactory
from tests.workshops.factories import ProgrammeFactory, RegistrationFactory, SessionFactory
from tremplin.workshops import services
from tremplin.workshops.enums import Attendance, Autonomy, RegistrationStatus, SessionStatus

pytestmark = pytest.mark.django_db

PAST = "Cette séance a déjà commencé ou a eu lieu"
# A session that has taken place, one that started ten minutes ago, one whose attendance is done, a cancelled one.
CLOSED = {"past": PAST, "started": PAST, "done": PAST, "cancelled": "Cette séance est annulée"}


def closed_session(case):
    if case == "started":
        return SessionFactory(starts_at=timezone.now() - datetime.timedelta(minutes=10))
    if case == "done":
        return SessionFactory(past=True, status=SessionStatus.DONE)
    return SessionFactory(**{case: True})


@pytest.mark.parametrize("case", CLOSED)
def test_a_registration_of_a_closed_session_cannot_be_cancelled(case, notified):
    session = closed_session(case)
    seated = RegistrationFactory(session=session)
    waiting = RegistrationFactory(session=session, waitlisted=True)
    with pytest.raises(ValidationError) as error:
        services.registration_cancel(registration=seated)
    assert error.value.messages == [f"{CLOSED[case]} : l'inscription ne peut plus être annulée."]
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)
    assert notified == []


@pytest.mark.parametrize("case", CLOSED)
def test_a_registration_of_a_closed_session_cannot_be_confirmed_by_the_person(case):
    registration = RegistrationFactory(session=closed_session(case))
    with pytest.raises(ValidationError) as error:
        services.registration_confirm_by_person(registration=registration)
    assert error.value.messages == [f"{CLOSED[case]} : l'inscription ne peut plus être confirmée."]
    registration.refresh_from_db()
    assert registration.confirmed_by_person_at is None


@pytest.mark.parametrize("case", CLOSED)
def test_a_request_of_a_closed_session_cannot_be_confirmed(case, notified):
    registration = RegistrationFactory(
        session=closed_session(case), status=RegistrationStatus.REQUESTED, requested_at=timezone.now()
    )
    with pytest.raises(ValidationError) as error:
        services.registration_request_confirm(registration=registration, by=UserFactory(mediator=True))
    assert error.value.messages == [f"{CLOSED[case]} : la demande d'inscription ne peut plus être validée."]
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REQUESTED and notified == []


def test_cancelling_an_already_cancelled_registration_of_a_past_session_stays_idempotent():
    registration = RegistrationFactory(session=SessionFactory(past=True), status=RegistrationStatus.CANCELLED)
    assert services.registration_cancel(registration=registration).status == RegistrationStatus.CANCELLED


def test_programme_changes_keep_who_and_when():
    author, editor = UserFactory(mediator=True), UserFactory(national=True)
    programme = services.programme_create(
        by=author, title="Sécurité", theme="email", level="debutant", objective="reconnaît un faux message"
    )
    assert programme.created_by == author and programme.updated_at is None
    services.programme_update(programme=programme, by=editor, title="Sécurité")  # the same value: no change
    programme.refresh_from_db()
    assert programme.updated_at is None and programme.updated_by is None
    services.programme_update(programme=programme, by=editor, title="Sécurité en ligne")
    programme.refresh_from_db()
    assert programme.updated_by == editor and programme.updated_at is not None


def test_session_changes_and_cancellation_keep_who_and_when():
    planner, editor, canceller = (UserFactory(mediator=True) for _ in range(3))
    session = services.session_create(
        programme=ProgrammeFactory(),
        mediator=planner,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        capacity=8,
        is_remote=True,
        by=planner,
    )
    assert session.created_by == planner and session.updated_by is None
    services.session_update(session=session, by=editor, capacity=8)  # nothing changes
    session.refresh_from_db()
    assert session.updated_by is None
    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        services.session_update(session=session, by=editor, capacity=10)
    session.refresh_from_db()
    assert (session.updated_by, session.updated_at) == (editor, later)
    services.session_cancel(session=session, by=canceller)
    session.refresh_from_db()
    assert session.status == SessionStatus.CANCELLED and session.updated_by == canceller


def test_attendance_keeps_who_marked_each_person_and_when_only_for_marks_that_change():
    session = SessionFactory(past=True, capacity=3)
    first, second = RegistrationFactory(session=session), RegistrationFactory(session=session)
    morning, evening = UserFactory(mediator=True), UserFactory(mediator=True)
    services.attendance_record(
        session=session, marks={first.pk: (Attendance.PRESENT, ""), second.pk: ("", "")}, by=morning
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.attendance_marked_by == morning and first.attendance_marked_at is not None
    assert second.attendance_marked_by is None and second.attendance_marked_at is None  # left blank: no mark
    marked_at = first.attendance_marked_at
    later = timezone.now() + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        services.attendance_record(
            session=session,
            marks={first.pk: (Attendance.PRESENT, ""), second.pk: (Attendance.ABSENT, Autonomy.AUTONOMOUS)},
            by=evening,
        )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.attendance_marked_by, first.attendance_marked_at) == (morning, marked_at)  # unchanged mark
    assert (second.attendance_marked_by, second.attendance_marked_at) == (evening, later)
    with time_machine.travel(later + datetime.timedelta(hours=1), tick=False):
        services.attendance_record(
            session=session, marks={first.pk: (Attendance.PRESENT, Autonomy.PARTLY_AUTONOMOUS)}, by=morning
        )
    first.refresh_from_db()
    assert first.attendance_marked_by == morning and first.autonomy_reached == Autonomy.PARTLY_AUTONOMOUS
    assert first.attendance_marked_at == later + datetime.timedelta(hours=1)  # the autonomy changed
