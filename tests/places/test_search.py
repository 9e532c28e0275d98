"""Nearby search: the directory's places with post offices, France services and Étape numérique spaces, by
distance, need, service, opening time and accessibility; correct against a brute-force haversine."""

import datetime
import random

import numpy as np
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import SiteFactory
from tremplin.network.enums import SiteKind
from tremplin.opendata.geo import haversine_km
from tremplin.places import needs, schema
from tremplin.places.models import Place
from tremplin.places.search import HOURS_TO_CHECK, bounding_box, format_distance, search

pytestmark = pytest.mark.django_db
PARIS = (48.8566, 2.3522)
# Monday 2 March 2026, 10:00 and 20:00 in Paris.
MONDAY_10 = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))
MONDAY_20 = timezone.make_aware(datetime.datetime(2026, 3, 2, 20, 0))
_counter = iter(range(10**9))


def make_place(lat, lon, **fields):
    n = next(_counter)
    values = {
        "external_id": f"lieu-{n}",
        "pivot": "12345678901234",
        "name": f"Lieu {n}",
        "address": f"{n} rue de la Paix",
        "postcode": "75001",
        "city": "Paris",
        "latitude": lat,
        "longitude": lon,
        "services": ["Aide aux démarches administratives"],
        "hours": "Mo-Fr 09:00-18:00",
        "source_updated_on": datetime.date(2026, 1, 15),
    }
    values.update(fields)
    return Place.objects.create(**values)


def offset(lat, lon, km_north=0.0, km_east=0.0):
    """A point about km_north / km_east away (small distances)."""
    return lat + km_north / 111.195, lon + km_east / (111.195 * np.cos(np.radians(lat)))


def names(found):
    return [r.name for r in found.results]


def test_the_four_need_groups_cover_the_nine_official_services_once():
    services = [service for need in needs.NEEDS for service in need.services]
    assert sorted(services) == sorted(schema.SERVICES)
    assert len(schema.SERVICES) == 9


def test_results_are_sorted_by_distance_and_stop_at_the_radius():
    far = make_place(*offset(*PARIS, km_north=9), name="Loin")
    near = make_place(*offset(*PARIS, km_east=1), name="Près")
    make_place(*offset(*PARIS, km_north=12), name="Trop loin")
    found = search(latitude=PARIS[0], longitude=PARIS[1], radius_km=10, open_at=None)
    assert names(found) == ["Près", "Loin"]
    assert found.results[0].distance_km == pytest.approx(1, abs=0.01)
    assert found.results[0].place == near and found.results[1].place == far


def test_post_offices_and_france_services_appear_with_the_places_and_a_linked_site_only_once():
    post = SiteFactory(name="BUREAU DE POSTE CENTRE", latitude=PARIS[0], longitude=PARIS[1] + 0.01)
    SiteFactory(name="FRANCE SERVICES NORD", france_services=True, latitude=PARIS[0] + 0.02, longitude=PARIS[1])
    SiteFactory(name="ÉTAPE NUMÉRIQUE", kind=SiteKind.ETAPE_NUMERIQUE, latitude=PARIS[0] + 0.03, longitude=PARIS[1])
    SiteFactory(name="LIEU PARTENAIRE", partner_place=True, latitude=PARIS[0], longitude=PARIS[1])
    linked = SiteFactory(name="BUREAU LIÉ", latitude=PARIS[0] + 0.005, longitude=PARIS[1])
    make_place(linked.latitude, linked.longitude, name="Espace numérique du bureau", site=linked)
    found = search(latitude=PARIS[0], longitude=PARIS[1], radius_km=10)
    assert names(found) == [
        "Espace numérique du bureau",
        "BUREAU DE POSTE CENTRE",
        "FRANCE SERVICES NORD",
        "ÉTAPE NUMÉRIQUE",
    ]
    office = found.results[1]
    assert office.kind == "Bureau de poste" and office.site_id == post.pk and office.place is None
    assert office.status == HOURS_TO_CHECK and office.open is None
    # Asked for administrative help: a post office without a directory entry offers none, France services do.
    demarches = search(latitude=PARIS[0], longitude=PARIS[1], radius_km=10, need="demarches")
    assert "BUREAU DE POSTE CENTRE" not in names(demarches)
    assert "FRANCE SERVICES NORD" in names(demarches)


def test_need_and_service_filters_keep_places_offering_one_of_the_services():
    make_place(*PARIS, name="Démarches", services=["Aide aux démarches administratives"])
    make_place(*PARIS, name="Matériel", services=["Accès internet et matériel informatique"])
    make_place(
        *PARIS,
        name="Parents",
        services=["Parentalité et éducation avec le numérique", "Loisirs et créations numériques"],
    )
    kw = {"latitude": PARIS[0], "longitude": PARIS[1], "include_sites": False}
    assert names(search(**kw, need="manque-de-materiel")) == ["Matériel"]
    assert names(search(**kw, need="culture-numerique")) == ["Parents"]
    assert names(search(**kw, services=["Aide aux démarches administratives"])) == ["Démarches"]
    assert names(search(**kw, need="demarches", services=["Accès internet et matériel informatique"])) == []


def test_open_at_keeps_open_places_and_places_whose_hours_cannot_be_read_flagged():
    make_place(*PARIS, name="Ouvert en journée", hours="Mo-Fr 09:00-18:00")
    make_place(*PARIS, name="Ouvert le soir", hours="Mo-Fr 17:00-22:00")
    make_place(*PARIS, name="Illisible", hours="sur rendez-vous le mardi", hours_valid=False)
    make_place(*PARIS, name="Sans horaires", hours="")
    kw = {"latitude": PARIS[0], "longitude": PARIS[1], "include_sites": False}
    morning = search(**kw, open_at=MONDAY_10)
    assert names(morning) == ["Illisible", "Ouvert en journée", "Sans horaires"]
    by_name = {r.name: r for r in morning.results}
    assert by_name["Ouvert en journée"].open is True
    assert by_name["Ouvert en journée"].status == "Ouvert – ferme à 18 h"
    assert by_name["Illisible"].open is None and by_name["Illisible"].status == HOURS_TO_CHECK
    assert names(search(**kw, open_at=MONDAY_20)) == ["Illisible", "Ouvert le soir", "Sans horaires"]
    # Without a time filter every place is listed, with its status now.
    assert len(search(**kw).results) == 4


