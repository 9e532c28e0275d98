"""Import of a La Coop export (the XLSX, or a CSV, that La Coop de la médiation numérique gives a mediator), so that
a mediator who already recorded there does not type it again. The layout and labels are in `coop`.

- One record per « ID CRA » (a workshop is one row per participant in La Coop's file: its rows make one record,
  whose anonymous head count is the number of participants and whose breakdown counts their genders, age bands
  and statuses). La Coop's files carry no names: every imported record is anonymous, with its breakdown.
- The records are written by tremplin.activities.services (activity_record, activity_update), so every rule of a
  typed record applies; a re-import finds the record by its « ID CRA » (Activity.coop_id) and updates it in place.
- Every refused row is reported with its line (as the spreadsheet numbers it) and a French reason; the others are
  written. Each record is written in its own savepoint and the whole file in one transaction: nothing is ever
  half-written; `dry_run` rolls everything back and reports what would have happened.
- The account the records belong to (`mediator`): given (the upload page: the mediator who uploads; the command:
  `--mediator EMAIL`), else the one mediator the file names (its mediator columns, or for a mediator's own export
  the « Nom » and « Prénom » of its information block) if exactly one account of a recording role has that name;
  a file naming several mediators needs `--mediator` (all its records then go to that account).
- Place: a « Lieu d'activité » row is matched to one of the mediator's sites by its name, else by its INSEE code
  (one site of the mediator in that commune); when none matches, the record is written as « Autre lieu » in the
  commune of the INSEE code, and the report says so.
- Kept from the file: date, type, duration, channel and place, equipment, themes and administrative themes,
  démarche, autonomy or workshop level, referral and structure kind, workshop title, notes, head count and
  breakdown. Not kept: the tags (Tremplin has none), the beneficiary's commune (an anonymous record has no
  commune of residence), the dates of recording and change in La Coop.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tremplin.accounts.models import User
from tremplin.beneficiaries.enums import Gender

from . import coop, perms
from .enums import Kind, PlaceType
from .models import Activity
from .services import activity_record, activity_update


class RowError(Exception):
    """A row (or the rows of one record) refused, with its French reason."""


@dataclass
class Rejection:
    line: int
    last_line: int
    reason: str

    @property
    def where(self) -> str:
        return f"ligne {self.line}" if self.line == self.last_line else f"lignes {self.line} à {self.last_line}"

    def __str__(self):
        return f"{self.where} : {self.reason}"


@dataclass
class ImportReport:
    mediator: User | None = None
    dry_run: bool = False
    imported: int = 0
    updated: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    # What was written differently from the file (a place not found among the mediator's sites…), line by line.
    remarks: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def summary(self) -> str:
        prefix = "Simulation (rien n'est enregistré) — " if self.dry_run else ""
        return f"{prefix}importées : {self.imported}, mises à jour : {self.updated}, refusées : {self.rejected}"


# --- who the records belong to ------------------------------------------------------------------------------------


def _named_mediators(table: coop.CoopTable) -> list[tuple[str, str]]:
    names = {
        (str(row.get(coop.MEDIATOR_FIRST_NAME) or "").strip(), str(row.get(coop.MEDIATOR_LAST_NAME) or "").strip())
        for _, row in table.rows
    }
    names.discard(("", ""))
    if names:
        return sorted(names)
    first, last = table.metadata.get("Prénom", "").strip(), table.metadata.get("Nom", "").strip()
    return [(first, last)] if (first or last) and (first, last) != ("-", "-") else []


def resolve_mediator(table: coop.CoopTable, *, email: str | None = None) -> User:
    """The account the records go to (see the module's docstring)."""
    if email:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise coop.CoopFileError(f"Aucun compte avec l'adresse « {email} ».")
    else:
        names = _named_mediators(table)
        if not names:
            raise coop.CoopFileError("Le fichier ne nomme pas de médiateur : indiquez le compte (--mediator).")
        if len(names) > 1:
            listed = ", ".join(f"{first} {last}".strip() for first, last in names[:5])
            raise coop.CoopFileError(
                f"Le fichier compte plusieurs médiateurs ({listed}) : indiquez le compte (--mediator)."
            )
        first, last = names[0]
        matches = [
            user
            for user in User.objects.filter(first_name__iexact=first, last_name__iexact=last, is_active=True)
            if perms.can_record_activity(user)
        ]
        if len(matches) != 1:
            found = "aucun compte" if not matches else "plusieurs comptes"
            raise coop.CoopFileError(
                f"Le médiateur du fichier, {first} {last}, correspond à {found} de Tremplin : "
                "indiquez le compte (--mediator)."
            )
        user = matches[0]
    if not perms.can_record_activity(user):
        raise coop.CoopFileError(f"Le compte {user.email} ne peut pas enregistrer d'activités.")
    return user


# --- one record from its rows -------------------------------------------------------------------------------------


def _text(row, heading) -> str:
    value = row.get(heading)
    return "" if value is None else str(value).strip()


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 20000:
        from openpyxl.utils.datetime import from_excel

        return from_excel(value).date()
    text = str(value or "").strip()
    if not text:
        raise RowError("date manquante.")
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError(f"date illisible : « {text[:30]} » (attendu : JJ/MM/AAAA).")


def _minutes(value) -> int:
    if isinstance(value, bool):
        raise RowError("durée illisible.")
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return int(value)
        raise RowError(f"durée illisible : « {value} » (attendu : un nombre de minutes).")
    text = str(value or "").strip().replace(",", ".")
    if not text:
        raise RowError("durée manquante.")
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"durée illisible : « {text[:20]} » (attendu : un nombre de minutes).") from None
    if not number.is_integer():
        raise RowError(f"durée illisible : « {text[:20]} » (attendu : un nombre entier de minutes).")
    return int(number)


