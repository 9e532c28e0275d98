"""The national schema « lieux de médiation numérique » v1.0.2: field order, official values, how multi-valued
fields are split, and the validation of one record (`clean_record`), shared by the importer and the exporter.

Old files of the national map (2022) use other field names and old labels; `LEGACY_FIELDS` and the
`LEGACY_*` tables say how they map onto the schema (documented in the README of the directory).
"""

import re
from dataclasses import dataclass, field
from datetime import date

from . import opening_hours

# Official field names, in the schema's order (the CSV / JSON export writes exactly these).
FIELDS = (
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente", "date_maj",
    "services", "publics_specifiquement_adresses", "prise_en_charge_specifique", "frais_a_charge",
    "dispositif_programmes_nationaux", "formations_labels", "autres_formations_labels", "modalites_acces",
    "modalites_accompagnement", "fiche_acces_libre", "prise_rdv",
)  # fmt: skip

# Official field → Place attribute.
MODEL_FIELDS = {
    "id": "external_id", "pivot": "pivot", "nom": "name", "commune": "city", "code_postal": "postcode",
    "code_insee": "code_insee", "adresse": "address", "complement_adresse": "address_complement",
    "latitude": "latitude", "longitude": "longitude", "typologie": "typology", "telephone": "phone",
    "courriels": "emails", "site_web": "website", "horaires": "hours", "presentation_resume": "summary",
    "presentation_detail": "description", "source": "source", "itinerance": "mobility",
    "structure_parente": "parent_structure", "date_maj": "source_updated_on", "services": "services",
    "publics_specifiquement_adresses": "publics", "prise_en_charge_specifique": "specific_support",
    "frais_a_charge": "fees", "dispositif_programmes_nationaux": "national_programmes",
    "formations_labels": "labels", "autres_formations_labels": "other_labels",
    "modalites_acces": "access_modes", "modalites_accompagnement": "support_modes",
    "fiche_acces_libre": "accessibility_url", "prise_rdv": "appointment_url",
}  # fmt: skip

REQUIRED = ("id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj")

SERVICES = (
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
)
PUBLICS = ("Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes")
SPECIFIC_SUPPORT = (
    "Surdité", "Handicaps moteurs", "Handicaps mentaux", "Illettrisme", "Langues étrangères (anglais)",
    "Langues étrangères (autres)", "Déficience visuelle",
)  # fmt: skip
FEES = ("Gratuit", "Gratuit sous condition", "Payant")
NATIONAL_PROGRAMMES = (
    "Aidants Connect", "Bibliothèques numérique de référence", "Certification PIX", "Conseillers numériques",
    "Emmaüs Connect", "France Services", "Grande école du numérique", "La Croix Rouge",
    "Point d'accès numérique CAF", "Promeneurs du net", "Relais numérique (Emmaüs Connect)",
)  # fmt: skip
# The label is described as « Étapes numériques (La Poste) » but the schema's pattern reads
# `Étapes numériques\(La Poste\)` (no space): Tremplin stores the described value, accepts both on import,
# and exports the one the pattern accepts (ETAPES_EXPORTED) so that the file validates.
ETAPES_LABEL = "Étapes numériques (La Poste)"
ETAPES_EXPORTED = "Étapes numériques(La Poste)"
LABELS = (
    "Formé à « Mon Espace Santé »", "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)", "Collectif ressources et acteurs réemploi (Normandie)",
    ETAPES_LABEL, "Fabriques de Territoire", "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)", "ORDI 3.0", "SUD LABS (PACA)",
)  # fmt: skip
ACCESS_MODES = (
    "Se présenter", "Téléphoner", "Contacter par mail", "Prendre un RDV en ligne",
    "Ce lieu n'accueille pas de public", "Envoyer un mail avec une fiche de prescription",
)  # fmt: skip
SUPPORT_MODES = ("En autonomie", "Accompagnement individuel", "Dans un atelier collectif", "À distance")
MOBILITY = ("Itinérant", "Fixe")

# Multi-valued fields → their official values (None: free values, e.g. e-mails).
MULTI_VALUED = {
    "typologie": None, "courriels": None, "site_web": None, "itinerance": MOBILITY, "services": SERVICES,
    "publics_specifiquement_adresses": PUBLICS, "prise_en_charge_specifique": SPECIFIC_SUPPORT,
    "frais_a_charge": FEES, "dispositif_programmes_nationaux": NATIONAL_PROGRAMMES, "formations_labels": LABELS,
    "modalites_acces": ACCESS_MODES, "modalites_accompagnement": SUPPORT_MODES,
}  # fmt: skip

