"""Finding a place near a point: the directory's places and the network's post offices, France services and
Étape numérique spaces, in one list sorted by distance.

Pure search: plain values in, dataclasses out. Two SQL queries whatever the directory's size: a bounding box on
the indexed latitude / longitude of places, then of sites, and the exact great-circle distance in numpy.
Places whose hours cannot be read are kept and flagged « horaires à vérifier », never dropped by a time filter.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.utils import timezone

from tremplin.network.enums import SiteKind
from tremplin.network.models import Site
from tremplin.opendata.geo import EARTH_RADIUS_KM, haversine_km

from . import needs, opening_hours
from .models import Place

KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
MAX_RADIUS_KM = 200
HOURS_TO_CHECK = "horaires à vérifier"

# Network sites shown beside the directory's places, with the services they offer by their kind (a post office
# offers none by itself: it is shown when no service is asked for, or through the Place linked to it).
SITE_KINDS = (SiteKind.POST_OFFICE, SiteKind.FRANCE_SERVICES, SiteKind.ETAPE_NUMERIQUE)
SITE_KIND_SERVICES = {
    SiteKind.POST_OFFICE: (),
    SiteKind.FRANCE_SERVICES: ("Aide aux démarches administratives", "Accès internet et matériel informatique"),
    SiteKind.ETAPE_NUMERIQUE: (
        "Maîtrise des outils numériques du quotidien",
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ),
}


@dataclass
class Result:
    """One place found: a directory Place (`place` set) or a network Site without a Place (`site` set)."""

    name: str
    kind: str  # « Lieu de médiation numérique », « Bureau de poste », « France services »…
    address: str
    postcode: str
    city: str
    latitude: float
    longitude: float
    distance_km: float
    services: list[str]
    status: str  # « Ouvert – ferme à 18 h », « Fermé – ouvre mardi à 9 h » or « horaires à vérifier »
    open: bool | None  # None when the hours cannot be read (or are not known)
    phone: str = ""
    emails: list[str] = field(default_factory=list)
    website: list[str] = field(default_factory=list)
    accessibility_url: str = ""
    place: Place | None = None
    site_id: int | None = None

    @property
    def hours_to_check(self) -> bool:
        return self.open is None

    @property
    def key(self) -> str:
        return f"lieu-{self.place.pk}" if self.place is not None else f"site-{self.site_id}"


@dataclass
class Search:
    latitude: float
    longitude: float
    radius_km: float
    at: datetime
    results: list[Result]
    total: int  # before `limit`


def bounding_box(latitude: float, longitude: float, radius_km: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lon_min, lon_max) that contains every point within `radius_km` (no antimeridian)."""
    dlat = radius_km / KM_PER_DEGREE * 1.0001
    widest = min(abs(latitude) + dlat, 89.9)
    dlon = min(radius_km / (KM_PER_DEGREE * math.cos(math.radians(widest))) * 1.0001, 180)
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def search(
    *,
    latitude: float,
    longitude: float,
    radius_km: float = 10,
    services: list[str] | tuple[str, ...] = (),
    need: str = "",
    open_at: datetime | None = None,
    accessible: bool = False,
    specific_support: list[str] | tuple[str, ...] = (),
    include_sites: bool = True,
    limit: int | None = None,
) -> Search:
    """Places within `radius_km` of the point, nearest first.

    `services`: the place offers at least one of them; `need`: a need group (its services, as above, combined
    with `services` when both are given: the place must match both). `open_at`: keep places open then, and
    those whose hours cannot be read (flagged). `accessible`: only places with an Acceslibre sheet;
    `specific_support`: only places with every one of these « prises en charge spécifiques ».
    """
    at = open_at or timezone.now()
    wanted = set(services)
    need_services = set(needs.services_for(need)) if need else set()
    lat_min, lat_max, lon_min, lon_max = bounding_box(latitude, longitude, radius_km)
    box = {"latitude__range": (lat_min, lat_max), "longitude__range": (lon_min, lon_max)}
    found: list[Result] = []

    places = list(Place.objects.filter(**box).select_related(None))
    for place in places:
        if wanted and not wanted.intersection(place.services):
            continue
        if need_services and not need_services.intersection(place.services):
            continue
        if accessible and not place.accessibility_url:
            continue
        if specific_support and not set(specific_support).issubset(place.specific_support):
            continue
        schedule = opening_hours.parse(place.hours) if place.hours and place.hours_valid else None
        is_open = schedule.is_open(at) if schedule is not None else None
        if open_at is not None and is_open is False:
            continue
        found.append(
            Result(
                name=place.name,
                kind="Lieu de médiation numérique",
                address=", ".join(part for part in (place.address, place.address_complement) if part),
                postcode=place.postcode,
                city=place.city,
                latitude=place.latitude,
                longitude=place.longitude,
                distance_km=0.0,
                services=list(place.services),
                status=schedule.status(at) if schedule is not None else HOURS_TO_CHECK,
                open=is_open,
                phone=place.phone,
                emails=list(place.emails),
                website=list(place.website),
                accessibility_url=place.accessibility_url,
                place=place,
                site_id=place.site_id,
            )
        )

    if include_sites and not accessible and not specific_support:
        kinds = [
            kind
            for kind in SITE_KINDS
            if (not wanted or wanted.intersection(SITE_KIND_SERVICES[kind]))
            and (not need_services or need_services.intersection(SITE_KIND_SERVICES[kind]))
        ]
        labels = dict(SiteKind.choices)
        rows = (
            Site.objects.filter(**box, kind__in=kinds, place__isnull=True)
            .values_list("pk", "name", "kind", "address", "postcode", "city", "latitude", "longitude")
            .order_by()
            if kinds
            else []
        )
        for pk, name, kind, address, postcode, city, lat, lon in rows:
            found.append(
                Result(
                    name=name,
                    kind=labels[kind],
                    address=address,
                    postcode=postcode,
                    city=city,
                    latitude=lat,
                    longitude=lon,
                    distance_km=0.0,
                    services=list(SITE_KIND_SERVICES[kind]),
                    status=HOURS_TO_CHECK,
                    open=None,
                    site_id=pk,
                )
            )

    if found:
        distances = haversine_km(
            latitude,
            longitude,
            np.fromiter((r.latitude for r in found), float, len(found)),
            np.fromiter((r.longitude for r in found), float, len(found)),
        )
        for result, km in zip(found, distances.tolist(), strict=True):
            result.distance_km = km
    near = sorted((r for r in found if r.distance_km <= radius_km), key=lambda r: (r.distance_km, r.name, r.key))
    return Search(latitude, longitude, radius_km, at, near[:limit] if limit is not None else near, len(near))


def format_distance(km: float) -> str:
    """« à 2,3 km », « à 450 m »."""
    if km < 1:
        return f"à {max(int(round(km * 1000, -1)), 10)} m"
    return f"à {km:.1f} km".replace(".", ",")
