"""Readers of files of places: the official CSV and JSON of the schema, and the earlier JSON of the national map.

`read_places(path)` returns raw records (official or old field names, values as found) with their line number;
a file that cannot be read as a whole raises FileFormatError (French message with file and line).
`resolve_communes` derives the missing INSEE codes. Nothing here writes to the database.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tremplin.opendata import geo
from tremplin.opendata.errors import FileFormatError
from tremplin.opendata.readers import read_text
from tremplin.territories.models import Commune, FormerCommune, normalize_search

from .schema import FIELDS, LEGACY_FIELDS


@dataclass
class RawRecord:
    line: int
    values: dict


def read_places(path: Path) -> list[RawRecord]:
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise FileFormatError(path, "fichier vide")
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in "[{":
        return _read_json(path, text)
    return _read_csv(path, text)


def _read_json(path: Path, text: str) -> list[RawRecord]:
    """A JSON array of objects (or {"data": [...]}) with the line where each object starts."""
    decoder = json.JSONDecoder()
    start = len(text) - len(text.lstrip())
    try:
        document, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, f"JSON invalide ou tronqué ({exc.msg})", exc.lineno) from exc
    if text[end:].strip():
        raise FileFormatError(path, "JSON invalide : contenu après la fin du document", text.count("\n", 0, end) + 1)
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]
    if not isinstance(document, list):
        raise FileFormatError(path, "JSON inattendu : une liste de lieux est attendue", 1)
    lines = _object_lines(text, start, len(document))
    records = []
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            raise FileFormatError(path, "JSON inattendu : chaque lieu doit être un objet", lines[index])
        records.append(RawRecord(lines[index], item))
    return records


def _object_lines(text: str, start: int, count: int) -> list[int]:
    """Line of each top-level element of the array (found by walking the text once, outside strings)."""
    lines, depth, in_string, escaped, line = [], 0, False, False, 1
    for char in text[start:]:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            if depth == 1:
                lines.append(line)
            depth += 1
        elif char in "]}":
            depth -= 1
        elif depth == 1 and not char.isspace() and char != "," and (not lines or lines[-1] != line):
            lines.append(line)  # a scalar element (reported as not an object)
        if len(lines) >= count and depth <= 1:
            break
    return lines + [line] * (count - len(lines))


def _read_csv(path: Path, text: str) -> list[RawRecord]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except csv.Error as exc:
        raise FileFormatError(path, f"en-tête illisible ({exc})", 1) from exc
    known = set(FIELDS) | set(LEGACY_FIELDS)
    missing = [name for name in ("id", "nom") if name not in header]
    if missing or not known.intersection(header):
        raise FileFormatError(
            path, f"en-tête inattendu : colonne(s) manquante(s) {', '.join(missing) or 'du schéma'}", 1
        )
    records = []
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                raise FileFormatError(
                    path,
                    f"{len(row)} champ(s) au lieu de {len(header)} : ligne tronquée ou mal formée",
                    reader.line_num,
                )
            records.append(RawRecord(reader.line_num, dict(zip(header, row, strict=True))))
    except csv.Error as exc:
        raise FileFormatError(path, f"CSV mal formé ({exc})", reader.line_num) from exc
    return records


# ------------------------------------------------------------------------------------------ communes

_DISTRICT_RE = re.compile(r"^(paris|marseille|lyon) (\d{1,2})(?: ?(?:e|er|eme))?(?: arrondissement)?$")
_DISTRICT_BASE = {"paris": 75100, "marseille": 13200, "lyon": 69380}
MAX_NEAREST_KM = 20.0


class CommuneResolver:
    """INSEE code of a place from its postcode and commune name, else from its coordinates.

    Loads the communes once (code, name, postcodes, centre); communes split into arrondissements are
    replaced by their arrondissements for the nearest-centre search.
    """

    def __init__(self):
        rows = list(Commune.objects.values_list("code_insee", "search_name", "postcodes", "latitude", "longitude"))
        with_districts = set(Commune.objects.filter(parent__isnull=False).values_list("parent_id", flat=True))
        self.codes = {row[0] for row in rows}
        self.by_postcode: dict[str, list[tuple[str, str]]] = {}
        for code, name, postcodes, _lat, _lon in rows:
            for postcode in (postcodes or "").split():
                self.by_postcode.setdefault(postcode, []).append((code, name))
        located = [r for r in rows if r[3] is not None and r[4] is not None and r[0] not in with_districts]
        self.located_codes = [r[0] for r in located]
        self.tree = None
        if located:
            from scipy.spatial import cKDTree

            self.tree = cKDTree(geo.unit_vectors(np.array([(r[3], r[4]) for r in located], dtype=float)))
        self.position = {code: i for i, code in enumerate(self.located_codes)}
        # Same name in the same département (CEDEX postcodes), and names of former communes (mergers).
        self.by_departement: dict[tuple[str, str], set[str]] = {}
        for code, name, *_ in rows:
            self.by_departement.setdefault((_departement(code), name), set()).add(code)
        former = FormerCommune.objects.filter(commune__isnull=False).values_list("code_insee", "name", "commune_id")
        for code, name, current in former:
            self.by_departement.setdefault((_departement(code), normalize_search(name)), set()).add(current)

    def resolve(self, *, postcode: str, city: str, latitude, longitude) -> tuple[str, str]:
        """(code, how) with how in « nom », « coordonnées » or « » when nothing matched."""
        name = normalize_search(city or "")
        name = re.sub(r"\s+cedex(\s+\d+)?$", "", name)
        district = _DISTRICT_RE.match(name)
        if district:
            code = str(_DISTRICT_BASE[district.group(1)] + int(district.group(2)))
            if code in self.codes:
                return code, "nom"
        candidates = self.by_postcode.get(postcode, [])
        named = [code for code, candidate in candidates if candidate == name]
        if len(named) == 1:
            return named[0], "nom"
        if latitude is not None and longitude is not None and self.tree is not None:
            point = geo.unit_vectors(np.array([[latitude, longitude]], dtype=float))
            if candidates:
                allowed = [c for c, _ in candidates if c in self.position]
                if allowed:
                    centres = self.tree.data[[self.position[c] for c in allowed]]
                    chords = np.linalg.norm(centres - point, axis=1)
                    best = int(np.argmin(chords))
                    if geo.chord_to_km(chords[best]) <= MAX_NEAREST_KM:
                        return allowed[best], "coordonnées"
            chord, index = self.tree.query(point, k=1)
            if geo.chord_to_km(chord[0]) <= MAX_NEAREST_KM:
                return self.located_codes[int(index[0])], "coordonnées"
        if len(candidates) == 1:
            return candidates[0][0], "nom"
        same_name = self.by_departement.get((_departement(postcode), name), set())
        if len(same_name) == 1:
            return next(iter(same_name)), "nom"
        return "", ""


def _departement(code: str) -> str:
    """« 54042 » → « 54 », « 97411 » → « 974 », « 2A004 » → « 2A » (a postcode « 20000 » → « 20 », see below)."""
    if code[:2] in ("97", "98"):
        return code[:3]
    if code[:2] in ("2A", "2B"):
        return "20"  # Corsican postcodes start with 20: compare on « 20 »
    return code[:2]
