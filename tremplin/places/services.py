"""Writes on places: one function per state change, keyword-only, in a transaction, with `full_clean()`."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone

from tremplin.opendata.errors import Rejection

from . import opening_hours
from .importers import CommuneResolver, RawRecord
from .models import Place
from .schema import Problem, clean_record

IMPORTED_FIELDS = (
    "pivot", "name", "parent_structure", "typology", "address", "address_complement", "postcode", "city",
    "code_insee", "commune_id", "latitude", "longitude", "phone", "emails", "website", "appointment_url", "hours",
    "hours_valid", "summary", "description", "source", "mobility", "source_updated_on", "services", "publics",
    "specific_support", "fees", "national_programmes", "labels", "other_labels", "access_modes", "support_modes",
    "accessibility_url", "updated_at",
)  # fmt: skip


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    rejection_reasons: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    insee_derived: Counter = field(default_factory=Counter)
    hours_unreadable: int = 0
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def summary(self) -> str:
        return f"{self.created} lieux importés, {self.updated} mis à jour, {self.rejected} rejetés"


class DryRunRollback(Exception):
    pass


def place_import_rows(*, records: list[RawRecord], path: str, dry_run: bool = False) -> ImportReport:
    """Create or update (by `id`) the places of one file, all or nothing.

    A row with a missing required field or an invalid value is reported (`file:line : reason`) and skipped;
    any other error leaves the database as it was. With `dry_run`, everything is checked and rolled back.
    """
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            _import(records, path, report)
            if dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    return report


def _import(records: list[RawRecord], path: str, report: ImportReport) -> None:
    resolver = CommuneResolver()
    seen: dict[str, int] = {}
    cleaned = []
    for record in records:
        result = clean_record(record.values)
        external_id = str(record.values.get("id") or "").strip()
        if not result.errors and external_id in seen:
            result.errors.append(Problem(f"identifiant en double (déjà ligne {seen[external_id]})"))
        if result.errors:
            reason = " ; ".join(str(p) for p in result.errors)
            report.rejections.append(Rejection(path, record.line, reason))
            report.rejection_reasons.update(p.kind for p in result.errors)
            continue
        seen[external_id] = record.line
        report.warnings.update(p.kind for p in result.warnings)
        cleaned.append((record.line, result.values))

    existing = {p.external_id: p for p in Place.objects.filter(external_id__in=list(seen))}
    now = timezone.now()
    to_create, to_update = [], []
    for line, values in cleaned:
        if not values["code_insee"]:
            code, how = resolver.resolve(
                postcode=values["postcode"],
                city=values["city"],
                latitude=values["latitude"],
                longitude=values["longitude"],
            )
            values["code_insee"] = code
            report.insee_derived[how or "introuvable"] += 1
        values["commune_id"] = values["code_insee"] if values["code_insee"] in resolver.codes else None
        values["updated_at"] = now
        report.hours_unreadable += not values["hours_valid"]
        place = existing.get(values["external_id"])
        if place is None:
            place = Place(**values)
            to_create.append(place)
        else:
            for name in IMPORTED_FIELDS:
                setattr(place, name, values[name])
            to_update.append(place)
        # Unicity of `id` is ensured above, the commune by the resolver: the rest is checked here.
        try:
            place.full_clean(exclude=["commune", "external_id"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            (to_update if place.pk else to_create).pop()
            problems = [Problem(f"{_label(name)} refusé", " ".join(msgs)) for name, msgs in exc.message_dict.items()]
            report.rejections.append(Rejection(path, line, " ; ".join(str(p) for p in problems)))
            report.rejection_reasons.update(p.kind for p in problems)
    Place.objects.bulk_create(to_create, batch_size=500)
    Place.objects.bulk_update(to_update, IMPORTED_FIELDS, batch_size=500)
    report.created, report.updated = len(to_create), len(to_update)


def _label(name: str) -> str:
    try:
        return str(Place._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


EDITABLE_FIELDS = (
    "hours", "services", "phone", "emails", "website", "appointment_url", "publics", "access_modes",
    "support_modes", "fees", "specific_support", "summary", "accessibility_url",
)  # fmt: skip


@transaction.atomic
def place_update(*, place: Place, by, **fields) -> Place:
    """A partner (or staff) keeps a place up to date: the given fields set, the hours checked as entered (French
    error on `hours`: unlike an import, an entry with unreadable hours is refused), `updated_at` / `updated_by`."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"place_update: champs non modifiables {sorted(unknown)}")
    if "hours" in fields:
        hours = (fields["hours"] or "").strip()
        error = opening_hours.validate(hours)
        if error:
            raise ValidationError({"hours": error})
        fields["hours"] = hours
        fields["hours_valid"] = True
    place = Place.objects.select_for_update().get(pk=place.pk)
    for name, value in fields.items():
        setattr(place, name, value)
    place.updated_at = timezone.now()
    place.updated_by = by
    place.full_clean()
    place.save()
    return place
