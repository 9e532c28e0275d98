"""La Coop de la médiation numérique's activity export, both ways: its column layout, its French labels ↔ our
codes, the rows of our records in that layout, and the reading of the XLSX (or CSV) that La Coop gives a mediator.

The layout is La Coop's « Activités » worksheet (its `buildAccompagnementsWorksheet`, read at
inclusion-numerique/coop-mediation-numerique@46aa33b): an « Informations export » block (who exported, total, date
and hour), a « Filtres » block, an empty row, then the table. One row per accompaniment: an individual record is
one row; a workshop is one row per participant, its « Participants » cell saying `2/5`, every row repeating the
workshop and giving that participant's commune, gender, age band and status. Multi-valued cells (equipment,
themes, tags) are joined by a line break; autonomy (or the workshop's level) is written as stars, `2/3`.

Our export keeps La Coop's columns, in its order, with these choices:
- the mediator columns (first name, last name, role) are always written (staff data); « ID - Conum » stays empty
  (we hold no Conseiller numérique number);
- never a person's name or contact: La Coop's « Bénéficiaire » column (the person's name, in a mediator's own
  export) is not written; the person's commune, postcode, INSEE code, gender, age band and status are;
- « Notes supplémentaires » (free text) is filled only for the records of the person exporting (as La Coop writes
  notes only in a mediator's own export): a coordinator's or a manager's export never carries them;
- « ID CRA »: the La Coop identifier of a record imported from La Coop, else `tremplin-<number>`;
- the kinds that La Coop does not have (diagnostic, counter screening, referral, démarche under a mandate) are
  exported too, with our French label in « Type », so that the file adds up with the dashboards; the import
  refuses them (filter `type=individuel` or `type=collectif` to export La Coop's kinds only);
- tags: we have none (empty cell); an imported file's tags are not kept.
"""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from tremplin.beneficiaries.enums import AgeBand, Gender, SocialStatus

from .enums import AdministrativeTheme, Autonomy, Equipment, Kind, PlaceType, StructureKind, Thematique, WorkshopLevel
from .models import Activity, Participant

# --- the layout ---------------------------------------------------------------------------------------------------

DATE = "Date"
CREATED = "Enregistré le"
MODIFIED = "Dernière modification le"
MEDIATOR_FIRST_NAME = "Prénom du médiateur"
MEDIATOR_LAST_NAME = "Nom du médiateur"
MEDIATOR_ROLE = "Rôle"
CONUM_ID = "ID - Conum"
TYPE = "Type"
PARTICIPANTS = "Participants"
PLACE_TYPE = "Canaux d’accompagnement"
PLACE_NAME = "Nom du lieu"
ADDRESS = "Adresse"
COMMUNE = "Commune"
POSTCODE = "Code postal"
INSEE = "Code Insee"
DURATION = "Durée (min)"
TITLE = "Nom de l’atelier"
EQUIPMENT = "Matériel numérique utilisé"
THEMES = "Thématique(s) d’accompagnement"
TAGS = "Tags"
PROCEDURE = "Nom de la démarche administrative"
AUTONOMY = "Niveau d’autonomie (ou de l’atelier)"
REFERRED = "Bénéficiaire réorienté"
STRUCTURE = "Structure de redirection"
PERSON_COMMUNE = "Commune du bénéficiaire"
PERSON_POSTCODE = "Code postal du bénéficiaire"
PERSON_INSEE = "Code Insee du bénéficiaire"
PERSON_GENDER = "Genre du bénéficiaire"
PERSON_AGE = "Tranche d’âge du bénéficiaire"
PERSON_STATUS = "Statut du bénéficiaire"
NOTES = "Notes supplémentaires"
COOP_ID = "ID CRA"

HEADERS = (
    DATE,
    CREATED,
    MODIFIED,
    MEDIATOR_FIRST_NAME,
    MEDIATOR_LAST_NAME,
    MEDIATOR_ROLE,
    CONUM_ID,
    TYPE,
    PARTICIPANTS,
    PLACE_TYPE,
    PLACE_NAME,
    ADDRESS,
    COMMUNE,
    POSTCODE,
    INSEE,
    DURATION,
    TITLE,
    EQUIPMENT,
    THEMES,
    TAGS,
    PROCEDURE,
    AUTONOMY,
    REFERRED,
    STRUCTURE,
    PERSON_COMMUNE,
    PERSON_POSTCODE,
    PERSON_INSEE,
    PERSON_GENDER,
    PERSON_AGE,
    PERSON_STATUS,
    NOTES,
    COOP_ID,
)
# The headings that find the table in a file (the rest may be missing: a La Coop self-export has no mediator
# columns; an export by a coordinator has no notes).
REQUIRED_HEADERS = (DATE, TYPE, COOP_ID)
CELL_SEPARATOR = "\n"
STARS = 3
TREMPLIN_ID_PREFIX = "tremplin-"
YES, NO = "Oui", "Non"

