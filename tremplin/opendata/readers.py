"""Readers of the official open-data formats used as reference data.

Each reader returns plain records (dicts keyed by our field names) and never touches the database.
A file that cannot be trusted as a whole (wrong header, bad encoding, truncated, unparseable
coordinates, duplicate identifiers) raises FileFormatError; a single row that cannot be used
(unknown commune, missing value) is returned as a Rejection by the importer that resolves it.
"""

import csv
import gzip
import io
import json
import math
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import FileFormatError

# ---------------------------------------------------------------------------------------------- text


def read_text(path: Path) -> str:
    """UTF-8 text (BOM tolerated); a bad byte is reported with its line number."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FileFormatError(path, f"lecture impossible ({exc.strerror})") from exc
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise FileFormatError(path, "archive gzip illisible ou tronquée") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileFormatError(path, "encodage invalide : le fichier doit être en UTF-8", line) from exc


def read_json(path: Path):
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, f"JSON invalide ou tronqué ({exc.msg})", exc.lineno) from exc


def header_key(name: str) -> str:
    """« #Identifiant_du_site » and « identifiant_du_site » compare equal."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return name.strip().lstrip("#").strip().lower().replace(" ", "_")


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]

    def __getitem__(self, key):
        return self.values[key]

    def get(self, key, default=""):
        return self.values.get(key, default)


def read_csv(path: Path, *, columns: dict[str, tuple[str, ...]], delimiter: str | None = None) -> Iterator[CsvRow]:
    """Rows of a CSV file, keyed by our column names.

    `columns` maps each of our names to the header names accepted for it (several official vintages).
    The delimiter is sniffed between ';' and ',' when not given. Every row must have as many fields as
    the header: a short last row means a truncated file.
    """
    text = read_text(path)
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileFormatError(path, "fichier vide") from None
    except csv.Error as exc:
        raise FileFormatError(path, f"en-tête illisible ({exc})", 1) from exc
    keys = [header_key(h) for h in header]
    positions = {}
    missing = []
    for ours, accepted in columns.items():
        for candidate in accepted:
            if header_key(candidate) in keys:
                positions[ours] = keys.index(header_key(candidate))
                break
        else:
            missing.append(accepted[0])
    if missing:
        raise FileFormatError(path, f"en-tête inattendu : colonne(s) manquante(s) {', '.join(missing)}", 1)
    width = len(header)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != width:
                raise FileFormatError(
                    path,
                    f"{len(row)} champ(s) au lieu de {width} : ligne tronquée ou mal formée",
                    reader.line_num,
                )
            yield CsvRow(reader.line_num, {ours: row[pos].strip() for ours, pos in positions.items()})
    except csv.Error as exc:
        raise FileFormatError(path, f"CSV mal formé ({exc})", reader.line_num) from exc


# ------------------------------------------------------------------------------------------ values


def parse_coordinate(path: Path, line: int, value: str, *, kind: str) -> float | None:
    """A latitude or longitude in decimal degrees; empty is None, anything unparseable is fatal."""
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise FileFormatError(path, f"{kind} illisible : « {value[:30]} »", line) from None
    limit = 90 if kind == "latitude" else 180
    if not math.isfinite(number) or abs(number) > limit:
        raise FileFormatError(path, f"{kind} hors limites : {value[:30]}", line)
    return number


def parse_int(path: Path, line: int, value, *, field: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FileFormatError(path, f"{field} n'est pas un entier : « {str(value)[:30]} »", line) from None


def unique(path: Path, items, *, identical_repeats: bool = False) -> dict:
    """(key, line, record) rows → {key: record}; a repeated key makes the file unusable (which row is right?).

    With `identical_repeats`, a key repeated with exactly the same record is accepted once (some INSEE
    extracts repeat a commune's row for each of its postcodes); a repeat that differs is still refused.
    """
    records, lines = {}, {}
    for key, line, record in items:
        if key in lines and not (identical_repeats and records[key] == record):
            raise FileFormatError(path, f"identifiant en double « {key} » (déjà vu ligne {lines[key]})", line)
        lines.setdefault(key, line)
        records[key] = record
    return records


def require_list(path: Path, data) -> list:
    if not isinstance(data, list):
        raise FileFormatError(path, "le fichier doit contenir une liste JSON")
    return data


def require_fields(path: Path, index: int, item, fields: tuple[str, ...]) -> dict:
    if not isinstance(item, dict) or any(f not in item for f in fields):
        missing = [f for f in fields if not isinstance(item, dict) or f not in item]
        raise FileFormatError(path, f"élément n° {index + 1} : champ(s) manquant(s) {', '.join(missing)}")
    return item


def polygon_centroid(multipolygon) -> tuple[float, float] | None:
    """Area-weighted centroid (lat, lon) of a MultiPolygon's outer rings (planar: fine at QPV scale)."""
    total_area = 0.0
    cx = cy = 0.0
    for polygon in multipolygon or ():
        ring = np.asarray(polygon[0], dtype=float)
        if ring.ndim != 2 or len(ring) < 3:
            continue
        x, y = ring[:, 0], ring[:, 1]
        x1, y1 = np.roll(x, -1), np.roll(y, -1)
        cross = x * y1 - x1 * y
        area = cross.sum() / 2
        if area == 0:
            continue
        cx += ((x + x1) * cross).sum() / 6
        cy += ((y + y1) * cross).sum() / 6
        total_area += area
    if total_area == 0:
        return None
    return cy / total_area, cx / total_area


# ------------------------------------------------------------------------------------------ outlines

OUTLINE_GEOMETRIES = ("Polygon", "MultiPolygon")


def _rounded(coordinates, digits: int):
    if isinstance(coordinates, (int, float)) and not isinstance(coordinates, bool):
        if not math.isfinite(coordinates):
            raise ValueError("coordonnée non finie")
        return round(float(coordinates), digits)
    if isinstance(coordinates, list) and coordinates:
        return [_rounded(item, digits) for item in coordinates]
    raise ValueError("coordonnées mal formées")


def read_outlines(path: Path, *, digits: int = 5) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """Outlines of a GeoJSON FeatureCollection (`code`, `nom`, Polygon or MultiPolygon), coordinates rounded
    to `digits` decimals (about a metre at 5).

    Returns ([(feature number, feature)], [(feature number, reason)]) : a feature without code or with an
    unusable geometry is a rejection; a file that is not a FeatureCollection, or repeats a code, is refused.
    """
    data = read_json(path)
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise FileFormatError(path, "ce n'est pas une FeatureCollection GeoJSON")
    features, rejections, seen = [], [], {}
    for number, feature in enumerate(data["features"], start=1):
        properties = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        geometry = (feature.get("geometry") if isinstance(feature, dict) else None) or {}
        code = str(properties.get("code") or "").strip()
        if not code:
            rejections.append((number, "contour sans code"))
            continue
        if geometry.get("type") not in OUTLINE_GEOMETRIES:
            rejections.append((number, f"contour {code} : géométrie {geometry.get('type')!r} au lieu d'un polygone"))
            continue
        try:
            coordinates = _rounded(geometry.get("coordinates"), digits)
        except (ValueError, RecursionError):
            rejections.append((number, f"contour {code} : coordonnées illisibles"))
            continue
        if code in seen:
            raise FileFormatError(path, f"code en double « {code} » (déjà vu au contour n° {seen[code]})")
        seen[code] = number
        features.append(
            (
                number,
                {
                    "type": "Feature",
                    "properties": {"code": code, "nom": str(properties.get("nom") or "")},
                    "geometry": {"type": geometry["type"], "coordinates": coordinates},
                },
            )
        )
    return features, rejections
