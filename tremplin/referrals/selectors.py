"""Reading referrals: the places to choose from, the statistics, and the Coop « structure de redirection »."""

import datetime
import statistics
from dataclasses import dataclass, field

import numpy as np

from tremplin.opendata.geo import haversine_km
from tremplin.places.models import Place
from tremplin.taxonomy.coop import StructureKind

from .enums import Status

NEARBY_LIMIT = 30


@dataclass
class PlaceChoice:
    place: Place
    distance_km: float | None


def places_for_referral(*, latitude=None, longitude=None, service: str = "", limit: int = NEARBY_LIMIT):
    """The directory's places offering `service` (all when empty), nearest first from the given point (the
    person's commune centre); places without coordinates come last, by name. One function, to be swapped for
    tremplin.places.search when it exists."""
    places = list(Place.objects.order_by("name"))
    if service:
        places = [place for place in places if service in (place.services or [])]
    if latitude is None or longitude is None:
        return [PlaceChoice(place, None) for place in places[:limit]]
    located = [place for place in places if place.latitude is not None and place.longitude is not None]
    unlocated = [place for place in places if place.latitude is None or place.longitude is None]
    choices = []
    if located:
        distances = haversine_km(
            latitude,
            longitude,
            np.array([place.latitude for place in located]),
            np.array([place.longitude for place in located]),
        )
        order = np.argsort(distances, kind="stable")
        choices = [PlaceChoice(located[i], float(distances[i])) for i in order]
    choices += [PlaceChoice(place, None) for place in unlocated]
    return choices[:limit]


# Outcomes as counted in the statistics (one column each).
OUTCOMES = [
    Status.SENT,
    Status.ACCEPTED,
    Status.DECLINED,
    Status.SEEN,
    Status.NOT_SEEN,
    Status.EXPIRED,
    Status.CANCELLED,
]


@dataclass
class PlaceStats:
    place_id: int | None
    name: str
    total: int = 0
    by_status: dict = field(default_factory=dict)
    answer_days: list = field(default_factory=list)

    @property
    def answered(self) -> int:
        return len(self.answer_days)

    @property
    def answered_share(self) -> float | None:
        """Share of the referrals the place answered (accepted or declined, whatever came next), cancelled ones
        left out of the count."""
        counted = self.total - self.by_status.get(Status.CANCELLED, 0)
        return self.answered / counted if counted else None

    @property
    def median_days(self) -> float | None:
        return statistics.median(self.answer_days) if self.answer_days else None

    @property
    def outcome_counts(self) -> list[int]:
        return [self.by_status.get(status, 0) for status in OUTCOMES]


def referral_stats(queryset, *, start: datetime.datetime, end: datetime.datetime):
    """Per place and overall, for the referrals sent in [start, end) of `queryset` (the viewer's scope)."""
    rows = (
        queryset.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("place_id", "place__name", "status", "created_at", "answered_at")
    )
    per_place: dict[int, PlaceStats] = {}
    total = PlaceStats(place_id=None, name="Tous les lieux")
    for place_id, name, status, created_at, answered_at in rows:
        stats = per_place.setdefault(place_id, PlaceStats(place_id=place_id, name=name))
        for target in (stats, total):
            target.total += 1
            target.by_status[status] = target.by_status.get(status, 0) + 1
            if answered_at is not None:
                target.answer_days.append((answered_at - created_at).total_seconds() / 86400)
    places = sorted(per_place.values(), key=lambda s: (-s.total, s.name))
    return places, total


# The Coop de la médiation numérique's « structure de redirection » (7 values), for the activity record.
STRUCTURE_KINDS = dict(StructureKind.choices)
# data·inclusion structure typologies (the schema's `typologie`) by kind, first match wins.
_TYPOLOGIES = [
    ("aide_aux_demarches_administratives", {"FS", "MSAP", "PIMMS", "PAD"}),
    ("aide_sociale", {"CCAS", "CIAS", "CS", "MDS", "MDSI", "CHRS", "UDAF", "EPDEF", "CAVA", "ASE"}),
    (
        "insertion_professionnelle",
        {
            "FT",
            "PE",
            "ML",
            "CAP_EMPLOI",
            "MDE",
            "PLIE",
            "ACI",
            "AI",
            "EI",
            "ETTI",
            "EA",
            "GEIQ",
            "E2C",
            "EPIDE",
            "CHAMBRE_CONSULAIRE",
            "AFPA",
        },
    ),
    ("operateur_ou_organisme_en_charge", {"CAF", "CPAM", "MSA", "CARSAT", "DGFIP", "URSSAF", "ANTS", "CNAV"}),
    ("administration", {"MUNI", "COMMUNE", "MAIRIE", "DEPT", "REG", "EPCI", "PREF", "SPIP", "ETAT"}),
    ("mediation_numerique", {"TIERS_LIEUX", "FABLAB", "EPN", "BIB", "MEDIATHEQUE", "ASSO", "ESS"}),
]


def structure_kind_of_place(place: Place) -> str:
    from tremplin.network.enums import SiteKind

    programmes = set(place.national_programmes or [])
    if "France Services" in programmes or (place.site_id and place.site.kind == SiteKind.FRANCE_SERVICES):
        return "aide_aux_demarches_administratives"
    typologies = {str(value).strip().upper() for value in (place.typology or [])}
    for kind, codes in _TYPOLOGIES:
        if typologies & codes:
            return kind
    if place.services:  # a place of the national directory of « lieux de médiation numérique »
        return "mediation_numerique"
    return "autre"


def referral_structure_kind(referral) -> str:
    """The « réorienté vers » value of the activity record (issue 12) for this referral's place."""
    return structure_kind_of_place(referral.place)


def person_referrals(user, person) -> dict:
    """The person's referrals that `user`'s organisation made, newest first, for the person's page (one query)."""
    from .perms import REFERRING_ROLES, sent_referrals

    if user.role not in REFERRING_ROLES and not user.is_national:
        return {"referrals_shown": False}
    referrals = list(sent_referrals(user).filter(beneficiary=person).select_related("place").order_by("-created_at"))
    return {"referrals_shown": True, "referrals": referrals, "can_refer": user.role in REFERRING_ROLES}