def _codes(cell, tables: tuple[tuple[dict, str], ...], what: str) -> list[list[str]]:
    """The codes of a multi-valued cell, split over `tables` ([(codes, _), …] → one list per table)."""
    out: list[list[str]] = [[] for _ in tables]
    for label in coop.split_cell(cell):
        key = coop.normalise(label)
        for index, (codes, _) in enumerate(tables):
            if key in codes:
                out[index].append(codes[key])
                break
        else:
            raise RowError(f"{what} inconnu(e) : « {label[:60]} ».")
    return out


def _person(row, breakdown: Counter) -> None:
    """Count one participant's gender, age band and status (La Coop's beneficiary columns) in `breakdown`."""
    for dimension, heading in (
        ("genre", coop.PERSON_GENDER),
        ("tranche_age", coop.PERSON_AGE),
        ("statut_social", coop.PERSON_STATUS),
    ):
        label = _text(row, heading)
        if not label:
            continue
        code = coop.BREAKDOWN_CODES[dimension].get(coop.normalise(label))
        if code is None:
            raise RowError(f"{heading.lower()} inconnu(e) : « {label[:40]} ».")
        if code != Gender.UNDISCLOSED:  # every dimension's « non communiqué » has that code
            breakdown[(dimension, code)] += 1


def _head_count(rows) -> int:
    """How many came: one row per participant (« 2/5 »: the 2nd of 5); an earlier layout wrote the number."""
    count = len(rows)
    for _, row in rows:
        total = _text(row, coop.PARTICIPANTS).split("/")[-1].strip()
        if total.isdigit() and len(total) < 5:
            count = max(count, int(total))
    return count


class _Places:
    """The mediator's sites and the communes, looked up once per file."""

    def __init__(self, mediator: User):
        from tremplin.beneficiaries.perms import recording_sites

        self.sites = list(recording_sites(mediator).select_related("commune"))
        self.by_name = {coop.normalise(site.name): site for site in self.sites}
        self.communes: dict = {}

    def commune(self, code: str):
        from tremplin.territories.models import Commune, FormerCommune

        code = (code or "").strip().upper()
        if not code:
            return None
        if code not in self.communes:
            commune = Commune.objects.filter(pk=code).first()
            if commune is None:
                former = FormerCommune.objects.select_related("commune").filter(pk=code).first()
                commune = former.commune if former else None
            self.communes[code] = commune
        return self.communes[code]

    def site(self, name: str, insee: str):
        site = self.by_name.get(coop.normalise(name)) if name else None
        if site is None and insee:
            in_commune = [s for s in self.sites if s.commune_id == insee.strip().upper()]
            site = in_commune[0] if len(in_commune) == 1 else None
        return site


