"""Reading back an exported plan (the CSV or GeoJSON of a scenario) as a starting deployment.

Pure Python, no Django: ``office_ids(name, content)`` returns the La Poste identifiers of the plan's
offices, in file order without duplicates, or raises :class:`PlanningError` with a French message that
says what is wrong with the file (nothing is applied from a file that has an error).
"""

from __future__ import annotations

import csv
import io
import json

from tremplin.planning.feasibility import PlanningError

MAX_BYTES = 5 * 1024 * 1024
ID_COLUMN = "identifiant La Poste"  # the CSV export's column (tremplin/www/planning/views.py: CSV_HEADER)


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("cp1252")
        except UnicodeDecodeError:
            raise PlanningError("Le fichier n'est pas un texte lisible (UTF-8 attendu).", param="start_plan") from None


def _from_csv(text: str) -> list[str]:
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None) or []
    names = [h.strip().lstrip("'").lower() for h in header]
    if ID_COLUMN.lower() not in names:
        raise PlanningError(
            f"Colonne « {ID_COLUMN} » introuvable : le fichier doit être l'export CSV d'un scénario "
            "(ou un CSV ayant cette colonne).",
            param="start_plan",
        )
    col = names.index(ID_COLUMN.lower())
    ids = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        value = row[col].strip().lstrip("'") if col < len(row) else ""
        if not value:
            raise PlanningError(f"Ligne {line} : identifiant La Poste manquant.", param="start_plan")
        ids.append(value)
    return ids


def _from_geojson(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanningError(f"GeoJSON illisible (ligne {exc.lineno}) : {exc.msg}.", param="start_plan") from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(features, list):
        message = "Le GeoJSON doit être une « FeatureCollection » (l'export d'un scénario)."
        raise PlanningError(message, param="start_plan")
    ids = []
    for number, feature in enumerate(data["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        value = props.get("id") if isinstance(props, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise PlanningError(
                f"Objet n° {number} du GeoJSON : propriété « id » (identifiant La Poste) manquante.", param="start_plan"
            )
        ids.append(value.strip())
    return ids


def office_ids(name: str, content: bytes) -> list[str]:
    """La Poste identifiers of the offices of an exported plan (CSV or GeoJSON), without duplicates."""
    if len(content) > MAX_BYTES:
        raise PlanningError("Fichier trop volumineux (5 Mo au plus).", param="start_plan")
    text = _text(content)
    lowered = (name or "").lower()
    if lowered.endswith((".geojson", ".json")) or text.lstrip().startswith("{"):
        ids = _from_geojson(text)
    elif lowered.endswith((".csv", ".txt")) or not lowered:
        ids = _from_csv(text)
    else:
        raise PlanningError("Format non reconnu : envoyez l'export CSV ou GeoJSON d'un scénario.", param="start_plan")
    if not ids:
        raise PlanningError("Le fichier ne contient aucun bureau.", param="start_plan")
    return list(dict.fromkeys(ids))