# La Coop's own labels for its two kinds; our other kinds are written with our labels (and refused by the import).
KIND_LABELS = dict(Kind.choices)
AUTONOMY_STARS = {Autonomy.FULLY_ACCOMPANIED: 1, Autonomy.PARTLY_AUTONOMOUS: 2, Autonomy.AUTONOMOUS: 3}
LEVEL_STARS = {WorkshopLevel.BEGINNER: 1, WorkshopLevel.INTERMEDIATE: 2, WorkshopLevel.ADVANCED: 3}
# The beneficiary columns of an anonymous participant, in the order of the breakdown dimensions.
BREAKDOWN_COLUMNS = (("genre", Gender), ("tranche_age", AgeBand), ("statut_social", SocialStatus))


# --- labels ↔ codes -------------------------------------------------------------------------------------------


def normalise(text) -> str:
    """A label as compared on import: no accents, lower case, one kind of apostrophe and dash, single spaces."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").replace("\u00a0", " ")
    return " ".join(text.lower().split())


def _lookup(*choice_lists) -> dict[str, str]:
    """normalised label (and code) → code."""
    table = {}
    for choices in choice_lists:
        for code, label in choices:
            table[normalise(label)] = code
            table[normalise(code)] = code
    return table


KIND_CODES = _lookup(Kind.choices)
PLACE_CODES = _lookup(PlaceType.choices)
EQUIPMENT_CODES = _lookup(Equipment.choices)
THEME_CODES = _lookup(Thematique.choices)
ADMIN_THEME_CODES = _lookup(AdministrativeTheme.choices)
STRUCTURE_CODES = _lookup(StructureKind.choices)
AUTONOMY_CODES = _lookup(Autonomy.choices)
LEVEL_CODES = _lookup(WorkshopLevel.choices)
# In the collective counts La Coop says Homme / Femme.
GENDER_CODES = {**_lookup(Gender.choices), "homme": Gender.MALE, "femme": Gender.FEMALE}
AGE_CODES = _lookup(AgeBand.choices)
STATUS_CODES = {**_lookup(SocialStatus.choices), "non communique": SocialStatus.UNDISCLOSED}
BREAKDOWN_CODES = {"genre": GENDER_CODES, "tranche_age": AGE_CODES, "statut_social": STATUS_CODES}


def split_cell(value) -> list[str]:
    """The values of a multi-valued cell: La Coop joins them with a line break; a hand-made file may use « ; »
    or « , » (no label of these lists holds either)."""
    text = str(value or "").strip()
    if not text:
        return []
    parts = re.split(r"[\r\n]+", text) if re.search(r"[\r\n]", text) else re.split(r"[;,]", text)
    return [part.strip() for part in parts if part.strip()]


def stars(code: str, table: dict) -> str:
    return f"{table[code]}/{STARS}" if code in table else ""


def from_stars(text, table: dict, codes: dict) -> str | None:
    """`2/3` (or the label, or the code) → code; "" when empty; None when unreadable."""
    text = str(text or "").strip()
    if not text:
        return ""
    match = re.fullmatch(r"\s*(\d)\s*(?:/\s*\d\s*)?(?:étoiles?)?", text)
    if match:
        number = int(match.group(1))
        return next((code for code, count in table.items() if count == number), None)
    return codes.get(normalise(text))


# --- export -------------------------------------------------------------------------------------------------------


def coop_id_of(activity: Activity) -> str:
    return activity.coop_id or f"{TREMPLIN_ID_PREFIX}{activity.pk}"


def _when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y à %H:%M}"


def _first_postcode(commune) -> str:
    return (commune.postcodes or "").split(" ")[0] if commune else ""


def export_queryset(queryset):
    """The activities with what the rows need, in a bounded number of queries (the participants and their
    communes are fetched once per chunk of the iterator). The people's names and contacts are never read."""
    people = Participant.objects.select_related("beneficiary__commune").only(
        "activity_id",
        "beneficiary__gender",
        "beneficiary__age_band",
        "beneficiary__social_status",
        "beneficiary__commune__code_insee",
        "beneficiary__commune__name",
        "beneficiary__commune__postcodes",
    )
    return (
        queryset.select_related("mediator", "site__commune", "commune")
        .prefetch_related(Prefetch("participants", queryset=people.order_by("pk")))
        .order_by("date", "pk")
    )


