"""Rate limits of the API (tremplin.api.ratelimits): per key with a key, per client address without one (the
directory of places, the OpenAPI document and its docs) and for refused keys; 429 with a French message and
Retry-After; counted in the shared cache (the database here)."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from tremplin.accounts import tokens
from tremplin.accounts.tokens import api_token_create
from tremplin.api.api import api

pytestmark = pytest.mark.django_db
PLACES = {"near": "48.85,2.35"}


@pytest.fixture(autouse=True)
def _frozen():
    """Time stands still (django-ratelimit counts per window of time): the counts cannot start again mid-test."""
    tokens._checked.clear()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller
    tokens._checked.clear()


def keyed(key, address="192.0.2.10"):
    return Client(REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Bearer {key}")


def assert_limited(response, longest):
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    seconds = int(response["Retry-After"])
    assert 1 <= seconds <= longest
    assert response.json() == {"detail": f"Trop de requêtes : réessayez dans {seconds} seconde{'s' * (seconds > 1)}."}


def test_429_after_the_rate_per_key_and_not_for_another_key(settings, _frozen):
    settings.TREMPLIN_API_RATE = "3/m"
    user = UserFactory(mediator=True)
    _, first = api_token_create(user=user)
    _, second = api_token_create(user=user, label="autre outil")
    for _ in range(3):
        assert keyed(first).get("/api/v1/sessions").status_code == 200
    assert_limited(keyed(first).get("/api/v1/sessions"), 60)
    # Every operation counts against the same allowance, from any address.
    assert_limited(keyed(first, "203.0.113.5").get("/api/v1/activities"), 60)
    # The other key of the same account has its own.
    assert keyed(second).get("/api/v1/sessions").status_code == 200
    _frozen.shift(datetime.timedelta(seconds=61))
    assert keyed(first).get("/api/v1/sessions").status_code == 200


def test_an_empty_rate_means_no_limit(settings):
    settings.TREMPLIN_API_RATE = ""
    _, key = api_token_create(user=UserFactory(mediator=True))
    assert all(keyed(key).get("/api/v1/sessions").status_code == 200 for _ in range(5))


def test_public_endpoints_per_client_address(settings):
    settings.TREMPLIN_API_PUBLIC_RATE = "3/h"
    here, neighbour = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    for _ in range(3):
        assert here.get("/api/v1/places", PLACES).status_code == 200
    assert_limited(here.get("/api/v1/places", PLACES), 3600)
    # The OpenAPI document and the docs page share the address's allowance.
    assert_limited(here.get("/api/v1/openapi.json"), 3600)
    assert_limited(here.get("/api/v1/docs"), 3600)
    assert neighbour.get("/api/v1/places", PLACES).status_code == 200
    assert neighbour.get("/api/v1/openapi.json").status_code == 200


def test_calls_with_a_key_do_not_use_the_address_allowance(settings):
    settings.TREMPLIN_API_PUBLIC_RATE = "2/h"
    settings.TREMPLIN_API_RATE = "100/m"
    _, key = api_token_create(user=UserFactory(mediator=True))
    for _ in range(5):
        assert keyed(key, "198.51.100.20").get("/api/v1/sessions").status_code == 200
    assert Client(REMOTE_ADDR="198.51.100.20").get("/api/v1/places", PLACES).status_code == 200


def test_refused_keys_count_per_address(settings):
    settings.TREMPLIN_API_PUBLIC_RATE = "3/h"
    for _ in range(3):
        assert keyed("pas-une-cle", "198.51.100.30").get("/api/v1/sessions").status_code == 401
    assert_limited(keyed("autre-essai", "198.51.100.30").get("/api/v1/sessions"), 3600)
    assert keyed("pas-une-cle", "198.51.100.31").get("/api/v1/sessions").status_code == 401


def test_health_is_not_limited(settings):
    settings.TREMPLIN_API_PUBLIC_RATE = "1/h"
    assert all(Client(REMOTE_ADDR="198.51.100.40").get("/api/v1/health").status_code == 200 for _ in range(4))


def test_behind_the_proxy_each_real_client_has_its_allowance(settings):
    settings.TREMPLIN_TRUSTED_PROXY_COUNT = 1
    settings.TREMPLIN_API_PUBLIC_RATE = "2/h"
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(2):
        assert proxy.get("/api/v1/places", PLACES, HTTP_X_FORWARDED_FOR="203.0.113.50").status_code == 200
    assert proxy.get("/api/v1/places", PLACES, HTTP_X_FORWARDED_FOR="203.0.113.50").status_code == 429
    # A forged first address does not give a new allowance; another real client has one.
    forged = proxy.get("/api/v1/places", PLACES, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    assert forged.status_code == 429
    assert proxy.get("/api/v1/places", PLACES, HTTP_X_FORWARDED_FOR="203.0.113.51").status_code == 200


def test_every_operation_documents_its_429():
    document = api.get_openapi_schema()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "429" in {str(code) for code in operation["responses"]}, (method, path)