def parse_record(rows, places: _Places) -> tuple[str, dict, list[str]]:
    """The kind, the service fields and the remarks of one record (its rows, same « ID CRA »)."""
    line, first = rows[0]
    kind = coop.KIND_CODES.get(coop.normalise(_text(first, coop.TYPE)))
    if kind not in (Kind.INDIVIDUAL, Kind.COLLECTIVE):
        label = _text(first, coop.TYPE)
        if kind is not None:
            raise RowError(f"le type « {label} » est propre à Tremplin : il ne s'importe pas.")
        raise RowError(f"type inconnu : « {label[:40]} » (attendu : Accompagnement individuel ou Atelier collectif).")
    if kind == Kind.INDIVIDUAL and len(rows) > 1:
        raise RowError("plusieurs lignes pour un même accompagnement individuel (même ID CRA).")
    remarks: list[str] = []
    fields: dict = {"date": _date(first.get(coop.DATE)), "duration_minutes": _minutes(first.get(coop.DURATION))}
    place_label = _text(first, coop.PLACE_TYPE)
    place_type = coop.PLACE_CODES.get(coop.normalise(place_label))
    if place_label and place_type is None:
        raise RowError(f"canal inconnu : « {place_label[:40]} ».")
    insee = _text(first, coop.INSEE)
    site = None
    commune = places.commune(insee)
    if insee and commune is None:
        raise RowError(f"code INSEE inconnu : « {insee[:10]} ».")
    if place_type == PlaceType.ACTIVITY_PLACE:
        name = _text(first, coop.PLACE_NAME)
        site = places.site(name, insee)
        if site is None:
            if commune is None:
                raise RowError(f"lieu d'activité « {name[:60]} » absent de vos lieux, et sans code INSEE.")
            place_type = PlaceType.OTHER
            remarks.append(
                f"lieu « {name[:60]} » absent de vos lieux d'activité : enregistré en « Autre lieu » "
                f"à {commune.name} ({commune.code_insee})."
            )
    fields.update(place_type=place_type or "", site=site, commune=None if site else commune)
    equipment, *_ = _codes(first.get(coop.EQUIPMENT), ((coop.EQUIPMENT_CODES, ""),), "matériel")
    themes, admin_themes = _codes(
        first.get(coop.THEMES), ((coop.THEME_CODES, ""), (coop.ADMIN_THEME_CODES, "")), "thématique"
    )
    fields.update(
        equipment=equipment,
        themes=themes,
        admin_themes=admin_themes,
        procedure=_text(first, coop.PROCEDURE)[:200],
        notes=_text(first, coop.NOTES),
    )
    level_cell = _text(first, coop.AUTONOMY)
    breakdown: Counter = Counter()
    for _, row in rows:
        _person(row, breakdown)
    if kind == Kind.INDIVIDUAL:
        autonomy = coop.from_stars(level_cell, coop.AUTONOMY_STARS, coop.AUTONOMY_CODES)
        if autonomy is None:
            raise RowError(f"niveau d'autonomie illisible : « {level_cell[:30]} » (attendu : 1/3, 2/3 ou 3/3).")
        referred_cell = coop.normalise(_text(first, coop.REFERRED))
        if referred_cell not in ("", "oui", "non"):
            raise RowError(f"« Bénéficiaire réorienté » illisible : « {_text(first, coop.REFERRED)[:20]} ».")
        structure_label = _text(first, coop.STRUCTURE)
        structure = coop.STRUCTURE_CODES.get(coop.normalise(structure_label), None) if structure_label else ""
        if structure is None:
            raise RowError(f"structure de redirection inconnue : « {structure_label[:60]} ».")
        fields.update(autonomy=autonomy, referred=referred_cell == "oui", structure_kind=structure)
        # One anonymous person (said before the breakdown is checked against the head count).
        count = fields["anonymous_count"] = 1
    else:
        level = coop.from_stars(level_cell, coop.LEVEL_STARS, coop.LEVEL_CODES)
        if level is None:
            raise RowError(f"niveau de l'atelier illisible : « {level_cell[:30]} » (attendu : 1/3, 2/3 ou 3/3).")
        fields.update(title=_text(first, coop.TITLE), level=level)
        count = _head_count(rows)
        fields["anonymous_count"] = count
    grouped: dict = {}
    for (dimension, code), number in sorted(breakdown.items()):
        grouped.setdefault(dimension, {})[code] = min(number, count)
    fields["anonymous_breakdown"] = grouped
    return kind, fields, remarks