def test_accessibility_filters():
    make_place(*PARIS, name="Avec fiche", accessibility_url="https://acceslibre.beta.gouv.fr/app/x/")
    make_place(*PARIS, name="Sourds", specific_support=["Surdité", "Illettrisme"])
    make_place(*PARIS, name="Rien")
    SiteFactory(name="BUREAU", latitude=PARIS[0], longitude=PARIS[1])
    kw = {"latitude": PARIS[0], "longitude": PARIS[1]}
    assert names(search(**kw, accessible=True)) == ["Avec fiche"]
    assert names(search(**kw, specific_support=["Surdité"])) == ["Sourds"]
    assert names(search(**kw, specific_support=["Surdité", "Handicaps moteurs"])) == []


def test_the_search_costs_two_queries_whatever_the_number_of_places(django_assert_num_queries):
    for i in range(30):
        make_place(*offset(*PARIS, km_north=i / 10))
        SiteFactory(latitude=PARIS[0] + i / 1000, longitude=PARIS[1])
    with django_assert_num_queries(2):
        found = search(latitude=PARIS[0], longitude=PARIS[1], radius_km=10, open_at=MONDAY_10)
    assert len(found.results) == 60


def test_limit_keeps_the_nearest_and_the_total():
    for i in range(5):
        make_place(*offset(*PARIS, km_east=i + 0.5), name=f"Lieu à {i}")
    found = search(latitude=PARIS[0], longitude=PARIS[1], radius_km=10, limit=2, include_sites=False)
    assert names(found) == ["Lieu à 0", "Lieu à 1"] and found.total == 5


def test_distances_are_written_in_french():
    assert format_distance(2.345) == "à 2,3 km"
    assert format_distance(0.456) == "à 460 m"


def _brute_force(points, lat, lon, radius):
    km = haversine_km(lat, lon, points[:, 0], points[:, 1])
    return sorted(int(i) for i in np.nonzero(km <= radius)[0])


def test_matches_a_brute_force_haversine_on_random_metropolitan_points():
    rng = random.Random(13)
    points = np.array([(rng.uniform(42.3, 51.1), rng.uniform(-4.8, 8.2)) for _ in range(600)])
    # Cluster points around a few centres so that the radius matters.
    centres = [(rng.uniform(43, 50), rng.uniform(-3, 7)) for _ in range(6)]
    cluster = np.array([(c[0] + rng.gauss(0, 0.15), c[1] + rng.gauss(0, 0.2)) for c in centres for _ in range(60)])
    points = np.vstack([points, cluster])
    Place.objects.bulk_create(
        Place(
            external_id=str(i), pivot="12345678901234", name=f"P{i:04d}", address="1 rue", postcode="75001",
            city="X", latitude=float(lat), longitude=float(lon), services=["Aide aux démarches administratives"],
            source_updated_on=datetime.date(2026, 1, 1),
        )
        for i, (lat, lon) in enumerate(points)
    )  # fmt: skip
    for lat, lon in centres + [(rng.uniform(42.5, 51), rng.uniform(-4.5, 8)) for _ in range(10)]:
        for radius in (3, 10, 25):
            found = search(latitude=lat, longitude=lon, radius_km=radius, include_sites=False)
            got = sorted(int(r.place.external_id) for r in found.results)
            assert got == _brute_force(points, lat, lon, radius)
            distances = [r.distance_km for r in found.results]
            assert distances == sorted(distances)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lat=st.floats(42.3, 51.1),
    lon=st.floats(-4.8, 8.2),
    radius=st.floats(0.5, 60),
    bearing=st.floats(0, 2 * np.pi),
)
def test_bounding_box_contains_every_point_of_the_circle(lat, lon, radius, bearing):
    """A point on the circle (at exactly the radius, any bearing) is inside the SQL prefilter's box."""
    from tremplin.opendata.geo import EARTH_RADIUS_KM

    d = radius / EARTH_RADIUS_KM
    phi1, lam1 = np.radians(lat), np.radians(lon)
    phi2 = np.arcsin(np.sin(phi1) * np.cos(d) + np.cos(phi1) * np.sin(d) * np.cos(bearing))
    lam2 = lam1 + np.arctan2(np.sin(bearing) * np.sin(d) * np.cos(phi1), np.cos(d) - np.sin(phi1) * np.sin(phi2))
    plat, plon = np.degrees(phi2), np.degrees(lam2)
    lat_min, lat_max, lon_min, lon_max = bounding_box(lat, lon, radius)
    assert lat_min <= plat <= lat_max and lon_min <= plon <= lon_max
    assert haversine_km(lat, lon, plat, plon) == pytest.approx(radius, rel=1e-9)


def test_a_place_exactly_on_the_radius_boundary_is_kept_and_just_beyond_is_not():
    lat, lon = 47.0, 2.0
    inside = make_place(*offset(lat, lon, km_east=5), name="Juste dedans")
    radius = float(haversine_km(lat, lon, inside.latitude, inside.longitude))
    make_place(*offset(lat, lon, km_east=5.01), name="Juste dehors")
    assert names(search(latitude=lat, longitude=lon, radius_km=radius, include_sites=False)) == ["Juste dedans"]
