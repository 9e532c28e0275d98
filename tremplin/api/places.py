"""The directory of places, public (no key): `GET /api/v1/places?near=48.85,2.35&radius_km=10&service=…`.

Rate-limited per client address (TREMPLIN_API_PUBLIC_RATE, tremplin.api.ratelimits); bad parameters answer 422
with French messages per parameter. Field names are the official ones of the schema « lieux de médiation
numérique »."""

from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tremplin.places import needs, schema, search

from .errors import MISSING_MESSAGES, PUBLIC_ERRORS, Errors

router = Router(tags=["lieux"])
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
NEAR_MISSING = "Indiquez un point « latitude,longitude », par exemple near=48.85,2.35."
MISSING_MESSAGES["near"] = NEAR_MISSING
POINT_PATTERN = r"^-?[0-9]{1,3}(\.[0-9]{1,6})?,-?[0-9]{1,3}(\.[0-9]{1,6})?$"


class DirectoryPlaceOut(Schema):
    """A place; the fields after `fiche_acces_libre` are given for the places of the directory only (not for a
    network site that is not in it)."""

    id: str
    nom: str
    type: str
    adresse: str
    code_postal: str
    commune: str
    latitude: float
    longitude: float
    distance_km: float
    services: list[str]
    ouvert: bool | None = Field(description="Ouvert au moment demandé (open_at) ; null : horaires illisibles.")
    statut: str
    telephone: str
    courriels: list[str]
    site_web: list[str]
    fiche_acces_libre: str
    pivot: str | None = None
    code_insee: str | None = None
    horaires: str | None = Field(None, description="Horaires tels qu'écrits (syntaxe OSM opening_hours).")
    publics_specifiquement_adresses: list[str] | None = None
    prise_en_charge_specifique: list[str] | None = None
    frais_a_charge: list[str] | None = None
    modalites_acces: list[str] | None = None
    modalites_accompagnement: list[str] | None = None
    prise_rdv: str | None = None
    date_maj: str | None = Field(None, description="Date de mise à jour de la fiche (AAAA-MM-JJ).")


class PlacesOut(Schema):
    count: int = Field(description="Lieux trouvés dans le rayon (avant `limit`).")
    radius_km: float
    results: list[DirectoryPlaceOut]


def _place_json(result: search.Result) -> dict:
    place = result.place
    data = {
        "id": place.external_id if place else f"site-{result.site_id}",
        "nom": result.name,
        "type": result.kind,
        "adresse": result.address,
        "code_postal": result.postcode,
        "commune": result.city,
        "latitude": result.latitude,
        "longitude": result.longitude,
        "distance_km": round(result.distance_km, 3),
        "services": result.services,
        "ouvert": result.open,
        "statut": result.status,
        "telephone": result.phone,
        "courriels": result.emails,
        "site_web": result.website,
        "fiche_acces_libre": result.accessibility_url,
    }
    if place is not None:
        data.update(
            pivot=place.pivot,
            code_insee=place.code_insee,
            horaires=place.hours,
            publics_specifiquement_adresses=place.publics,
            prise_en_charge_specifique=place.specific_support,
            frais_a_charge=place.fees,
            modalites_acces=place.access_modes,
            modalites_accompagnement=place.support_modes,
            prise_rdv=place.appointment_url,
            date_maj=place.source_updated_on.isoformat() if place.source_updated_on else None,
        )
    return data


def _parse(params) -> tuple[dict, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    values: dict = {}
    near = (params.get("near") or "").strip()
    if not near:
        errors["near"] = [NEAR_MISSING]
    else:
        try:
            lat, lon = (float(part) for part in near.split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            values.update(latitude=lat, longitude=lon)
        except ValueError:
            errors["near"] = [
                "Le point doit s'écrire « latitude,longitude » en degrés décimaux, par exemple 48.85,2.35."
            ]
    try:
        radius = float(params.get("radius_km") or 10)
        if not 0 < radius <= search.MAX_RADIUS_KM:
            raise ValueError
        values["radius_km"] = radius
    except ValueError:
        errors["radius_km"] = [f"Le rayon est un nombre de kilomètres entre 0 et {search.MAX_RADIUS_KM}."]
    services = params.getlist("service")
    unknown = [s for s in services if s not in schema.SERVICES]
    if unknown:
        errors["service"] = [
            f"Service inconnu : « {s} ». Valeurs possibles : {' ; '.join(schema.SERVICES)}." for s in unknown
        ]
    values["services"] = services
    need = params.get("need") or ""
    if need and need not in needs.BY_SLUG:
        errors["need"] = [f"Besoin inconnu : « {need} ». Valeurs possibles : {', '.join(needs.BY_SLUG)}."]
    values["need"] = need
    open_at = params.get("open_at")
    if open_at:
        try:
            moment = datetime.fromisoformat(open_at)
            values["open_at"] = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        except ValueError:
            errors["open_at"] = ["La date et l'heure s'écrivent au format ISO, par exemple 2026-03-02T14:30."]
    try:
        limit = int(params.get("limit") or DEFAULT_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError
        values["limit"] = limit
    except ValueError:
        errors["limit"] = [f"Le nombre de résultats est un entier entre 1 et {MAX_LIMIT}."]
    return values, errors


def _documented(param, **schema):
    """A parameter whose OpenAPI schema says more than what ninja checks (the checks, in French, are _parse's)."""
    param.json_schema_extra.update(schema)
    return param


NEAR = _documented(
    Query(..., description="Point « latitude,longitude » en degrés décimaux.", example="48.85,2.35"),
    pattern=POINT_PATTERN,
)
SERVICE = _documented(
    Query([], description="Service proposé (valeur officielle du schéma), répétable."),
    items={"type": "string", "enum": list(schema.SERVICES)},
)
NEED = _documented(Query(None, description="Groupe de besoins."), enum=list(needs.BY_SLUG))


@router.get(
    "/places",
    auth=None,
    response={200: PlacesOut, 422: Errors, **PUBLIC_ERRORS},
    summary="Lieux proches d'un point, du plus proche au plus loin",
)
def places(
    request,
    near: str = NEAR,
    radius_km: str | None = Query(None, description=f"Rayon en km, au plus {search.MAX_RADIUS_KM} (10 par défaut)."),
    service: list[str] = SERVICE,
    need: str | None = NEED,
    open_at: str | None = Query(None, description="Date et heure ISO : les lieux ouverts à ce moment."),
    limit: str | None = Query(None, description=f"Nombre de lieux, de 1 à {MAX_LIMIT} ({DEFAULT_LIMIT} par défaut)."),
):
    """Places (directory, post offices, France services, Étape numérique) within `radius_km` of `near`.

    Parameters: `near=lat,lon` (required), `radius_km` (default 10, at most 200), `service` (official value,
    repeatable), `need` (need group), `open_at` (ISO datetime: places open then, and those whose hours cannot be
    read, with `ouvert` null), `limit` (at most 200)."""
    values, errors = _parse(request.GET)
    if errors:
        return JsonResponse({"detail": "Paramètres invalides.", "errors": errors}, status=422)
    found = search.search(**values)
    # As built (the directory-only fields absent for a network site), not re-serialised through PlacesOut.
    return JsonResponse(
        {
            "count": found.total,
            "radius_km": found.radius_km,
            "results": [_place_json(result) for result in found.results],
        }
    )
