"""Writes to the reference territory: one import function per official file, each all-or-nothing."""

from pathlib import Path

from django.db import transaction

from tremplin.opendata import readers
from tremplin.opendata.errors import FileFormatError
from tremplin.opendata.sync import ImportReport, sync_m2m, upsert

from .enums import CommuneKind, FormerCommuneKind, Zone
from .models import Commune, Departement, Epci, FormerCommune, Qpv, Region, normalize_search

ZONES = set(Zone.values)


def _zone(path: Path, index: int, value) -> str:
    if value not in ZONES:
        raise FileFormatError(path, f"élément n° {index + 1} : zone inconnue « {value} »")
    return value


@transaction.atomic
def regions_import(*, path: Path) -> ImportReport:
    """COG régions (etalab decoupage-administratif `regions.json`)."""
    report = ImportReport("Régions", str(path))
    items = readers.require_list(path, readers.read_json(path))
    rows = []
    for i, item in enumerate(items):
        readers.require_fields(path, i, item, ("code", "nom"))
        rows.append(
            (item["code"], i + 1, {"name": item["nom"], "zone": _zone(path, i, item.get("zone", "metro"))})
        )
    records = readers.unique(path, rows)
    report.add(upsert(Region, records, key_fields=["code"], fields=["name", "zone"]))
    return report


@transaction.atomic
def departements_import(*, path: Path) -> ImportReport:
    """COG départements (`departements.json`): code, nom, région, zone."""
    report = ImportReport("Départements", str(path))
    items = readers.require_list(path, readers.read_json(path))
    regions = set(Region.objects.values_list("code", flat=True))
    rows = []
    for i, item in enumerate(items):
        readers.require_fields(path, i, item, ("code", "nom", "region"))
        if item["region"] not in regions:
            report.reject(i + 1, f"région inconnue « {item['region']} » pour le département {item['code']}")
            continue
        fields = {
            "name": item["nom"],
            "region_id": item["region"],
            "zone": _zone(path, i, item.get("zone", "metro")),
        }
        rows.append((item["code"], i + 1, fields))
    records = readers.unique(path, rows)
    report.add(
        upsert(
            Departement,
            records,
            key_fields=["code"],
            fields=["name", "region_id", "zone"],
        )
    )
    return report


@transaction.atomic
def communes_import(*, path: Path) -> ImportReport:
    """COG communes (`communes.json`): current communes, municipal districts and former codes.

    Former communes (merged, delegated, associated) are kept as FormerCommune so that an old INSEE code
    found in another file (La Poste 2020, grille de densité 2021) resolves to today's commune.
    """
    report = ImportReport("Communes", str(path))
    items = readers.require_list(path, readers.read_json(path))
    departements = set(Departement.objects.values_list("code", flat=True))
    current, former_names, former_kinds, former_of = [], {}, {}, []
    for i, item in enumerate(items):
        readers.require_fields(path, i, item, ("code", "nom", "type"))
        kind = item["type"]
        if kind in ("commune-deleguee", "commune-associee"):
            former_names.setdefault(item["code"], item["nom"])
            former_kinds.setdefault(
                item["code"],
                FormerCommuneKind.DELEGATED if kind == "commune-deleguee" else FormerCommuneKind.ASSOCIATED,
            )
            continue
        if kind not in ("commune-actuelle", "arrondissement-municipal"):
            report.reject(i + 1, f"type de commune inconnu « {kind} » ({item['code']})")
            continue
        if item.get("departement") not in departements:
            report.reject(i + 1, f"département inconnu « {item.get('departement')} » pour {item['code']}")
            continue
        population = readers.parse_int(path, i + 1, item.get("population"), field="population")
        is_district = kind == "arrondissement-municipal"
        fields = {
            "name": item["nom"],
            "search_name": normalize_search(item["nom"]),
            "kind": CommuneKind.MUNICIPAL_DISTRICT if is_district else CommuneKind.COMMUNE,
            "departement_id": item["departement"],
            "parent_id": item.get("commune") if is_district else None,
            "population": population,
            "postcodes": " ".join(sorted(item.get("codesPostaux") or [])),
        }
        current.append((item["code"], i + 1, fields))
        former_of.extend((old, item["code"]) for old in item.get("anciensCodes") or [])
    records = readers.unique(path, current)
    communes = records
    # Parents first: districts point at their commune.
    fields = ["name", "search_name", "kind", "departement_id", "parent_id", "population", "postcodes"]
    parents = {k: v for k, v in communes.items() if v["parent_id"] is None}
    districts = {k: v for k, v in communes.items() if v["parent_id"] is not None}
    for code, values in districts.items():
        if values["parent_id"] not in parents:
            raise FileFormatError(
                path, f"arrondissement {code} rattaché à une commune absente {values['parent_id']}"
            )
    report.add(upsert(Commune, parents, key_fields=["code_insee"], fields=fields))
    report.add(upsert(Commune, districts, key_fields=["code_insee"], fields=fields))

    former = {}
    for old, new in former_of:
        if old in communes:
            continue  # still a current code (chef-lieu of a commune nouvelle)
        former[old] = {
            "name": former_names.get(old, ""),
            "kind": former_kinds.get(old, FormerCommuneKind.MERGED),
            "commune_id": new,
        }
    counts = upsert(FormerCommune, former, key_fields=["code_insee"], fields=["name", "kind", "commune_id"])
    report.notes.append(
        f"anciennes communes : {counts.inserted} ajoutée(s), {counts.updated} modifiée(s), "
        f"{counts.unchanged} inchangée(s)"
    )
    return report