def _reason(exc: ValidationError) -> str:
    messages = []
    if hasattr(exc, "error_dict"):
        for errors in exc.message_dict.values():
            messages.extend(errors)
    else:
        messages = list(exc.messages)
    return " ".join(dict.fromkeys(messages)) or "enregistrement refusé."


# --- the file -----------------------------------------------------------------------------------------------------


def coop_import(
    *,
    content: bytes,
    filename: str = "",
    mediator: User | None = None,
    mediator_email: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import a La Coop export (see the module's docstring). Raises coop.CoopFileError (French) for a file that
    cannot be read at all; then nothing is written."""
    table = coop.read_table(content, filename=filename)
    if mediator is None:
        mediator = resolve_mediator(table, email=mediator_email)
    elif not perms.can_record_activity(mediator):
        raise coop.CoopFileError("Votre compte ne peut pas enregistrer d'activités.")
    report = ImportReport(mediator=mediator, dry_run=dry_run)
    groups: dict[str, list] = {}
    for line, row in table.rows:
        coop_id = _text(row, coop.COOP_ID)
        if not coop_id:
            report.rejections.append(Rejection(line, line, "ID CRA manquant."))
            continue
        if len(coop_id) > 64:
            report.rejections.append(Rejection(line, line, "ID CRA trop long (64 caractères au plus)."))
            continue
        groups.setdefault(coop_id, []).append((line, row))
    places = _Places(mediator)
    with transaction.atomic():
        for coop_id, rows in groups.items():
            first_line, last_line = rows[0][0], rows[-1][0]
            try:
                with transaction.atomic():
                    created, remarks = _write(coop_id, rows, mediator, places)
            except RowError as exc:
                report.rejections.append(Rejection(first_line, last_line, str(exc)))
                continue
            except ValidationError as exc:
                report.rejections.append(Rejection(first_line, last_line, _reason(exc)))
                continue
            except IntegrityError:  # the same ID CRA written meanwhile by another import
                report.rejections.append(
                    Rejection(first_line, last_line, "cet ID CRA vient d'être enregistré par un autre import.")
                )
                continue
            if created:
                report.imported += 1
            else:
                report.updated += 1
            report.remarks += [Rejection(first_line, last_line, remark) for remark in remarks]
        if dry_run:
            transaction.set_rollback(True)
    report.rejections.sort(key=lambda rejection: rejection.line)
    return report


def _write(coop_id: str, rows, mediator: User, places: _Places) -> tuple[bool, list[str]]:
    kind, fields, remarks = parse_record(rows, places)
    existing = Activity.objects.filter(coop_id=coop_id).first()
    if existing is None and coop_id.startswith(coop.TREMPLIN_ID_PREFIX):
        number = coop_id.removeprefix(coop.TREMPLIN_ID_PREFIX)
        own = number.isdigit() and Activity.objects.filter(pk=int(number), mediator=mediator).exists()
        if own:
            raise RowError(f"activité enregistrée dans Tremplin (n° {number}) sur ce compte : déjà présente.")
    if existing is None:
        activity_record(by=mediator, kind=kind, coop_id=coop_id, **fields)
        return True, remarks
    if existing.mediator_id != mediator.pk:
        raise RowError("cet ID CRA est déjà importé pour un autre compte.")
    if existing.kind != kind:
        raise RowError(f"type changé depuis l'import précédent ({existing.get_kind_display()}).")
    activity_update(activity=existing, by=mediator, **fields)
    return False, remarks
