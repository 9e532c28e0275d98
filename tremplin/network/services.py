"""Writes to the network: import of official site lists, distances from communes to post offices."""

from pathlib import Path

import numpy as np
from django.db import transaction

from tremplin.opendata import readers
from tremplin.opendata.errors import FileFormatError
from tremplin.opendata.geo import nearest_distances_km
from tremplin.opendata.sync import ImportReport, UpsertCounts, upsert
from tremplin.territories.models import Commune
from tremplin.territories.services import resolve_codes

from .enums import OrganisationKind, SiteKind, SiteSource
from .models import Organisation, Site

SITE_FIELDS = [
    "name",
    "kind",
    "organisation_id",
    "address",
    "postcode",
    "city",
    "commune_id",
    "latitude",
    "longitude",
]

# Both the 2020 export (« #Identifiant_du_site;Libellé_du_site;… ») and today's datanova export
# (« identifiant_a;libelle_du_site;… ») are accepted: headers are compared without accents or case.
LAPOSTE_COLUMNS = {
    "id": ("Identifiant_du_site", "identifiant_a"),
    "name": ("Libellé_du_site",),
    "kind": ("Caractéristique_du_site",),
    "address": ("Adresse",),
    "complement": ("Complément_d_adresse",),
    "locality": ("Lieu_dit",),
    "postcode": ("Code_postal",),
    "city": ("Localité",),
    "code_insee": ("Code_INSEE",),
    "lat": ("Latitude",),
    "lon": ("Longitude",),
}


def laposte_kind(label: str) -> SiteKind | None:
    key = readers.header_key(label)
    if "bureau" in key:
        return SiteKind.POST_OFFICE
    if "intercommunale" in key:
        return SiteKind.INTERCOMMUNAL_POSTAL_AGENCY
    if "militaire" in key:
        return SiteKind.MILITARY_POSTAL_AGENCY
    if "communale" in key:
        return SiteKind.COMMUNAL_POSTAL_AGENCY
    if "relais" in key:
        return SiteKind.POSTAL_RELAY
    return None


def _organisation(name: str, kind: OrganisationKind) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(name=name, defaults={"kind": kind})
    return organisation


def _resolve_commune(report: ImportReport, resolve: dict, line: int, code: str, label: str) -> str | None:
    current = resolve.get(code)
    if current is None:
        report.reject(line, f"code INSEE inconnu ou étranger « {code} » ({label})")
    return current


def _site_fields(row, kind, organisation_id, commune, lat, lon, *address_parts) -> dict:
    """One site's fields, cut to the model's sizes; a half-given position counts as none."""
    located = lat is not None and lon is not None
    return {
        "name": row["name"][:200],
        "kind": kind,
        "organisation_id": organisation_id,
        "address": ", ".join(part for part in address_parts if part)[:300],
        "postcode": row["postcode"][:5],
        "city": row["city"][:120],
        "commune_id": commune,
        "latitude": lat if located else None,
        "longitude": lon if located else None,
    }


def _sites_sync(report: ImportReport, *, source: SiteSource, rows: list) -> None:
    records = readers.unique(Path(report.path), rows)
    keyed = {(source.value, key): values for key, values in records.items()}
    report.add(upsert(Site, keyed, key_fields=["source", "external_id"], fields=SITE_FIELDS))


