"""The directory of places, public (no key): `GET /api/v1/places?near=48.85,2.35&radius_km=10&service=…`.

Rate-limited per client address like the other pages open to everyone; bad parameters answer 422 with French
messages per parameter. Field names are the official ones of the schema « lieux de médiation numérique »."""

from datetime import datetime

from django.http import JsonResponse
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from ninja import Router

from tremplin.places import needs, schema, search
from tremplin.www.ratelimits import LIMITED_MESSAGE

router = Router(tags=["lieux"])
PLACES_API_RATE = "600/h"  # requests per client address
MAX_LIMIT = 200
DEFAULT_LIMIT = 50


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
        errors["near"] = ["Indiquez un point « latitude,longitude », par exemple near=48.85,2.35."]
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


@router.get("/places", auth=None, summary="Lieux proches d'un point, du plus proche au plus loin")
def places(request):
    """Places (directory, post offices, France services, Étape numérique) within `radius_km` of `near`.

    Parameters: `near=lat,lon` (required), `radius_km` (default 10, at most 200), `service` (official value,
    repeatable), `need` (need group), `open_at` (ISO datetime: places open then, and those whose hours cannot be
    read, with `ouvert` null), `limit` (at most 200)."""
    if is_ratelimited(request, group="api-places", key="ip", rate=PLACES_API_RATE, increment=True):
        return JsonResponse({"detail": LIMITED_MESSAGE}, status=429)
    values, errors = _parse(request.GET)
    if errors:
        return JsonResponse({"detail": "Paramètres invalides.", "errors": errors}, status=422)
    found = search.search(**values)
    return {
        "count": found.total,
        "radius_km": found.radius_km,
        "results": [_place_json(result) for result in found.results],
    }
