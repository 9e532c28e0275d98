"""Writes to the reference territory: one import function per official file, each all-or-nothing."""

import hashlib
import json
import logging
import math
import tempfile
from pathlib import Path

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction

from tremplin.opendata import readers
from tremplin.opendata.errors import FileFormatError
from tremplin.opendata.sync import ImportReport, sync_m2m, update_many, upsert

from . import fragility
from .enums import RURAL_LEVELS, AreaLevel, CommuneKind, FormerCommuneKind, IndicatorOrigin, OutlineLevel, Zone
from .models import (
    AreaFragility,
    Commune,
    Departement,
    Epci,
    FormerCommune,
    Indicator,
    IndicatorValue,
    MapOutline,
    Qpv,
    Region,
    normalize_search,
)

ZONES = set(Zone.values)

logger = logging.getLogger(__name__)


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
        rows.append((item["code"], i + 1, {"name": item["nom"], "zone": _zone(path, i, item.get("zone", "metro"))}))
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
            raise FileFormatError(path, f"arrondissement {code} rattaché à une commune absente {values['parent_id']}")
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
    for row in readers.read_csv(path, columns={"code": ("insee", "code_insee"), "lat": ("lat",), "lon": ("lon",)}):
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
    for row in readers.read_csv(path, columns={"code": ("CODGEO",), "level": ("DENS",), "population": ("PMUN18",)}):
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


# ------------------------------------------------------------------------------ map outlines


def _outlines_import(path: Path, level: str, name: str) -> ImportReport:
    """One level's outlines, stored as a single compact FeatureCollection sorted by code; a re-import of the
    same outlines rewrites nothing. Counts are per outline (added, changed, unchanged)."""
    report = ImportReport(name, str(path))
    features, rejections = readers.read_outlines(path)
    for number, reason in rejections:
        report.reject(number, reason)
    if not features:
        raise FileFormatError(path, "aucun contour utilisable dans le fichier")
    features = sorted((feature for _, feature in features), key=lambda f: f["properties"]["code"])
    content = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(content.encode()).hexdigest()
    current = MapOutline.objects.select_for_update().filter(level=level).first()
    before = {}
    if current is not None:
        if current.sha256 == digest:
            report.unchanged = len(features)
            return report
        before = {f["properties"]["code"]: f for f in json.loads(current.geojson)["features"]}
    for feature in features:
        old = before.get(feature["properties"]["code"])
        if old is None:
            report.inserted += 1
        elif old != feature:
            report.updated += 1
        else:
            report.unchanged += 1
    outline = current or MapOutline(level=level)
    outline.geojson, outline.sha256, outline.feature_count = content, digest, len(features)
    outline.full_clean()
    outline.save()
    return report


@transaction.atomic
def departement_outlines_import(*, path: Path) -> ImportReport:
    """Simplified outlines of the départements (GeoJSON, properties `code` and `nom`) for the maps."""
    return _outlines_import(path, OutlineLevel.DEPARTEMENT, "Contours des départements")


@transaction.atomic
def region_outlines_import(*, path: Path) -> ImportReport:
    """Simplified outlines of the régions (GeoJSON, properties `code` and `nom`) for the maps."""
    return _outlines_import(path, OutlineLevel.REGION, "Contours des régions")


# ------------------------------------------------------------------------------ fragility indicators

MISSING_MARKERS = {"", "s", "nd", "n/a", "na", "null", "secret"}

IFN_COLUMNS = {
    # IFN 2023 column → (our code, label). Values are La MedNum's national decile scores 0–10.
    "no_thd_coverage_rate": ("ifn_non_thd", "Non-couverture en très haut débit (score IFN)"),
    "no_4g_coverage_rate": ("ifn_non_4g", "Non-couverture en 4G (score IFN)"),
    "poverty_rate": ("ifn_pauvrete", "Taux de pauvreté (score IFN)"),
    "older_65_rate": ("ifn_65_ans_plus", "Part des 65 ans et plus (score IFN)"),
    "nscol15p_rate": ("ifn_peu_diplomes", "Part des pas ou peu diplômés (score IFN)"),
    "total": ("ifn_total", "Indice de fragilité numérique officiel (IFN 2023)"),
}
IFN_SOURCE = "La MedNum, Indice de Fragilité Numérique 2023"