# Spellings seen in official files and the schema's own description, read as the official value.
ALIASES = {
    "Comprehension du monde numérique": "Compréhension du monde numérique",
    ETAPES_EXPORTED: ETAPES_LABEL,
    "Mes Papiers (Métropole de Lyon) ": "Mes Papiers (Métropole de Lyon)",
}

# --------------------------------------------------------------------------- earlier files of the national map

# Old field name → official field (the value may still need LEGACY_VALUES).
LEGACY_FIELDS = {
    "courriel": "courriels",
    "conditions_access": "frais_a_charge",
    "conditions_acces": "frais_a_charge",
    "labels_nationaux": "dispositif_programmes_nationaux",
    "labels_autres": "autres_formations_labels",
    "publics_accueillis": "publics_specifiquement_adresses",
    "accessibilite": "fiche_acces_libre",
    "modalites_accueil": "modalites_accompagnement",
}
# Old labels → official values, where the mapping is clear (several old services became one).
LEGACY_VALUES = {
    "services": {
        "Prendre en main un smartphone ou une tablette": "Maîtrise des outils numériques du quotidien",
        "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
        "Utiliser le numérique au quotidien": "Maîtrise des outils numériques du quotidien",
        "Approfondir ma culture numérique": "Compréhension du monde numérique",
        "Promouvoir la citoyenneté numérique": "Compréhension du monde numérique",
        "Réaliser des démarches administratives avec un accompagnement": "Aide aux démarches administratives",
        "Devenir autonome dans les démarches administratives": "Aide aux démarches administratives",
        "Trouver un emploi ou une formation": "Insertion professionnelle via le numérique",
        "Soutenir la parentalité et l'éducation avec le numérique": "Parentalité et éducation avec le numérique",
        "Créer avec le numérique": "Loisirs et créations numériques",
        "Accéder à une connexion internet": "Accès internet et matériel informatique",
        "Accéder à du matériel": "Accès internet et matériel informatique",
        "Équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
    },
    "dispositif_programmes_nationaux": {
        "CNFS": "Conseillers numériques",
        "Conseiller numérique France Services": "Conseillers numériques",
        "Aidants Connect": "Aidants Connect",
        "France Services": "France Services",
    },
}

# ----------------------------------------------------------------------------------------------- checks

PIVOT_RE = re.compile(r"^[a-zA-Z0-9]{9,14}$")  # SIRET (14 digits), RNA (W + 9 digits), RIDET (New Caledonia)
POSTCODE_RE = re.compile(r"^\d{5}$")
INSEE_RE = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")
PHONE_RE = re.compile(r"^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$")
PHONE_PREFIXES = {"971": "+590", "972": "+596", "973": "+594", "974": "+262", "976": "+262", "975": "+508"}


@dataclass
class Problem:
    kind: str  # short, for grouping the summary (« pivot invalide »)
    detail: str = ""  # with the value, for the row report

    def __str__(self):
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


@dataclass
class Cleaned:
    values: dict = field(default_factory=dict)  # Place attributes
    errors: list[Problem] = field(default_factory=list)  # any error: the row is rejected
    warnings: list[Problem] = field(default_factory=list)  # value left out, the row is kept


