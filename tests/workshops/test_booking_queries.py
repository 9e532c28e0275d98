"""How many SQL statements one booking costs in the service, on both engines: an added query fails here.

The path is the one the API and the bench take: a post office of La Poste, a person who gets an SMS (its text
is written later by the worker), the send task queued on the real database queue when the booking commits.
Inside the test's transaction the service's `atomic` block is a savepoint: SAVEPOINT and RELEASE are counted
where production has BEGIN and COMMIT. Figures measured on 2026-12-01 (same on PostgreSQL and SQLite); a
lower count is welcome, then lower the bound here too.
"""

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.workshops.factories import SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus

pytestmark = pytest.mark.django_db

# SAVEPOINT, the session locked with the caller's scope, the person's active registration, the statuses of the
# session's registrations (seats taken and waitlist rank), INSERT registration, INSERT notification, RELEASE,
# INSERT of the send task (on commit).
BOOK_KNOWN_PERSON = 8
# SAVEPOINT, locked session, records with this phone, INSERT person, INSERT journal entry, statuses,
# INSERT registration, INSERT notification, RELEASE, INSERT send task.
BOOK_NEW_PERSON = 10
# As a new person, with the person's active registration read instead of the two INSERTs of the record.
BOOK_PERSON_FOUND_BY_PHONE = 9


@pytest.fixture
def notified():
    """The real notifications (the workshops conftest stubs them): they are part of a booking's cost."""


@pytest.fixture
def booking(settings):
    """A session of 1 seat at a La Poste post office, its mediator, and the real database task queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    la_poste = OrganisationFactory(la_poste=True)
    site = SiteFactory(organisation=la_poste)
    mediator = UserFactory(mediator=True, organisation=la_poste, sites=[site])
    return SessionFactory(site=site, mediator=mediator, capacity=1), mediator


def book_for_person(session, mediator, phone):
    return services.registration_create_for_person(
        session=session.pk,
        first_name="Lucie",
        last_name="Perrin",
        phone=phone,
        birth_year=1950,
        source=RegistrationSource.API,
        user=mediator,
    )


@pytest.mark.parametrize("full", [False, True], ids=["seat", "waitlist"])
def test_booking_a_known_person_costs_8_statements(
    booking, full, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    session, mediator = booking
    if full:
        services.registration_create(
            session=session, beneficiary=BeneficiaryFactory(with_contacts=True), source=RegistrationSource.API
        )
    person = BeneficiaryFactory(with_contacts=True, organisation=mediator.organisation)
    with django_assert_max_num_queries(BOOK_KNOWN_PERSON), django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(
            session=session.pk, beneficiary=person, source=RegistrationSource.API, user=mediator
        )
    assert registration.status == (RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED)


def test_booking_a_new_person_by_name_and_phone_costs_10_statements(
    booking, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    session, mediator = booking
    with django_assert_max_num_queries(BOOK_NEW_PERSON), django_capture_on_commit_callbacks(execute=True):
        registration = book_for_person(session, mediator, "06 11 22 33 44")
    assert registration.status == RegistrationStatus.CONFIRMED
    assert Beneficiary.objects.get(mobile_phone="0611223344") == registration.beneficiary


def test_booking_a_person_found_by_phone_costs_9_statements(
    booking, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    session, mediator = booking
    known = BeneficiaryFactory(organisation=mediator.organisation, mobile_phone="0611223344", preferred_channel="sms")
    with django_assert_max_num_queries(BOOK_PERSON_FOUND_BY_PHONE), django_capture_on_commit_callbacks(execute=True):
        registration = book_for_person(session, mediator, "+33 6 11 22 33 44")
    assert registration.beneficiary == known and registration.status == RegistrationStatus.CONFIRMED