# code: (label, source, unit, direction, scored by default, position)
INDICATOR_DEFINITIONS = {
    **{
        code: (label, IFN_SOURCE, "/10", 1, code != "ifn_total", 10 + i)
        for i, (code, label) in enumerate(IFN_COLUMNS.values())
    },
    "distance_aide_numerique": (
        "Distance au point d'aide numérique public le plus proche (bureau de poste, France services, lieu de "
        "médiation)",
        "Tremplin, d'après La Poste et l'ANCT",
        "km",
        1,
        True,
        30,
    ),
    "rural": (
        "Commune rurale (grille de densité, niveaux 5 à 7)",
        "INSEE, grille communale de densité",
        "",
        1,
        False,
        31,
    ),
    "qpv": ("Présence d'un quartier prioritaire (QPV)", "ANCT, QPV 2024", "", 1, False, 32),
    "taux_pauvrete_2021": ("Taux de pauvreté à 60 %", "INSEE, Filosofi 2021", "%", 1, False, 40),
    "revenu_median_2021": ("Niveau de vie médian", "INSEE, Filosofi 2021", "€", -1, False, 41),
    "taux_chomage_2021": (
        "Part des chômeurs parmi les actifs de 15 à 64 ans",
        "INSEE, recensement 2021",
        "%",
        1,
        False,
        42,
    ),
}


def indicators_define(codes) -> dict[str, Indicator]:
    """Create the built-in or official indicators named; an existing one keeps the managers' `scored` choice."""
    result = {}
    for code in codes:
        label, source, unit, direction, scored, position = INDICATOR_DEFINITIONS[code]
        indicator, created = Indicator.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "source": source,
                "unit": unit,
                "direction": direction,
                "origin": IndicatorOrigin.BUILTIN if source.startswith("Tremplin") else IndicatorOrigin.OFFICIAL,
                "scored": scored,
                "position": position,
            },
        )
        result[code] = indicator
    return result


