"""« Ateliers près de chez moi »: from what a person types (a commune's name or a postcode), the places near it
with upcoming sessions, nearest first. Public: reads places and sessions only, never anyone's data.

A fixed number of queries whatever the number of communes, places and sessions: the commune (one or two), the
places in a box around it (one), their next sessions (one).
"""

import datetime
import math
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tremplin.network.models import Site
from tremplin.opendata.geo import haversine_km
from tremplin.territories.models import Commune, normalize_search

from .models import Session

RADIUS_KM = 20
WEEKS_AHEAD = 8  # how far ahead the public pages show sessions (this search and each place's booking page)
MAX_PLACES = 10
SESSIONS_SHOWN = 3
MAX_CHOICES = 20
KM_PER_DEGREE = 111.2


@dataclass
class NearbyPlace:
    site: Site
    distance_km: float
    sessions: list[Session] = field(default_factory=list)


@dataclass
class NearbySearch:
    """The answer: `commune` found (and `places` near it), or `choices` to pick from, or a French `message`."""

    query: str
    commune: Commune | None = None
    choices: list[Commune] = field(default_factory=list)
    places: list[NearbyPlace] = field(default_factory=list)
    message: str = ""
    radius_km: int = RADIUS_KM


def _located_communes():
    return Commune.objects.actual().filter(latitude__isnull=False, longitude__isnull=False)


def _find_commune(search: NearbySearch, code_insee: str) -> None:
    text = search.query
    communes = _located_communes().select_related("departement")
    if code_insee:
        search.commune = communes.filter(code_insee=code_insee).first()
        if search.commune is None:
            search.message = "Cette commune est introuvable. Tapez son nom ou son code postal."
        return
    if text.isdigit():
        if len(text) != 5:
            search.message = "Un code postal a 5 chiffres, par exemple 22300."
            return
        # A postcode covers several communes: the most populated one is the centre of the search.
        search.commune = communes.filter(postcodes__contains=text).order_by("-population", "code_insee").first()
        if search.commune is None:
            search.message = f"Aucune commune n'a le code postal {text}. Vérifiez les 5 chiffres."
        return
    name = normalize_search(text)
    if len(name) < 2:
        search.message = "Tapez au moins deux lettres du nom de votre commune, ou son code postal."
        return
    # Exact names first (« Lannion »), then names that contain the words typed (« Saint-Brieuc » for « brieuc »).
    found = list(communes.filter(search_name=name).order_by("-population", "code_insee")[: MAX_CHOICES + 1])
    if not found:
        found = list(
            communes.filter(search_name__contains=name).order_by("-population", "code_insee")[: MAX_CHOICES + 1]
        )
    if len(found) == 1:
        search.commune = found[0]
    elif found:
        search.choices = found[:MAX_CHOICES]
        search.message = (
            f"Plusieurs communes correspondent à « {text} ». Choisissez la vôtre."
            if len(found) <= MAX_CHOICES
            else f"Beaucoup de communes correspondent à « {text} ». Choisissez la vôtre ou tapez le nom en entier."
        )
    else:
        search.message = f"Aucune commune ne s'appelle « {text} ». Vérifiez l'orthographe, ou tapez le code postal."


def nearby_places(query: str, *, code_insee: str = "", radius_km: int = RADIUS_KM) -> NearbySearch:
    """The places within `radius_km` of the commune typed (or chosen by its code) that have planned sessions in
    the coming weeks, nearest first, each with its next sessions."""
    search = NearbySearch(query=query.strip()[:100], radius_km=radius_km)
    if not search.query and not code_insee:
        return search
    _find_commune(search, code_insee.strip())
    commune = search.commune
    if commune is None:
        return search
    now = timezone.now()
    upcoming = Session.objects.upcoming().filter(starts_at__lte=now + datetime.timedelta(weeks=WEEKS_AHEAD))
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(math.cos(math.radians(commune.latitude)), 0.01))
    candidates = list(
        Site.objects.located()
        .filter(
            latitude__range=(commune.latitude - dlat, commune.latitude + dlat),
            longitude__range=(commune.longitude - dlon, commune.longitude + dlon),
        )
        .filter(Exists(upcoming.filter(site=OuterRef("pk"))))
        .select_related("commune")
    )
    if candidates:
        distances = haversine_km(
            commune.latitude,
            commune.longitude,
            np.array([site.latitude for site in candidates]),
            np.array([site.longitude for site in candidates]),
        )
        near = sorted(
            (NearbyPlace(site=site, distance_km=float(km)) for site, km in zip(candidates, distances, strict=True)),
            key=lambda place: (place.distance_km, place.site.name, place.site.pk),
        )
        search.places = [place for place in near if place.distance_km <= radius_km][:MAX_PLACES]
    by_site = {place.site.pk: place for place in search.places}
    if by_site:
        for session in upcoming.filter(site__in=list(by_site)).select_related("programme").order_by("starts_at", "pk"):
            place = by_site[session.site_id]
            if len(place.sessions) < SESSIONS_SHOWN:
                place.sessions.append(session)
    if not search.places:
        search.message = (
            f"Aucun atelier n'est prévu à moins de {radius_km} km de {commune.name} dans les {WEEKS_AHEAD} "
            "prochaines semaines. Renseignez-vous au bureau de poste ou à la mairie."
        )
    return search
