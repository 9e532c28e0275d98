"""Capacity under concurrent bookings, each in its own connection: on PostgreSQL the session row lock, on SQLite
(a file database, IMMEDIATE transactions: tremplin/settings/base.py and test.py) the database write lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, SiteFactory
from tests.workshops.factories import SessionFactory
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus
from tremplin.workshops.models import Registration

BOOKINGS, SEATS = 50, 10


def _in_own_connection(function):
    """Run `function` in this thread's own database connection, closed afterwards."""

    def run(*args):
        try:
            return function(*args)
        finally:
            connections.close_all()

    return run


@pytest.mark.django_db(transaction=True)
def test_50_simultaneous_bookings_for_10_seats_then_cancellations_promote_the_first_waiting():
    site = SiteFactory()
    session = SessionFactory(site=site, capacity=SEATS)
    organisation = OrganisationFactory(la_poste=True)
    people = [BeneficiaryFactory(organisation=organisation, site=site) for _ in range(BOOKINGS)]
    barrier = threading.Barrier(BOOKINGS)

    @_in_own_connection
    def book(person):
        barrier.wait(timeout=30)
        registration = services.registration_create(session=session, beneficiary=person, source=RegistrationSource.API)
        return registration.pk, registration.status, registration.position

    with ThreadPoolExecutor(max_workers=BOOKINGS) as pool:
        results = list(pool.map(book, people))

    statuses = [status for _, status, _ in results]
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.WAITLISTED) == BOOKINGS - SEATS
    # Positions given to the callers are 1..40, each once: the waitlist order is the booking order.
    assert sorted(position for _, status, position in results if position) == list(range(1, BOOKINGS - SEATS + 1))
    assert session.registrations.confirmed().count() == SEATS

    waiting = list(session.registrations.waitlisted().values_list("pk", flat=True))
    by_position = {position: pk for pk, _, position in results if position}
    assert waiting == [by_position[p] for p in range(1, BOOKINGS - SEATS + 1)]

    # Three seated people cancel at the same time: exactly the first three waiting get their seats.
    seated = list(session.registrations.confirmed()[:3])
    barrier_cancel = threading.Barrier(3)

    @_in_own_connection
    def cancel(registration):
        barrier_cancel.wait(timeout=30)
        services.registration_cancel(registration=registration)

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(cancel, seated))

    assert session.registrations.confirmed().count() == SEATS
    promoted = set(Registration.objects.filter(pk__in=waiting[:3]).values_list("status", flat=True))
    assert promoted == {RegistrationStatus.CONFIRMED}
    assert list(session.registrations.waitlisted().values_list("pk", flat=True)) == waiting[3:]