def _place_cells(activity: Activity) -> list:
    site = activity.site
    if site is not None:
        commune = site.commune
        return [
            site.name,
            site.address,
            commune.name if commune else site.city,
            site.postcode or _first_postcode(commune),
            commune.code_insee if commune else "",
        ]
    commune = activity.commune
    if commune is not None:
        return ["", "", commune.name, _first_postcode(commune), commune.code_insee]
    return ["", "", "", "", ""]


def _person_cells(person) -> list:
    commune = person.commune
    return [
        commune.name if commune else "",
        _first_postcode(commune),
        commune.code_insee if commune else "",
        Gender(person.gender).label if person.gender in Gender.values else Gender.UNDISCLOSED.label,
        AgeBand(person.age_band).label if person.age_band in AgeBand.values else AgeBand.UNDISCLOSED.label,
        SocialStatus(person.social_status).label
        if person.social_status in SocialStatus.values
        else SocialStatus.UNDISCLOSED.label,
    ]


def _anonymous_cells(breakdown: dict, count: int) -> list[list]:
    """The beneficiary cells of `count` anonymous participants: each dimension's counted values given to the first
    rows in the order of the values, the rest « non communiqué » (a count is all we know: no row is anyone)."""
    columns = []
    for dimension, choices in BREAKDOWN_COLUMNS:
        values = []
        counts = (breakdown or {}).get(dimension) or {}
        for code in choices.values:
            values += [choices(code).label] * int(counts.get(code) or 0)
        values = values[:count] + [choices.UNDISCLOSED.label] * max(0, count - len(values))
        columns.append(values)
    return [["", "", "", *(column[index] for column in columns)] for index in range(count)]


def activity_rows(activity: Activity, *, viewer) -> list[list]:
    """The rows of one activity in La Coop's layout (one per accompaniment)."""
    people = [participant.beneficiary for participant in activity.participants.all()]
    persons = [_person_cells(person) for person in people]
    anonymous = activity.anonymous_count if (activity.kind == Kind.COLLECTIVE or not people) else 0
    persons += _anonymous_cells(activity.anonymous_breakdown, anonymous)
    if not persons:
        persons = [["", "", "", Gender.UNDISCLOSED.label, AgeBand.UNDISCLOSED.label, SocialStatus.UNDISCLOSED.label]]
    mediator = activity.mediator
    if activity.kind == Kind.COLLECTIVE:
        level = stars(activity.level, LEVEL_STARS)
    else:
        level = stars(activity.autonomy, AUTONOMY_STARS)
    referred = "" if activity.kind == Kind.COLLECTIVE else (YES if activity.referred else NO)
    # Written once: no « last change » (created_at and updated_at are set a few microseconds apart).
    changed = activity.updated_at - activity.created_at > datetime.timedelta(seconds=1)
    modified = _when(activity.updated_at) if changed else ""
    own = viewer is not None and activity.mediator_id == viewer.pk
    shared = [
        activity.date,
        _when(activity.created_at),
        modified,
        mediator.first_name if mediator else "",
        mediator.last_name if mediator else "",
        mediator.get_role_display() if mediator else "",
        "",
        KIND_LABELS.get(activity.kind, activity.kind),
    ]
    after_participants = [
        PlaceType(activity.place_type).label if activity.place_type in PlaceType.values else "",
        *_place_cells(activity),
        activity.duration_minutes,
        activity.title,
        CELL_SEPARATOR.join(Equipment(code).label for code in activity.equipment if code in Equipment.values),
        CELL_SEPARATOR.join(
            [Thematique(code).label for code in activity.themes if code in Thematique.values]
            + [AdministrativeTheme(code).label for code in activity.admin_themes if code in AdministrativeTheme.values]
        ),
        "",
        activity.procedure,
        level,
        referred,
        StructureKind(activity.structure_kind).label if activity.structure_kind in StructureKind.values else "",
    ]
    total = len(persons)
    rows = []
    for index, person_cells in enumerate(persons):
        participants = 1 if total == 1 else f"{index + 1}/{total}"
        notes = activity.notes if (own and index == 0) else ""
        rows.append([*shared, participants, *after_participants, *person_cells, notes, coop_id_of(activity)])
    return rows


def export_rows(queryset, *, viewer, chunk_size: int = 2000) -> Iterator[list]:
    """Every row of the activities of `queryset` (already scoped and filtered), in constant memory."""
    for activity in export_queryset(queryset).iterator(chunk_size=chunk_size):
        yield from activity_rows(activity, viewer=viewer)