def split_values(value, known=()) -> list[str]:
    """`a|b`, `a;b` or `a, b` → ["a", "b"]. With `, ` pieces are glued back while they do not form a known
    value, since labels contain commas (« …smartphone ou une tablette, Prendre en main… » are two)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if not text:
        return []
    for separator in ("|", ";"):
        if separator in text:
            return [part.strip() for part in text.split(separator) if part.strip()]
    pieces = [p.strip() for p in text.split(", ")]
    if not known:
        return [p for p in pieces if p]
    values, current = [], ""
    for piece in pieces:
        current = f"{current}, {piece}" if current else piece
        if current in known:
            values.append(current)
            current = ""
    if current:  # unknown tail: keep its pieces as they are (they will be reported as unknown)
        values.extend(current.split(", "))
    return [v for v in values if v]


def normalize_phone(value: str, postcode: str = "") -> str:
    """« 01 80 05 98 80 » → « +33180059880 »; overseas numbers get their own prefix from the postcode."""
    digits = re.sub(r"[\s.\-()/]", "", value or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"0\d{9}", digits):
        digits = PHONE_PREFIXES.get(postcode[:3], "+33") + digits[1:]
    return digits


def legacy_fee(value: str) -> str | None:
    """« Gratuit : Je peux accéder gratuitement au lieu… » → « Gratuit »."""
    head = value.split(" : ", 1)[0].strip()
    return head if head in FEES else None


def clean_record(raw: dict) -> Cleaned:
    """Check one record keyed by official (or old) field names and turn it into Place attributes."""
    result = Cleaned()
    record = {}
    for key, value in raw.items():
        official = key if key in MODEL_FIELDS else LEGACY_FIELDS.get(key)
        if official and (official not in record or record[official] in (None, "")):
            record[official] = value
    legacy = {k for k in raw if k in LEGACY_FIELDS}

    def text(name):
        value = record.get(name)
        if name == "code_postal" and isinstance(value, int):
            return f"{value:05d}"  # a postcode written as a number in JSON lost its leading zero
        return "" if value is None else str(value).strip()

    for name in REQUIRED:
        if not text(name):
            result.errors.append(Problem(f"{name} manquant (champ obligatoire)"))
    pivot, postcode = text("pivot"), text("code_postal")
    if pivot and not PIVOT_RE.match(pivot):
        result.errors.append(Problem("pivot invalide : 9 à 14 lettres ou chiffres (SIRET, RNA ou RIDET)", pivot))
    if postcode and not POSTCODE_RE.match(postcode):
        result.errors.append(Problem("code postal invalide : 5 chiffres", postcode))
    code_insee = text("code_insee")
    if code_insee and not INSEE_RE.match(code_insee):
        result.errors.append(Problem("code INSEE invalide", code_insee))
    updated_on = None
    if text("date_maj"):
        try:
            updated_on = date.fromisoformat(text("date_maj")[:10])
        except ValueError:
            result.errors.append(Problem("date de mise à jour invalide : AAAA-MM-JJ", text("date_maj")))
    coordinates = {}
    for name in ("latitude", "longitude"):
        value = record.get(name)
        if value in (None, ""):
            coordinates[name] = None
            continue
        try:
            coordinates[name] = float(str(value).replace(",", "."))
        except ValueError:
            result.errors.append(Problem(f"{name} invalide", str(value)))
    if len(text("presentation_resume")) > 280:
        result.errors.append(Problem("présentation résumée trop longue (280 caractères au plus)"))
    if result.errors:
        return result

    values = {MODEL_FIELDS[name]: text(name) for name in MODEL_FIELDS if name not in MULTI_VALUED}
    values.update(coordinates, source_updated_on=updated_on)
    phone = normalize_phone(text("telephone"), postcode)
    if phone and not PHONE_RE.match(phone):
        result.warnings.append(Problem("téléphone invalide laissé de côté", text("telephone")))
        phone = ""
    values["phone"] = phone
    for name, official_values in MULTI_VALUED.items():
        values[MODEL_FIELDS[name]] = _multi(name, record.get(name), official_values, name in _legacy(legacy), result)
    hours = text("horaires")
    values["hours"] = hours
    values["hours_valid"] = hours_valid(hours)
    result.values = values
    return result


def _legacy(legacy_keys) -> set[str]:
    return {LEGACY_FIELDS[k] for k in legacy_keys} | {"services"}


def _multi(name, value, official_values, maybe_legacy, result: Cleaned) -> list[str]:
    if official_values is None:
        return split_values(value)
    table = LEGACY_VALUES.get(name, {}) if maybe_legacy else {}
    known = set(official_values) | set(ALIASES) | set(table)
    out = []
    for item in split_values(value, known):
        item = ALIASES.get(item, item)
        if item not in official_values:
            mapped = table.get(item) or (legacy_fee(item) if name == "frais_a_charge" else None)
            if mapped is None:
                result.warnings.append(Problem(f"valeur inconnue laissée de côté dans {name}", item))
                continue
            item = mapped
        if item not in out:
            out.append(item)
    return out


def hours_valid(hours: str) -> bool:
    """Empty hours are « not given », not unreadable; written hours must parse."""
    return not hours.strip() or opening_hours.parse(hours) is not None
