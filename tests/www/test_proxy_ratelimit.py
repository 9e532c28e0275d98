"""The client address behind a reverse proxy (TREMPLIN_TRUSTED_PROXY_COUNT) for the login lockout and the rate
limits, and rate limits counted in the shared cache (the database), so that every server process sees the same
count."""

import datetime
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django_ratelimit.core import _get_window

from tests.factories import PASSWORD, UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.www.proxy import client_address
from tremplin.www.ratelimits import LIMITED_MESSAGE

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")
PROXY = "10.0.0.2"  # our nginx, as the application sees it


def request(remote="192.0.2.10", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def fresh_address(prefix="198.51.100.", seconds=3600) -> str:
    """A client address whose rate-limit window (django-ratelimit: one per hour, shifted per key) does not end
    during the test: the count would start again at zero."""
    now = time.time()
    for last in range(1, 255):
        address = f"{prefix}{last}"
        if _get_window(address, seconds) - now > 300:
            return address
    raise AssertionError("aucune adresse disponible")


# --- the client address --------------------------------------------------------------------------


def test_without_a_proxy_a_forged_forwarded_for_is_ignored(settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 0
    assert client_address(request("192.0.2.10", "203.0.113.99")) == "192.0.2.10"


def test_behind_one_proxy_the_address_it_received_the_request_from(settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 1
    # The client wrote "6.6.6.6" itself; nginx appended the address it saw.
    assert client_address(request(PROXY, "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert client_address(request(PROXY, "203.0.113.7")) == "203.0.113.7"
    assert client_address(request(PROXY, " 2001:db8::1 ")) == "2001:db8::1"
    # Not through the proxy (no header), or a header that is not an address: the connection's address.
    assert client_address(request("192.0.2.10")) == "192.0.2.10"
    assert client_address(request(PROXY, "6.6.6.6, pas-une-adresse")) == PROXY


def test_behind_two_proxies_the_second_address_from_the_right(settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 2
    assert client_address(request(PROXY, "6.6.6.6, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"
    assert client_address(request(PROXY, "203.0.113.7")) == "203.0.113.7"  # came in through the inner one only


# --- login lockout (django-axes) -----------------------------------------------------------------


def fail_logins(client, count, **meta):
    for _ in range(count):
        client.post(LOGIN, {"username": "camille@tremplin.test", "password": "pas-le-bon"}, **meta)


def signs_in(**meta) -> bool:
    client = Client()
    response = client.post(LOGIN, {"username": "camille@tremplin.test", "password": PASSWORD}, **meta)
    return response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_lockout_cannot_be_escaped_by_forging_forwarded_for_without_a_proxy(client, settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 0
    UserFactory(email="camille@tremplin.test")
    for i in range(settings.AXES_FAILURE_LIMIT):
        fail_logins(client, 1, REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert not signs_in(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.200")


@pytest.mark.django_db
def test_behind_the_proxy_the_lockout_is_per_real_client(client, settings):
    from axes.models import AccessAttempt

    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 1
    UserFactory(email="camille@tremplin.test")
    fail_logins(client, settings.AXES_FAILURE_LIMIT, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]
    # The attacker is locked out, whatever they write in the header; the real user behind the same proxy is not.
    assert not signs_in(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert signs_in(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.44")


# --- rate limits ---------------------------------------------------------------------------------


def open_place():
    """A place with an upcoming session: its public page shows the booking form."""
    return SessionFactory().site


def honeypot_post(client, site, **meta):
    """A post of the public booking form that books nothing (the robots' hidden field is filled) but counts."""
    return client.post(reverse("workshops:public", args=[site.pk]), {"website": "http://spam.example"}, **meta)


def is_limited(response) -> bool:
    return LIMITED_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_public_booking_limit_is_per_real_client_behind_the_proxy(settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 1
    site = open_place()
    attacker, neighbour = fresh_address("203.0.113."), fresh_address("192.0.2.")
    client = Client()
    answers = [
        is_limited(honeypot_post(client, site, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=attacker)) for _ in range(21)
    ]
    assert answers == [False] * 20 + [True]
    # Writing another address on the left changes nothing: the proxy's own entry is the one read.
    forged = f"198.51.100.77, {attacker}"
    assert is_limited(honeypot_post(client, site, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged))
    # Someone else behind the same proxy is not limited.
    response = honeypot_post(Client(), site, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=neighbour)
    assert response.status_code == 200 and not is_limited(response)


@pytest.mark.django_db
def test_without_a_proxy_forged_forwarded_for_does_not_reset_the_limit(settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 0
    site = open_place()
    address = fresh_address()
    client = Client()
    answers = [
        is_limited(honeypot_post(client, site, REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"))
        for i in range(21)
    ]
    assert answers == [False] * 20 + [True]


@pytest.mark.django_db
def test_limited_page_says_so_in_french(settings):
    site = open_place()
    address = fresh_address()
    for _ in range(20):
        honeypot_post(Client(), site, REMOTE_ADDR=address)
    response = honeypot_post(Client(), site, REMOTE_ADDR=address)
    assert response.status_code == 200  # the page with its form, the message above it
    html = response.content.decode()
    assert LIMITED_MESSAGE in html and 'role="alert"' in html and "<form" in html


@pytest.mark.django_db
def test_manage_registration_link_is_rate_limited(monkeypatch):
    monkeypatch.setattr("tremplin.workshops.services.registration_notify", lambda **kwargs: None)
    registration = RegistrationFactory(session=SessionFactory())
    url = reverse("workshops:manage", args=[registration.token])
    address = fresh_address()
    client = Client(REMOTE_ADDR=address)
    codes = [client.post(url, {"action": "inconnue"}).status_code for _ in range(31)]
    assert codes == [302] * 30 + [429]
    response = client.post(url, {"action": "confirmer"})
    assert response.status_code == 429
    assert LIMITED_MESSAGE in response.content.decode()
    registration.refresh_from_db()
    assert registration.confirmed_by_person_at is None  # the limited request did nothing
    # Reading the page is not limited, nor another address.
    assert client.get(url).status_code == 200
    assert Client(REMOTE_ADDR=fresh_address("192.0.2.")).post(url, {"action": "inconnue"}).status_code == 302


# --- one count for every process -----------------------------------------------------------------


def test_rate_limits_use_the_shared_database_cache_by_default():
    assert isinstance(caches["default"], DatabaseCache)  # Django's database cache, with tremplin's incr


@pytest.mark.django_db
def test_database_cache_increment_keeps_the_expiry():
    """Django's own DatabaseCache.incr re-sets the key with the default timeout (5 minutes): an hourly limit
    would start again after a 5-minute pause."""
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False) as traveller:
        cache.add("compteur", 0, timeout=3600)
        assert cache.incr("compteur") == 1 and cache.incr("compteur", 5) == 6
        traveller.shift(datetime.timedelta(minutes=10))
        assert cache.get("compteur") == 6
        assert cache.incr("compteur") == 7
        traveller.shift(datetime.timedelta(minutes=51))
        assert cache.get("compteur") is None
        with pytest.raises(ValueError):
            cache.incr("compteur")  # expired: gone, as with every other backend
    with pytest.raises(ValueError):
        cache.incr("absent")


@pytest.mark.django_db(transaction=True)
def test_database_cache_increments_at_the_same_time_are_all_counted():
    """Four workers counting the same key at once, each on its own database connection: no increment is lost
    (Django's own incr reads then writes, and two workers may both write n+1)."""
    from django.db import connections

    cache.add("simultane", 0, timeout=3600)
    start = threading.Barrier(4)
    errors = []

    def worker():
        try:
            start.wait()
            for _ in range(25):
                caches["default"].incr("simultane")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.get("simultane") == 100


SECOND_PROCESS = """
import json, sys
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from tremplin.www.ratelimits import LIMITED_MESSAGE
url, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = Client(REMOTE_ADDR=address)
answers = [
    LIMITED_MESSAGE in client.post(url, {"website": "http://spam.example"}).content.decode() for _ in range(count)
]
print(json.dumps(answers))
"""


def database_url() -> str:
    """The test database, as another process would be configured to reach it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        if connection.is_in_memory_db():
            pytest.skip("base SQLite en mémoire : un autre processus ne la voit pas")
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def posts_from_another_process(url: str, address: str, count: int, **env) -> list[bool]:
    """`count` posts to `url` from `address` by another Python process on the same database (and `env`):
    whether each was limited."""
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tremplin.settings.test", "DATABASE_URL": database_url(), **env}
    result = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, url, address, str(count)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_the_count():
    """Twenty posts an hour per address, whichever server process answers: ten here, eleven in another process."""
    site = open_place()
    url = reverse("workshops:public", args=[site.pk])
    address = fresh_address()
    here = [is_limited(honeypot_post(Client(), site, REMOTE_ADDR=address)) for _ in range(10)]
    assert here == [False] * 10
    assert posts_from_another_process(url, address, 11) == [False] * 10 + [True]
    # And back here, the count is the one the other process left.
    assert is_limited(honeypot_post(Client(), site, REMOTE_ADDR=address))