@transaction.atomic
def epcis_import(*, path: Path) -> ImportReport:
    """EPCI à fiscalité propre (`epci.json`) and the membership of their communes."""
    report = ImportReport("EPCI", str(path))
    items = readers.require_list(path, readers.read_json(path))
    known = set(Commune.objects.values_list("code_insee", flat=True))
    rows, membership = [], {}
    for i, item in enumerate(items):
        readers.require_fields(path, i, item, ("code", "nom", "membres"))
        rows.append((item["code"], i + 1, {"name": item["nom"], "kind": item.get("type", "")}))
        for member in item["membres"]:
            code = member.get("code") if isinstance(member, dict) else None
            if code not in known:
                report.reject(i + 1, f"commune membre inconnue « {code} » dans l'EPCI {item['code']}")
                continue
            if code in membership:
                raise FileFormatError(path, f"la commune {code} appartient à deux EPCI", i + 1)
            membership[code] = {"epci_id": item["code"]}
    records = readers.unique(path, rows)
    report.add(upsert(Epci, records, key_fields=["code"], fields=["name", "kind"]))
    members = upsert(Commune, membership, key_fields=["code_insee"], fields=["epci_id"])
    report.notes.append(f"rattachement des communes : {members.updated} modifié(s)")
    return report


def resolve_codes() -> dict[str, str]:
    """Every INSEE code we know (current or former) → the current commune's code."""
    mapping = dict(FormerCommune.objects.values_list("code_insee", "commune_id"))
    mapping.update((code, code) for code in Commune.objects.values_list("code_insee", flat=True))
    return mapping


@transaction.atomic
def centroids_import(*, path: Path) -> ImportReport:
    """Commune centres from geo.api.gouv.fr (`insee,dept,lon,lat,name`)."""
    report = ImportReport("Centres des communes", str(path))
    known = set(Commune.objects.values_list("code_insee", flat=True))
    rows = []
    for row in readers.read_csv(
        path, columns={"code": ("insee", "code_insee"), "lat": ("lat",), "lon": ("lon",)}
    ):
        lat = readers.parse_coordinate(path, row.line, row["lat"], kind="latitude")
        lon = readers.parse_coordinate(path, row.line, row["lon"], kind="longitude")
        if row["code"] not in known:
            report.reject(row.line, f"commune inconnue « {row['code']} »")
            continue
        if lat is None or lon is None:
            report.reject(row.line, f"coordonnées absentes pour {row['code']}")
            continue
        rows.append((row["code"], row.line, {"latitude": lat, "longitude": lon}))
    records = readers.unique(path, rows)
    report.add(upsert(Commune, records, key_fields=["code_insee"], fields=["latitude", "longitude"]))
    return report