def parse_value(path: Path, line: int, raw: str, *, column: str) -> float | None:
    """A number (decimal point or comma); the markers of statistical secret or absence give None."""
    raw = raw.strip()
    if raw.lower() in MISSING_MARKERS:
        return None
    try:
        value = float(raw.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        raise FileFormatError(path, f"valeur non numérique « {raw[:30]} » dans la colonne {column}", line) from None
    if not math.isfinite(value):
        raise FileFormatError(path, f"valeur non finie « {raw[:30]} » dans la colonne {column}", line)
    return value


def national_points(values: np.ndarray, is_commune: np.ndarray, direction: int) -> tuple[list, list]:
    """Each value's national percentile (0.1 precision) and points, as stored; None where the value is missing.

    The national distribution is that of communes proper (arrondissements would count Paris twice)."""
    pct = fragility.percentiles(values, reference=values[is_commune])
    pts = fragility.points(pct, direction)
    return (
        [None if np.isnan(p) else round(float(p), 1) for p in pct],
        [None if np.isnan(q) else int(q) for q in pts],
    )


def _commune_values_sync(report, indicator, values: dict[str, float | None], reasons: dict[str, str]) -> None:
    """Store one indicator for every current commune, with its national percentile and points: a commune
    the file does not give is recorded as missing, with the reason."""
    communes = list(Commune.objects.values_list("code_insee", "kind"))
    array = np.array([np.nan if values.get(code) is None else values[code] for code, _ in communes], dtype=float)
    is_commune = np.array([kind == CommuneKind.COMMUNE for _, kind in communes])
    percentiles, points = national_points(array, is_commune, indicator.direction)
    records = {}
    for i, (code, _) in enumerate(communes):
        value = values.get(code)
        reason = "" if value is not None else reasons.get(code, "absente du fichier")
        records[(indicator.pk, code)] = {
            "value": value,
            "missing_reason": reason,
            "percentile": percentiles[i],
            "points": points[i],
        }
    report.add(
        upsert(
            IndicatorValue,
            records,
            key_fields=["indicator_id", "commune_id"],
            fields=["value", "missing_reason", "percentile", "points"],
            queryset=IndicatorValue.objects.filter(indicator=indicator, commune__isnull=False),
        )
    )


def _resolved_rows(report, path, rows, resolve) -> dict[str, tuple[int, dict]]:
    """code → (line, row) on current communes: a commune's own row wins over rows of its former communes."""
    resolved: dict[str, tuple[int, dict, bool]] = {}
    for code, line, row in rows:
        current = resolve.get(code)
        if current is None:
            report.reject(line, f"commune inconnue « {code} »")
            continue
        own = current == code
        if current not in resolved or (own and not resolved[current][2]):
            resolved[current] = (line, row, own)
    return {code: (line, row) for code, (line, row, _) in resolved.items()}


@transaction.atomic
def ifn_communes_import(*, path: Path) -> ImportReport:
    """La MedNum IFN 2023 per commune (`name,division,code,<5 decile scores>,total`)."""
    report = ImportReport("Indice de fragilité numérique (communes)", str(path))
    columns = {"code": ("code",), **{column: (column,) for column in IFN_COLUMNS}}
    rows = [(row["code"], row.line, row.values) for row in readers.read_csv(path, columns=columns) if row["code"]]
    readers.unique(path, rows)
    resolved = _resolved_rows(report, path, rows, resolve_codes())
    indicators = indicators_define(code for code, _ in IFN_COLUMNS.values())
    for column, (code, _) in IFN_COLUMNS.items():
        values = {
            commune: parse_value(path, line, row[column], column=column) for commune, (line, row) in resolved.items()
        }
        _commune_values_sync(report, indicators[code], values, {c: "valeur absente du fichier IFN" for c in values})
    return report


@transaction.atomic
def ifn_epcis_import(*, path: Path) -> ImportReport:
    """La MedNum IFN 2023 per EPCI (same columns; `code` = SIREN)."""
    report = ImportReport("Indice de fragilité numérique (EPCI)", str(path))
    columns = {"code": ("code",), **{column: (column,) for column in IFN_COLUMNS}}
    known = set(Epci.objects.values_list("code", flat=True))
    rows = []
    for row in readers.read_csv(path, columns=columns):
        if row["code"] not in known:
            report.reject(row.line, f"EPCI inconnu « {row['code']} »")
            continue
        rows.append((row["code"], row.line, row.values))
    records = readers.unique(path, rows)
    lines = {code: line for code, line, _ in rows}
    indicators = indicators_define(code for code, _ in IFN_COLUMNS.values())
    for column, (code, _) in IFN_COLUMNS.items():
        values = {
            (indicators[code].pk, epci): {
                "value": (value := parse_value(path, lines[epci], row[column], column=column)),
                "missing_reason": "" if value is not None else "valeur absente du fichier IFN",
            }
            for epci, row in records.items()
        }
        report.add(
            upsert(
                IndicatorValue,
                values,
                key_fields=["indicator_id", "epci_id"],
                fields=["value", "missing_reason"],
                queryset=IndicatorValue.objects.filter(indicator=indicators[code], epci__isnull=False),
            )
        )
    return report


@transaction.atomic
def filosofi_import(*, path: Path) -> ImportReport:
    """INSEE Filosofi 2021 per commune: poverty rate (TP6021) and median standard of living (MED21)."""
    report = ImportReport("INSEE Filosofi 2021", str(path))
    columns = {"code": ("CODGEO",), "TP6021": ("TP6021",), "MED21": ("MED21",)}
    rows = [(row["code"], row.line, row.values) for row in readers.read_csv(path, columns=columns, delimiter=";")]
    readers.unique(path, rows)
    resolved = _resolved_rows(report, path, rows, resolve_codes())
    indicators = indicators_define(["taux_pauvrete_2021", "revenu_median_2021"])
    for column, code in (("TP6021", "taux_pauvrete_2021"), ("MED21", "revenu_median_2021")):
        values, reasons = {}, {}
        for commune, (line, row) in resolved.items():
            values[commune] = parse_value(path, line, row[column], column=column)
            if values[commune] is None:
                reasons[commune] = "secret statistique (INSEE)" if row[column].strip() == "s" else "non diffusé"
        _commune_values_sync(report, indicators[code], values, reasons)
    return report


@transaction.atomic
def unemployment_import(*, path: Path) -> ImportReport:
    """INSEE comparison base (census 2021): unemployed / active people aged 15–64, per commune."""
    report = ImportReport("INSEE recensement 2021 — chômage", str(path))
    columns = {
        "code": ("insee_com", "CODGEO"),
        "unemployed": ("pop_15_64_chomage_2021",),
        "active": ("pop_15_64_active_2021",),
        "kind": ("commune_type",),
    }
    current = set(Commune.objects.values_list("code_insee", flat=True))
    rows, skipped = [], 0
    for row in readers.read_csv(path, columns=columns):
        if row["kind"] == "COMD" or row["code"] not in current:
            skipped += 1  # communes déléguées and former codes: the current commune has its own row
            continue
        rows.append((row["code"], row.line, {"unemployed": row["unemployed"], "active": row["active"]}))
    lines = {code: line for code, line, _ in reversed(rows)}
    values, reasons = {}, {}
    for code, row in readers.unique(path, rows, identical_repeats=True).items():
        unemployed = parse_value(path, lines[code], row["unemployed"], column="pop_15_64_chomage_2021")
        active = parse_value(path, lines[code], row["active"], column="pop_15_64_active_2021")
        if unemployed is None or not active:
            values[code] = None
            reasons[code] = "population active inconnue ou nulle"
        else:
            values[code] = round(100 * unemployed / active, 2)
    _commune_values_sync(report, indicators_define(["taux_chomage_2021"])["taux_chomage_2021"], values, reasons)
    report.notes.append(f"{skipped} ligne(s) de communes déléguées ou anciennes ignorée(s)")
    return report


@transaction.atomic
def indicator_file_import(
    *,
    path: Path,
    code: str,
    label: str,
    column: str,
    direction: int,
    code_column: str = "code_insee",
    scored: bool = False,
    source: str = "",
    unit: str = "",
) -> ImportReport:
    """Any indicator from a user's CSV file: a column of INSEE codes and a column of values."""
    if direction not in (1, -1):
        raise FileFormatError(path, "le sens doit valoir 1 (plus haut = plus fragile) ou -1")
    report = ImportReport(f"Indicateur « {label} »", str(path))
    rows = [
        (row["code"], row.line, row.values)
        for row in readers.read_csv(path, columns={"code": (code_column,), "value": (column,)})
    ]
    readers.unique(path, rows)
    resolved = _resolved_rows(report, path, rows, resolve_codes())
    values = {
        commune: parse_value(path, line, row["value"], column=column) for commune, (line, row) in resolved.items()
    }
    existing = Indicator.objects.filter(code=code).first()
    if existing is not None and existing.origin != IndicatorOrigin.USER:
        raise FileFormatError(
            path, f"le code « {code} » est celui d'un indicateur officiel ou calculé : en choisir un autre"
        )
    indicator = existing or Indicator(code=code, origin=IndicatorOrigin.USER)
    indicator.label, indicator.source, indicator.unit = label, source or path.name, unit
    indicator.direction, indicator.scored = direction, scored
    try:
        indicator.full_clean()
    except ValidationError as exc:
        raise FileFormatError(path, " ; ".join(exc.messages)) from exc
    indicator.save()
    _commune_values_sync(report, indicator, values, {c: "valeur absente du fichier" for c in values})
    return report


@transaction.atomic
def indicator_upload(
    *,
    file,
    code: str,
    label: str,
    column: str,
    direction: int,
    user,
    code_column: str = "code_insee",
    scored: bool = False,
    source: str = "",
    unit: str = "",
) -> ImportReport:
    """A CSV file sent from the indicators page: imported all-or-nothing, then the scores are recomputed by the
    task worker. The file is read under its own name, so that errors say « fichier.csv:12 »."""
    name = Path(file.name or "").name or "indicateur.csv"
    with tempfile.TemporaryDirectory(prefix="tremplin-indicateur-") as directory:
        path = Path(directory) / name
        with path.open("wb") as destination:
            for chunk in file.chunks():
                destination.write(chunk)
        report = indicator_file_import(
            path=path,
            code=code,
            label=label,
            column=column,
            direction=direction,
            code_column=code_column,
            scored=scored,
            source=source or name,
            unit=unit,
        )
    logger.info("indicateur %s importé depuis %s par l'utilisateur %s", code, name, user.pk)
    fragility_scores_refresh_enqueue()
    return report


@transaction.atomic
def indicator_set_scored(*, indicator: Indicator, scored: bool, user) -> Indicator:
    """Make an indicator count in the fragility score, or not; the scores are then recomputed by the worker."""
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    if indicator.scored == scored:
        return indicator
    indicator.scored = scored
    indicator.full_clean()
    indicator.save(update_fields=["scored"])
    logger.info("indicateur %s : compte dans le score = %s (utilisateur %s)", indicator.code, scored, user.pk)
    fragility_scores_refresh_enqueue()
    return indicator


def fragility_scores_refresh_enqueue():
    """Queue the recomputation of every score (inside the caller's transaction: queued only if it commits)."""
    from .tasks import fragility_scores_refresh_task

    return fragility_scores_refresh_task.enqueue()


@transaction.atomic
def builtin_indicators_refresh(*, help_point_km: dict[str, float | None]) -> ImportReport:
    """Indicators Tremplin computes from the reference data: rurality, QPV, distance to a digital help point."""
    report = ImportReport("Indicateurs calculés", "")
    indicators = indicators_define(["rural", "qpv", "distance_aide_numerique"])
    density = dict(Commune.objects.values_list("code_insee", "density_level"))
    with_qpv = set(Qpv.communes.through.objects.values_list("commune_id", flat=True))
    rural = {code: (None if level is None else float(level in RURAL_LEVELS)) for code, level in density.items()}
    _commune_values_sync(report, indicators["rural"], rural, {c: "niveau de densité inconnu" for c in density})
    _commune_values_sync(report, indicators["qpv"], {code: float(code in with_qpv) for code in density}, {})
    _commune_values_sync(
        report,
        indicators["distance_aide_numerique"],
        help_point_km,
        {c: "centre de la commune inconnu" for c in density},
    )
    return report


@transaction.atomic
def fragility_scores_refresh() -> dict:
    """National percentiles and points of every indicator value, commune scores, and area scores."""
    communes = list(
        Commune.objects.values_list(
            "code_insee", "kind", "population", "epci_id", "departement_id", "departement__region_id"
        )
    )
    index = {row[0]: i for i, row in enumerate(communes)}
    is_commune = np.array([row[1] == CommuneKind.COMMUNE for row in communes])
    population = np.array([row[2] or 0 for row in communes], dtype=float)
    indicators = list(Indicator.objects.all())
    scored_points, value_updates, by_indicator = [], {}, {}
    for indicator in indicators:
        rows = list(
            IndicatorValue.objects.filter(indicator=indicator, commune__isnull=False).values_list(
                "pk", "commune_id", "value", "percentile", "points"
            )
        )
        values = np.full(len(communes), np.nan)
        for _, commune, value, _, _ in rows:
            if value is not None:
                values[index[commune]] = value
        percentiles, points = national_points(values, is_commune, indicator.direction)
        pts = np.array([np.nan if q is None else q for q in points], dtype=float)
        by_indicator[indicator.pk] = values
        for pk, commune, _, old_pct, old_pts in rows:
            i = index[commune]
            if (percentiles[i], points[i]) != (old_pct, old_pts):
                value_updates[pk] = {"percentile": percentiles[i], "points": points[i]}
        if indicator.scored:
            scored_points.append(pts)
        _epci_percentiles(indicator, value_updates)
    update_many(
        IndicatorValue,
        [IndicatorValue(pk=pk, **fields) for pk, fields in value_updates.items()],
        ["percentile", "points"],
    )
    matrix = np.column_stack(scored_points) if scored_points else np.full((len(communes), 1), np.nan)
    score, counts = fragility.scores(matrix)
    records = {
        row[0]: {
            "fragility_score": None if np.isnan(score[i]) else round(float(score[i]), 2),
            "fragility_indicators": int(counts[i]),
        }
        for i, row in enumerate(communes)
    }
    upsert(Commune, records, key_fields=["code_insee"], fields=["fragility_score", "fragility_indicators"])
    areas = _area_fragility(communes, is_commune, population, indicators, by_indicator)
    return {"communes": int((~np.isnan(score)).sum()), "areas": areas}


def _epci_percentiles(indicator, value_updates) -> None:
    rows = list(
        IndicatorValue.objects.filter(indicator=indicator, epci__isnull=False).values_list(
            "pk", "value", "percentile", "points"
        )
    )
    if not rows:
        return
    values = np.array([np.nan if v is None else v for _, v, _, _ in rows], dtype=float)
    pct = fragility.percentiles(values)
    pts = fragility.points(pct, indicator.direction)
    for (pk, _, old_pct, old_pts), p, q in zip(rows, pct, pts, strict=True):
        new = (None if np.isnan(p) else round(float(p), 1), None if np.isnan(q) else int(q))
        if new != (old_pct, old_pts):
            value_updates[pk] = {"percentile": new[0], "points": new[1]}


def _area_fragility(communes, is_commune, population, indicators, by_indicator) -> int:
    """Each area's population-weighted indicator values, their percentile among areas of its level, its score."""
    AreaFragility.objects.all().delete()
    levels = {
        AreaLevel.EPCI: np.array([row[3] or "" for row in communes], dtype=object),
        AreaLevel.DEPARTEMENT: np.array([row[4] for row in communes], dtype=object),
        AreaLevel.REGION: np.array([row[5] for row in communes], dtype=object),
    }
    created = []
    for level, groups in levels.items():
        keep = is_commune & (groups != "")
        codes = sorted(set(groups[keep]))
        position = {code: i for i, code in enumerate(codes)}
        scored_points = []
        for indicator in indicators:
            means = fragility.weighted_means(groups[keep], by_indicator[indicator.pk][keep], population[keep])
            values = np.array([means.get(code, np.nan) for code in codes])
            pct = fragility.percentiles(values)
            pts = fragility.points(pct, indicator.direction)
            if indicator.scored:
                scored_points.append(pts)
            for code in codes:
                i = position[code]
                if np.isnan(values[i]):
                    continue
                created.append(
                    AreaFragility(
                        level=level,
                        code=code,
                        indicator=indicator,
                        value=round(float(values[i]), 4),
                        percentile=round(float(pct[i]), 1),
                        points=int(pts[i]),
                    )
                )
        if codes:
            matrix = np.column_stack(scored_points) if scored_points else np.full((len(codes), 1), np.nan)
            score, _ = fragility.scores(matrix)
            created.extend(
                AreaFragility(level=level, code=code, score=None if np.isnan(score[i]) else round(float(score[i]), 2))
                for code, i in position.items()
            )
    AreaFragility.objects.bulk_create(created, batch_size=2000)
    return len(created)