def preamble(*, viewer, filter_lines: Iterable[tuple[str, str]], total: int, now=None) -> list[list]:
    """The rows above the table, as La Coop writes them: who exported, the total, the date and hour, then the
    filters, then an empty row before the column headings."""
    now = timezone.localtime(now or timezone.now())
    rows = [
        ["Informations export"],
        ["Nom", viewer.last_name or "-"],
        ["Prénom", viewer.first_name or "-"],
        ["Rôle", viewer.get_role_display()],
        ["Total", total],
        ["Date d'export", f"{now:%d/%m/%Y}"],
        ["Heure d'export", f"{now:%H:%M}"],
        [],
        ["Filtres"],
        *([label, value] for label, value in filter_lines),
        [],
        [],
    ]
    return rows


# --- reading a La Coop export -------------------------------------------------------------------------------------


class CoopFileError(Exception):
    """A file that cannot be read as a La Coop export (French reason; nothing is written)."""


@dataclass
class CoopTable:
    """The table of an export: its headings (as found), the rows under them with their line number (as a
    spreadsheet numbers them), and the « Informations export » / « Filtres » block above."""

    headings: list[str]
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


CANONICAL = {normalise(heading): heading for heading in HEADERS}
# Headings of earlier La Coop layouts, read as today's.
CANONICAL.update(
    {
        normalise("Dernière modification"): MODIFIED,
        normalise("Nombre de participants"): PARTICIPANTS,
        normalise("CP"): POSTCODE,
        normalise("Insee"): INSEE,
        normalise("Thématiques"): THEMES,
        normalise("Matériel"): EQUIPMENT,
        normalise("Démarche"): PROCEDURE,
        normalise("Niveau d'autonomie"): AUTONOMY,
        normalise("Notes"): NOTES,
    }
)
MAX_ROWS = 200_000


def _raw_rows_xlsx(content: bytes) -> Iterator[list]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise CoopFileError("Ce fichier n'est pas un classeur Excel (XLSX) lisible.") from exc
    try:
        sheet = workbook["Activités"] if "Activités" in workbook.sheetnames else workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:
        # A damaged sheet (its XML cannot be parsed: ElementTree's ParseError is a SyntaxError).
        raise CoopFileError("Ce classeur Excel (XLSX) est endommagé : sa feuille ne se lit pas.") from exc
    finally:
        workbook.close()


def _raw_rows_csv(content: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover (cp1252 decodes nearly anything)
        raise CoopFileError("Encodage du fichier illisible (attendu : UTF-8).")
    if "\x00" in text:
        raise CoopFileError("Ce fichier n'est ni un classeur Excel (XLSX) ni un fichier CSV.")
    sample = "\n".join(text.splitlines()[:40])
    delimiter = max(";,\t", key=sample.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _cell_text(value) -> str:
    if value is None:
        return ""
    text = str(value).strip()
    # Our CSV/XLSX writer prefixes formula-looking texts with an apostrophe: read them back as they were typed.
    if text[:2] in {"'=", "'+", "'-", "'@"}:
        text = text[1:]
    return text


def read_table(content: bytes, *, filename: str = "") -> CoopTable:
    """The table of a La Coop export (XLSX, or CSV with « ; » or « , »): the header row is the first one holding
    the headings « Date », « Type » and « ID CRA »; the rows above are its information and filters block."""
    if not content:
        raise CoopFileError("Le fichier est vide.")
    is_zip = content[:4] == b"PK\x03\x04"
    name = filename.lower()
    if name.endswith(".xls") and not is_zip:
        raise CoopFileError("Ancien format Excel (XLS) : enregistrez le fichier en XLSX ou en CSV.")
    raw = _raw_rows_xlsx(content) if is_zip else _raw_rows_csv(content)
    metadata: dict[str, str] = {}
    table = None
    for line, row in enumerate(raw, start=1):
        cells = [_cell_text(value) if not isinstance(value, (datetime.date, int, float)) else value for value in row]
        if table is None:
            headings = [CANONICAL.get(normalise(cell), str(cell).strip()) for cell in cells]
            if all(required in headings for required in REQUIRED_HEADERS):
                table = CoopTable(headings=headings, metadata=metadata)
                continue
            texts = [str(cell).strip() for cell in cells if str(cell).strip()]
            if len(texts) >= 2 and texts[0] not in metadata:
                metadata[texts[0]] = texts[1]
            if line > 200:
                break
            continue
        if not any(str(cell).strip() for cell in cells):
            continue
        if len(table.rows) >= MAX_ROWS:
            raise CoopFileError(f"Le fichier compte plus de {MAX_ROWS} lignes : découpez-le par période.")
        table.rows.append(
            (line, {heading: cells[i] if i < len(cells) else "" for i, heading in enumerate(table.headings)})
        )
    if table is None:
        raise CoopFileError(
            "Ligne d'en-tête introuvable : le fichier doit avoir les colonnes « Date », « Type » et « ID CRA » "
            "d'un export des activités de La Coop."
        )
    return table