@transaction.atomic
def density_import(*, path: Path) -> ImportReport:
    """INSEE grille communale de densité, 7 levels (`CODGEO,…,DENS,…,PMUN18`).

    The grid follows an older geography: a former commune's level is carried to the commune that
    absorbed it; when several merged, the most populated one gives the level.
    """
    report = ImportReport("Grille de densité", str(path))
    resolve = resolve_codes()
    best: dict[str, tuple[int, int]] = {}
    rows = []
    for row in readers.read_csv(
        path, columns={"code": ("CODGEO",), "level": ("DENS",), "population": ("PMUN18",)}
    ):
        level = readers.parse_int(path, row.line, row["level"], field="DENS")
        population = readers.parse_int(path, row.line, row["population"], field="PMUN18") or 0
        rows.append((row["code"], row.line, (level, population)))
    lines = {code: line for code, line, _ in rows}
    resolved_former = 0
    for code, (level, population) in readers.unique(path, rows).items():
        if level is None or not 1 <= level <= 7:
            report.reject(lines[code], f"niveau de densité invalide « {level} » pour {code}")
            continue
        current = resolve.get(code)
        if current is None:
            report.reject(lines[code], f"commune inconnue « {code} »")
            continue
        resolved_former += current != code
        if current not in best or population > best[current][1]:
            best[current] = (level, population)
    records = {code: {"density_level": level} for code, (level, _) in best.items()}
    report.add(upsert(Commune, records, key_fields=["code_insee"], fields=["density_level"]))
    report.notes.append(f"{resolved_former} ancienne(s) commune(s) rattachée(s) à leur commune actuelle")
    return report


@transaction.atomic
def qpvs_import(*, path: Path) -> ImportReport:
    """QPV 2024 contours (`{"qpvs": [{"code", "label", "insee": [...], "g": MultiPolygon}]}`), gzip or not."""
    report = ImportReport("Quartiers prioritaires (QPV)", str(path))
    data = readers.read_json(path)
    items = data.get("qpvs") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise FileFormatError(path, "clé « qpvs » absente : ce n'est pas un fichier de contours QPV")
    resolve = resolve_codes()
    departement_of = dict(Commune.objects.values_list("code_insee", "departement_id"))
    rows, links = [], {}
    for i, item in enumerate(items):
        readers.require_fields(path, i, item, ("code", "label", "insee"))
        communes = set()
        for code in item["insee"] or []:
            current = resolve.get(code)
            if current is None:
                report.reject(i + 1, f"commune inconnue « {code} » pour le QPV {item['code']}")
            else:
                communes.add(current)
        if not communes:
            report.reject(i + 1, f"QPV {item['code']} sans commune connue : ignoré")
            continue
        contour = item.get("g")
        try:
            centre = readers.polygon_centroid(contour)
        except (TypeError, ValueError, IndexError):
            raise FileFormatError(path, f"contour illisible pour le QPV {item['code']}", i + 1) from None
        lat, lon = centre if centre else (None, None)
        fields = {
            "name": item["label"],
            "departement_id": departement_of[min(communes)],
            "latitude": round(lat, 5) if lat is not None else None,
            "longitude": round(lon, 5) if lon is not None else None,
            "contour": contour,
        }
        rows.append((item["code"], i + 1, fields))
        links[item["code"]] = communes
    records = readers.unique(path, rows)
    counts = upsert(
        Qpv,
        records,
        key_fields=["code"],
        fields=["name", "departement_id", "latitude", "longitude", "contour"],
    )
    counts.also_changed(sync_m2m(Qpv.communes.through, left="qpv_id", right="commune_id", pairs=links))
    report.add(counts)
    return report