@transaction.atomic
def laposte_sites_import(*, path: Path) -> ImportReport:
    """La Poste « points de contact » (datanova laposte_poincont2), 2020 or current header."""
    report = ImportReport("La Poste — points de contact", str(path))
    resolve = resolve_codes()
    la_poste = _organisation("La Poste", OrganisationKind.LA_POSTE)
    rows, former, without_coordinates = [], 0, 0
    for row in readers.read_csv(path, columns=LAPOSTE_COLUMNS, delimiter=";"):
        lat = readers.parse_coordinate(path, row.line, row["lat"], kind="latitude")
        lon = readers.parse_coordinate(path, row.line, row["lon"], kind="longitude")
        if not row["id"]:
            raise FileFormatError(path, "identifiant du site vide", row.line)
        kind = laposte_kind(row["kind"])
        if kind is None:
            report.reject(row.line, f"type de site inconnu « {row['kind']} » ({row['id']})")
            continue
        commune = _resolve_commune(report, resolve, row.line, row["code_insee"], row["name"])
        if commune is None:
            continue
        former += commune != row["code_insee"]
        without_coordinates += lat is None or lon is None
        fields = _site_fields(
            row, kind, la_poste.pk, commune, lat, lon, row["address"], row["complement"], row["locality"]
        )
        rows.append((row["id"], row.line, fields))
    _sites_sync(report, source=SiteSource.LA_POSTE, rows=rows)
    report.notes.append(f"{former} site(s) rattaché(s) via un ancien code INSEE")
    if without_coordinates:
        report.notes.append(f"{without_coordinates} site(s) sans coordonnées (absents des cartes et des distances)")
    return report


FRANCE_SERVICES_COLUMNS = {
    "id": ("id_fs",),
    "name": ("lib_fs",),
    "address": ("adresse",),
    "complement": ("complement_adresse",),
    "code_insee": ("insee_com",),
    "postcode": ("code_postal",),
    "city": ("lib_com",),
    "lat": ("latitude",),
    "lon": ("longitude",),
}


@transaction.atomic
def france_services_sites_import(*, path: Path) -> ImportReport:
    """ANCT list of France services sites (`liste-fs-*.csv`)."""
    report = ImportReport("France services", str(path))
    resolve = resolve_codes()
    rows = []
    for row in readers.read_csv(path, columns=FRANCE_SERVICES_COLUMNS):
        lat = readers.parse_coordinate(path, row.line, row["lat"], kind="latitude")
        lon = readers.parse_coordinate(path, row.line, row["lon"], kind="longitude")
        if not row["id"]:
            raise FileFormatError(path, "identifiant France services vide", row.line)
        commune = _resolve_commune(report, resolve, row.line, row["code_insee"], row["name"])
        if commune is None:
            continue
        fields = _site_fields(row, SiteKind.FRANCE_SERVICES, None, commune, lat, lon, row["address"], row["complement"])
        rows.append((row["id"], row.line, fields))
    _sites_sync(report, source=SiteSource.FRANCE_SERVICES, rows=rows)
    return report


# Public places where a person finds digital help (the built-in "distance" fragility indicator).
HELP_POINT_KINDS = (SiteKind.POST_OFFICE, SiteKind.FRANCE_SERVICES, SiteKind.ETAPE_NUMERIQUE, SiteKind.PARTNER_PLACE)


def _nearest_km(points, sites) -> list[float | None]:
    targets = np.array(list(sites.located().values_list("latitude", "longitude")), dtype=float)
    return [None if np.isnan(d) else round(float(d), 2) for d in nearest_distances_km(points, targets)]


@transaction.atomic
def commune_distances_refresh() -> tuple[UpsertCounts, dict[str, float | None]]:
    """Great-circle distance (km, 2 decimals) from each commune centre to the nearest bureau de poste (stored
    on the commune) and to the nearest public digital help point (returned, for the fragility indicator)."""
    communes = list(Commune.objects.filter(latitude__isnull=False).values_list("code_insee", "latitude", "longitude"))
    if not communes:
        return UpsertCounts(), {}
    points = np.array([(lat, lon) for _, lat, lon in communes], dtype=float)
    codes = [code for code, _, _ in communes]
    offices = _nearest_km(points, Site.objects.post_offices())
    help_points = _nearest_km(points, Site.objects.filter(kind__in=HELP_POINT_KINDS))
    records = {code: {"post_office_km": km} for code, km in zip(codes, offices, strict=True)}
    counts = upsert(Commune, records, key_fields=["code_insee"], fields=["post_office_km"])
    return counts, dict(zip(codes, help_points, strict=True))
