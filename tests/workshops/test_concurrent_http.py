"""Simultaneous bookings through the whole HTTP stack (a real server, one thread per request), on both engines.

On SQLite (`make demo`, a small pilot) writes must queue instead of failing with "database is locked": WAL,
a busy timeout and transactions that take the write lock when they begin (tremplin/settings/base.py). On
PostgreSQL the lock of the session row does the same job. Either way: 201 answers only, exactly the seats
confirmed, everyone else on the waitlist at positions 1..n, without gap or duplicate. The test database is a
file on SQLite (tremplin/settings/test.py), so every server thread has its own connection.
"""

import http.client
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.workshops.factories import SessionFactory
from tremplin.accounts.tokens import api_token_create
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import services
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus

BOOKINGS, SEATS = 24, 5


@pytest.fixture
def notified():
    """The real notifications (the workshops conftest stubs them): their writes compete for the database too."""


@pytest.fixture
def place(transactional_db):
    """A La Poste post office, its mediator with an API key, and a session of SEATS seats there."""
    la_poste = OrganisationFactory(la_poste=True)
    site = SiteFactory(organisation=la_poste)
    mediator = UserFactory(mediator=True, organisation=la_poste, sites=[site])
    _, key = api_token_create(user=mediator, label="test")
    return SessionFactory(site=site, mediator=mediator, capacity=SEATS), key


def call(url: str, key: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = json.dumps(body).encode() if body is not None else None
    method = "POST" if body is not None else "GET"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 (live server)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def kept_alive(live_server) -> http.client.HTTPConnection:
    """A connection the server has already answered once and keeps open. Connected one after the other before
    the bookings leave, so that none is lost in the test server's short listen queue (10 places)."""
    address = urllib.parse.urlsplit(live_server.url)
    for _ in range(3):
        conn = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        try:
            conn.request("GET", "/api/v1/health")
            response = conn.getresponse()
            response.read()
            if response.status == 200 and response.getheader("Connection", "").lower() != "close":
                return conn
        except OSError:
            pass
        conn.close()
    raise AssertionError("le serveur de test ne garde pas la connexion ouverte")


def test_simultaneous_api_bookings_all_answer_201_and_fill_exactly_the_seats(live_server, place):
    session, key = place
    path = f"/api/v1/sessions/{session.pk}/registrations"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    kept = [kept_alive(live_server) for _ in range(BOOKINGS)]
    barrier = threading.Barrier(BOOKINGS)

    def book(i):
        body = {"first_name": "Personne", "last_name": f"Simultanée {i}", "phone": f"06{i:08d}", "birth_year": 1950}
        conn = kept[i]
        barrier.wait(timeout=30)  # every booking leaves at the same moment
        try:
            conn.request("POST", path, body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=BOOKINGS) as pool:
        answers = list(pool.map(book, range(BOOKINGS)))

    errors = [(status, body[:300]) for status, body in answers if status != 201]
    assert not errors, f"{len(errors)} réponses autres que 201, dont : {errors[0]}"
    bodies = [json.loads(body) for _, body in answers]
    assert [b["status"] for b in bodies].count("confirmed") == SEATS
    assert sorted(b["position"] for b in bodies if b["status"] == "waitlisted") == list(range(1, BOOKINGS - SEATS + 1))

    # In the database: exactly the seats, everyone else waiting in the order of the positions given.
    assert session.registrations.confirmed().count() == SEATS
    waiting = list(session.registrations.waitlisted())
    assert len(waiting) == BOOKINGS - SEATS
    by_position = {b["position"]: b["id"] for b in bodies if b["position"]}
    assert [r.pk for r in waiting] == [by_position[p] for p in range(1, BOOKINGS - SEATS + 1)]
    assert [services.waitlist_position(r) for r in waiting] == list(range(1, BOOKINGS - SEATS + 1))
    # Each booking is a new person: one record per phone, none created twice.
    phones = [f"06{i:08d}" for i in range(BOOKINGS)]
    assert Beneficiary.objects.filter(mobile_phone__in=phones).count() == BOOKINGS


def test_pages_that_only_read_answer_while_a_booking_holds_the_write_lock(live_server, place):
    """A booking in progress (its transaction open, so the write lock held on SQLite) does not hold up the
    public page of the place nor an API read: they answer at once, without the uncommitted seat."""
    session, key = place
    person = BeneficiaryFactory(with_contacts=True, organisation=session.site.organisation)
    holding, release = threading.Event(), threading.Event()

    def book_and_wait():
        try:
            with transaction.atomic():
                services.registration_create(session=session.pk, beneficiary=person, source=RegistrationSource.API)
                holding.set()
                release.wait(timeout=120)
        finally:
            connections.close_all()

    writer = threading.Thread(target=book_and_wait)
    writer.start()
    try:
        assert holding.wait(timeout=30)
        page_status, page = call(f"{live_server.url}/ateliers/lieu/{session.site_id}/")
        api_status, detail = call(f"{live_server.url}/api/v1/sessions/{session.pk}", key)
    finally:
        release.set()
        writer.join(timeout=60)
    assert page_status == 200 and f"{SEATS} places libres" in page.decode()
    assert api_status == 200 and json.loads(detail)["confirmed"] == 0
    assert session.registrations.get().status == RegistrationStatus.CONFIRMED  # committed once released


@pytest.mark.django_db
def test_sqlite_uses_wal_a_busy_timeout_and_takes_the_write_lock_at_begin():
    if connection.vendor != "sqlite":
        pytest.skip("réglages propres à SQLite")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal_mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        busy_timeout_ms = cursor.fetchone()[0]
    assert journal_mode == "wal"
    assert busy_timeout_ms >= 10_000
    assert connection.transaction_mode == "IMMEDIATE"
