"""GET /api/v1/places: public, rate-limited, French 422s, places with their distance."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import SiteFactory
from tremplin.places.models import Place

pytestmark = pytest.mark.django_db
URL = "/api/v1/places"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def make_place(lat, lon, **fields):
    values = {
        "external_id": fields.pop("external_id", f"lieu-{lat}-{lon}"),
        "pivot": "12345678901234",
        "name": "Lieu",
        "address": "1 rue de Rivoli",
        "postcode": "75001",
        "city": "Paris",
        "code_insee": "75101",
        "latitude": lat,
        "longitude": lon,
        "services": ["Aide aux démarches administratives"],
        "hours": "Mo-Fr 09:00-18:00",
        "source_updated_on": datetime.date(2026, 1, 15),
    }
    values.update(fields)
    return Place.objects.create(**values)


@pytest.fixture
def paris():
    make_place(48.86, 2.35, external_id="a", name="Démarches Paris", hours="Mo-Fr 09:00-18:00")
    make_place(48.90, 2.35, external_id="b", name="Matériel Nord", services=["Accès internet et matériel informatique"])
    make_place(48.851, 2.35, external_id="c", name="Horaires flous", hours="quand il fait beau", hours_valid=False)
    make_place(45.76, 4.83, external_id="d", name="Lyon")
    SiteFactory(name="PARIS LOUVRE", latitude=48.8505, longitude=2.3505)


def test_no_key_needed_places_with_distance_nearest_first(client, paris):
    response = client.get(URL, {"near": "48.85,2.35", "radius_km": "10"})
    assert response.status_code == 200
    body = response.json()
    assert [r["nom"] for r in body["results"]] == ["PARIS LOUVRE", "Horaires flous", "Démarches Paris", "Matériel Nord"]
    assert body["count"] == 4
    first_place = body["results"][2]
    assert first_place["distance_km"] == pytest.approx(1.112, abs=0.01)
    assert first_place["id"] == "a" and first_place["services"] == ["Aide aux démarches administratives"]
    assert first_place["code_postal"] == "75001" and first_place["horaires"] == "Mo-Fr 09:00-18:00"
    assert body["results"][0]["type"] == "Bureau de poste" and body["results"][0]["ouvert"] is None


def test_service_need_open_at_and_limit(client, paris):
    by_service = client.get(URL, {"near": "48.85,2.35", "service": "Accès internet et matériel informatique"}).json()
    assert [r["nom"] for r in by_service["results"]] == ["Matériel Nord"]
    by_need = client.get(URL, {"near": "48.85,2.35", "need": "demarches"}).json()
    assert {r["nom"] for r in by_need["results"]} == {"Démarches Paris", "Horaires flous"}
    sunday = client.get(URL, {"near": "48.85,2.35", "open_at": "2026-03-01T11:00"}).json()["results"]
    assert "Démarches Paris" not in [r["nom"] for r in sunday]
    flagged = {r["nom"]: r["ouvert"] for r in sunday}
    assert flagged["Horaires flous"] is None
    monday = client.get(URL, {"near": "48.85,2.35", "open_at": "2026-03-02T10:00:00+01:00"}).json()["results"]
    assert {r["nom"]: r["ouvert"] for r in monday}["Démarches Paris"] is True
    limited = client.get(URL, {"near": "48.85,2.35", "limit": "2"}).json()
    assert len(limited["results"]) == 2 and limited["count"] == 4


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({}, "near", "latitude,longitude"),
        ({"near": "48.85"}, "near", "degrés décimaux"),
        ({"near": "248.85,2.35"}, "near", "degrés décimaux"),
        ({"near": "48.85,2.35", "radius_km": "0"}, "radius_km", "kilomètres"),
        ({"near": "48.85,2.35", "radius_km": "abc"}, "radius_km", "kilomètres"),
        ({"near": "48.85,2.35", "service": "Cours de cuisine"}, "service", "Service inconnu"),
        ({"near": "48.85,2.35", "need": "cuisine"}, "need", "Besoin inconnu"),
        ({"near": "48.85,2.35", "open_at": "lundi"}, "open_at", "format ISO"),
        ({"near": "48.85,2.35", "limit": "500"}, "limit", "entre 1 et 200"),
    ],
)
def test_bad_parameters_answer_422_in_french(client, params, field, words):
    response = client.get(URL, params)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Paramètres invalides."
    assert words in " ".join(body["errors"][field])


def test_rate_limited_per_client_address(client, paris, settings):
    settings.TREMPLIN_API_PUBLIC_RATE = "3/h"  # tremplin.api.ratelimits (more in test_rate_limits.py)
    for _ in range(3):
        assert client.get(URL, {"near": "48.85,2.35"}).status_code == 200
    response = client.get(URL, {"near": "48.85,2.35"})
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Trop de requêtes") and int(response["Retry-After"]) >= 1


def test_bounded_queries(client, paris):
    """Besides the rate limit's cache, two queries (places, sites) for 4 places or 44."""
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"near": "48.85,2.35", "limit": "200"})
    for i in range(40):
        make_place(48.85 + i / 1000, 2.35, external_id=f"x{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(URL, {"near": "48.85,2.35", "limit": "200"}).json()["results"]) == 44
    for context in (few, many):
        searches = [
            q["sql"] for q in context.captured_queries if "FROM" in q["sql"] and "tremplin_cache" not in q["sql"]
        ]
        assert len(searches) == 2
        assert len(context) <= 13
