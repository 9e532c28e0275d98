"""Writers of the directory: the official CSV / JSON of the schema « lieux de médiation numérique » v1.0.2, and the
`structures` / `services` shapes of data·inclusion (schema v1, `../shared/data/schema_data_inclusion/`).

Official files: fields in the schema's order, multi-values joined by `|`, dates ISO 8601, coordinates as numbers.
The label « Étapes numériques (La Poste) » is written « Étapes numériques(La Poste) », the only spelling the
schema's own pattern accepts (see schema.ETAPES_EXPORTED).
"""

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from .models import Place
from .schema import ETAPES_EXPORTED, ETAPES_LABEL, FIELDS, MODEL_FIELDS, MULTI_VALUED, PHONE_RE

FORMATS = ("csv", "json", "data-inclusion")


def official_record(place: Place) -> dict:
    """One place as the schema's fields, in order; empty values are None."""
    record = {}
    for name in FIELDS:
        value = getattr(place, MODEL_FIELDS[name])
        if name in MULTI_VALUED:
            items = [ETAPES_EXPORTED if v == ETAPES_LABEL else v for v in value or []]
            value = "|".join(items)
        elif name == "date_maj":
            value = value.isoformat() if value else None
        elif name == "telephone" and value and not PHONE_RE.match(value):
            value = None  # a number the schema refuses is left out rather than invalidating the file
        if value in ("", None):
            value = None
        record[name] = value
    return record


def write_csv(places: Iterable[Place], out: Path) -> int:
    count = 0
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(FIELDS)
        for place in places:
            record = official_record(place)
            writer.writerow(["" if record[name] is None else record[name] for name in FIELDS])
            count += 1
    return count


def write_json(places: Iterable[Place], out: Path) -> int:
    records = [official_record(place) for place in places]
    Path(out).write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(records)


# ------------------------------------------------------------------------------------------ data·inclusion

DI_SOURCE = "tremplin"
DI_THEMES = {
    "Aide aux démarches administratives": "numerique--acceder-a-des-services-en-ligne",
    "Maîtrise des outils numériques du quotidien": "numerique--maitriser-les-fondamentaux-du-numerique",
    "Utilisation sécurisée du numérique": "numerique--maitriser-les-fondamentaux-du-numerique",
    "Compréhension du monde numérique": "numerique--maitriser-les-fondamentaux-du-numerique",
    "Accès internet et matériel informatique": "numerique--acceder-a-une-connexion-internet",
    "Acquisition de matériel informatique à prix solidaire": "numerique--acquerir-un-equipement",
    "Parentalité et éducation avec le numérique": "famille--soutien-a-la-parentalite-et-a-leducation",
    # « Insertion professionnelle via le numérique », « Loisirs et créations numériques »: no clear theme.
}
DI_NETWORKS = {
    "Aidants Connect": "aidants-connect",
    "Conseillers numériques": "conseillers-numeriques",
    "France Services": "france-service",
    "La Croix Rouge": "croix-rouge",
    "Emmaüs Connect": "emmaus",
    "Relais numérique (Emmaüs Connect)": "emmaus",
    "Point d'accès numérique CAF": "caf",
}
DI_PUBLICS = {
    "Jeunes": "jeunes",
    "Étudiants": "etudiants",
    "Familles et/ou enfants": "familles",
    "Seniors": "seniors",
    "Femmes": "femmes",
}
DI_DISABILITY = {"Surdité", "Handicaps moteurs", "Handicaps mentaux", "Déficience visuelle"}
DI_ACCESS = {
    "Se présenter": "se-presenter",
    "Téléphoner": "telephoner",
    "Contacter par mail": "envoyer-un-courriel",
    "Envoyer un mail avec une fiche de prescription": "envoyer-un-courriel",
    "Prendre un RDV en ligne": "utiliser-lien-mobilisation",
}
DI_FEES = {"Gratuit": "gratuit", "Gratuit sous condition": "gratuit", "Payant": "payant"}


def _unique(values):
    out = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out or None


def _url(values) -> str | None:
    for value in values or []:
        if value.startswith(("http://", "https://")):
            return value
    return None


def _name(place: Place) -> str:
    name = place.name[:150]
    return name if len(name) >= 3 else f"{name} (lieu)"


def data_inclusion_structure(place: Place) -> dict:
    networks = [DI_NETWORKS.get(p) for p in place.national_programmes]
    if ETAPES_LABEL in place.labels:
        networks.append("la-poste")
    description = place.description or place.summary
    return {
        "id": place.external_id,
        "source": DI_SOURCE,
        "nom": _name(place),
        "date_maj": place.source_updated_on.isoformat(),
        "siret": place.pivot if len(place.pivot) == 14 and place.pivot.isdigit() else None,
        **_data_inclusion_location(place),
        "site_web": _url(place.website),
        "description": description if len(description) >= 5 else None,
        "horaires_accueil": place.hours or None,
        "accessibilite_lieu": _url([place.accessibility_url]),
        "lien_source": None,
        "reseaux_porteurs": _unique(networks),
    }


def _data_inclusion_location(place: Place) -> dict:
    """Address, coordinates and contact: the same fields in a data·inclusion structure and its service."""
    return {
        "commune": place.city or None,
        "code_postal": place.postcode or None,
        "code_insee": place.code_insee or None,
        "adresse": place.address or None,
        "complement_adresse": place.address_complement or None,
        "latitude": place.latitude,
        "longitude": place.longitude,
        "telephone": place.phone or None,
        "courriel": place.emails[0] if place.emails else None,
    }


def data_inclusion_service(place: Place) -> dict:
    publics = [DI_PUBLICS.get(p) for p in place.publics]
    if DI_DISABILITY.intersection(place.specific_support):
        publics.append("personnes-en-situation-de-handicap")
    modes = ["a-distance" if m == "À distance" else "en-presentiel" for m in place.support_modes]
    mobilisation = [DI_ACCESS.get(m) for m in place.access_modes]
    link = _url([place.appointment_url])
    if not link:
        mobilisation = [m for m in mobilisation if m != "utiliser-lien-mobilisation"]
    fees = _unique(DI_FEES.get(f) for f in place.fees) or []
    services = ", ".join(place.services) or "médiation numérique"
    return {
        "id": f"{place.external_id}-mediation-numerique",
        "structure_id": place.external_id,
        "source": DI_SOURCE,
        "nom": "Médiation numérique",
        "description": place.summary if len(place.summary) >= 5 else f"Accompagnement au numérique : {services}.",
        "date_maj": place.source_updated_on.isoformat(),
        "type": "accompagnement",
        "thematiques": _unique(DI_THEMES.get(s) for s in place.services),
        "publics": _unique(publics),
        "modes_accueil": _unique(modes),
        "modes_mobilisation": _unique(mobilisation),
        "mobilisable_par": ["usagers"],
        "lien_mobilisation": link,
        "frais": fees[0] if len(fees) == 1 else None,
        "frais_precisions": ", ".join(place.fees) or None,
        **_data_inclusion_location(place),
        "horaires_accueil": place.hours or None,
    }


def write_data_inclusion(places: Iterable[Place], out: Path) -> int:
    places = list(places)
    document = {
        "structures": [data_inclusion_structure(p) for p in places],
        "services": [data_inclusion_service(p) for p in places],
    }
    Path(out).write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return len(places)


WRITERS = {"csv": write_csv, "json": write_json, "data-inclusion": write_data_inclusion}
