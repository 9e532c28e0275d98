"""Requests from the public page confirmed at the same moment never overbook the session: each confirmation
takes its place under the session lock, and the waitlist order is the order of confirmation. PostgreSQL: the
session row lock; SQLite: the write lock each transaction takes when it begins (IMMEDIATE)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.workshops.factories import SessionFactory
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationStatus

REQUESTS, SEATS = 30, 5


@pytest.mark.django_db(transaction=True)
def test_30_requests_confirmed_at_once_for_5_seats_fill_the_seats_then_the_waitlist_in_order():
    la_poste = OrganisationFactory(la_poste=True)
    site = SiteFactory(organisation=la_poste)
    agent = UserFactory(mediator=True, organisation=la_poste, sites=[site])
    session = SessionFactory(site=site, mediator=agent, capacity=SEATS)
    requests = [
        services.registration_request(session=session, first_name="Lucie", last_name=f"P{i}", phone=f"06100000{i:02d}")
        for i in range(REQUESTS)
    ]
    barrier = threading.Barrier(REQUESTS)

    def confirm(numbered):
        number, request = numbered
        try:
            barrier.wait(timeout=30)
            by = agent if number % 3 == 0 else None  # some by an agent after a call, the others by their link
            confirmed = services.registration_request_confirm(registration=request, by=by)
            return confirmed.pk, confirmed.status, confirmed.position
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        results = list(pool.map(confirm, enumerate(requests)))

    statuses = [status for _, status, _ in results]
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.WAITLISTED) == REQUESTS - SEATS
    assert session.registrations.confirmed().count() == SEATS
    positions = {position: pk for pk, _, position in results if position}
    assert sorted(positions) == list(range(1, REQUESTS - SEATS + 1))
    waiting = list(session.registrations.waitlisted().values_list("pk", flat=True))
    assert waiting == [positions[p] for p in range(1, REQUESTS - SEATS + 1)]
    assert not session.registrations.requested().exists()
