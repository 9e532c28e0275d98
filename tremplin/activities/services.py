"""Writing activity records: one function per state change (see ENGINEERING.md).

- `activity_record` / `activity_update` / `activity_delete`: what a mediator types (individual accompaniment,
  collective workshop held outside the booking tool);
- `activity_sync_session`: the collective record of a workshop session, written from its attendance sheet (no
  double entry), called by tremplin.workshops.services.attendance_record;
- `activity_for_source`: the record of a diagnostic, a counter screening, a referral or a démarche done under a
  mandate, called by the services that create them, so that the person's history is one timeline.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.accounts.perms import works_for
from tremplin.beneficiaries.enums import AgeBand, Gender, SocialStatus
from tremplin.beneficiaries.models import Beneficiary
from tremplin.beneficiaries.perms import beneficiary_scope
from tremplin.territories.enums import RURAL_LEVELS

from . import perms
from .enums import (
    AdministrativeTheme,
    Autonomy,
    Equipment,
    Kind,
    PlaceType,
    StructureKind,
    TerritoryType,
    Thematique,
    WorkshopLevel,
)
from .models import Activity, Participant

EARLIEST_DATE = datetime.date(2020, 1, 1)
MAX_MINUTES = 24 * 60
MAX_ANONYMOUS = 1000
# The breakdown of anonymous participants: dimension → its values (the rest of the head count is « non communiqué »).
BREAKDOWN = {
    "genre": [v for v in Gender.values if v != Gender.UNDISCLOSED],
    "tranche_age": [v for v in AgeBand.values if v != AgeBand.UNDISCLOSED],
    "statut_social": [v for v in SocialStatus.values if v != SocialStatus.UNDISCLOSED],
}
# What a mediator may set by hand (the rest is derived or written by the linked services).
EDITABLE_FIELDS = (
    "date",
    "duration_minutes",
    "place_type",
    "site",
    "commune",
    "equipment",
    "themes",
    "admin_themes",
    "procedure",
    "autonomy",
    "referred",
    "structure_kind",
    "notes",
    "title",
    "level",
    "anonymous_count",
    "anonymous_breakdown",
)


# --- where ------------------------------------------------------------------------------------------------------


def _locate(activity: Activity) -> None:
    """Commune, département and territory type from the site (lieu d'activité) or the commune given."""
    if activity.site_id and activity.site.commune_id:
        activity.commune_id = activity.site.commune_id
    elif activity.place_type == PlaceType.REMOTE and not activity.commune_id and activity.mediator_id:
        # At a distance: counted where the mediator works (La Coop takes the employing structure's commune).
        activity.commune_id = (
            activity.mediator.sites.filter(commune__isnull=False).values_list("commune_id", flat=True).first()
        )
    commune = activity.commune
    activity.departement_id = commune.departement_id if commune else None
    if commune is None:
        activity.territory_type = ""
    elif commune.qpvs.exists():
        activity.territory_type = TerritoryType.QPV
    elif commune.density_level in RURAL_LEVELS:
        activity.territory_type = TerritoryType.RURAL
    else:
        activity.territory_type = TerritoryType.URBAN


# --- checks -----------------------------------------------------------------------------------------------------


def _clean_list(values, allowed, field, label, errors) -> list[str]:
    values = list(dict.fromkeys(values or ()))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        errors.setdefault(field, []).append(f"{label} inconnu(s) : {', '.join(map(str, unknown))}.")
    return values


def _clean_breakdown(breakdown, count: int, errors) -> dict:
    if not breakdown:
        return {}
    if not isinstance(breakdown, dict):
        errors.setdefault("anonymous_breakdown", []).append("Répartition illisible.")
        return {}
    cleaned = {}
    for dimension, counts in breakdown.items():
        allowed = BREAKDOWN.get(dimension)
        if allowed is None or not isinstance(counts, dict):
            errors.setdefault("anonymous_breakdown", []).append(f"Répartition inconnue : {dimension}.")
            continue
        values = {}
        for value, number in counts.items():
            if value not in allowed or not isinstance(number, int) or isinstance(number, bool) or number < 0:
                errors.setdefault("anonymous_breakdown", []).append(f"Valeur invalide dans « {dimension} » : {value}.")
                continue
            if number:
                values[value] = number
        if sum(values.values()) > count:
            errors.setdefault("anonymous_breakdown", []).append(
                f"La répartition « {dimension} » compte plus de personnes ({sum(values.values())}) "
                f"que de participants anonymes ({count})."
            )
        if values:
            cleaned[dimension] = values
    return cleaned


def _check(activity: Activity, people: list[Beneficiary], by: User | None, *, typed: bool) -> None:
    """Every fault of the record at once, each on its field. `typed`: the mediator typed it (the form, the API,
    an import), so the Coop's rules of a complete record apply."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if not isinstance(activity.date, datetime.date) or not EARLIEST_DATE <= activity.date <= today:
        errors["date"] = [f"La date doit être entre le {EARLIEST_DATE:%d/%m/%Y} et aujourd'hui."]
    activity.equipment = _clean_list(activity.equipment, Equipment.values, "equipment", "Matériel", errors)
    if Equipment.NONE in activity.equipment and len(activity.equipment) > 1:
        errors.setdefault("equipment", []).append("« Pas de matériel » ne se coche pas avec un matériel.")
    activity.themes = _clean_list(activity.themes, Thematique.values, "themes", "Thématique", errors)
    activity.admin_themes = _clean_list(
        activity.admin_themes, AdministrativeTheme.values, "admin_themes", "Démarche", errors
    )
    administrative = Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES in activity.themes
    if (activity.admin_themes or activity.procedure) and not administrative:
        errors.setdefault("admin_themes", []).append(
            "Les démarches administratives se précisent avec la thématique « Aide aux démarches administratives »."
        )
    activity.procedure = " ".join((activity.procedure or "").split())
    activity.notes = (activity.notes or "").strip()
    activity.title = " ".join((activity.title or "").split())
    if activity.kind == Kind.INDIVIDUAL:
        # A person without a record is one anonymous accompaniment (with what is known of them).
        activity.anonymous_count = 0 if people else 1
    count = activity.anonymous_count
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_ANONYMOUS:
        errors["anonymous_count"] = [f"Le nombre de participants anonymes doit être entre 0 et {MAX_ANONYMOUS}."]
        count = 0
    activity.anonymous_breakdown = _clean_breakdown(activity.anonymous_breakdown, count, errors)
    if typed:
        minutes = activity.duration_minutes
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
            errors["duration_minutes"] = ["Indiquez une durée, entre 1 minute et 24 heures."]
        if activity.place_type not in PlaceType.values:
            errors["place_type"] = ["Indiquez le canal : lieu d'activité, à domicile, à distance ou autre lieu."]
        elif activity.place_type == PlaceType.ACTIVITY_PLACE and not activity.site_id:
            errors["site"] = ["Indiquez le lieu d'activité."]
        elif activity.place_type in (PlaceType.HOME, PlaceType.OTHER) and not activity.commune_id:
            errors["commune"] = ["Indiquez la commune où l'accompagnement a eu lieu."]
        if not activity.themes:
            errors.setdefault("themes", []).append("Cochez au moins une thématique.")
    if activity.kind == Kind.INDIVIDUAL:
        if len(people) > 1:
            errors["beneficiary"] = ["Un accompagnement individuel concerne une seule personne."]
        if activity.autonomy and activity.autonomy not in Autonomy.values:
            errors["autonomy"] = ["Niveau d'autonomie inconnu."]
        if activity.referred and activity.structure_kind not in StructureKind.values:
            errors["structure_kind"] = ["Indiquez vers quel type de structure la personne a été orientée."]
        if not activity.referred:
            activity.structure_kind = ""
        activity.title, activity.level = "", ""
    elif activity.kind == Kind.COLLECTIVE:
        if typed and not activity.title:
            errors["title"] = ["Indiquez le nom de l'atelier."]
        if activity.level and activity.level not in WorkshopLevel.values:
            errors["level"] = ["Niveau d'atelier inconnu."]
        if typed and not people and not count:
            errors["anonymous_count"] = ["Un atelier a au moins un participant (inscrit ou anonyme)."]
        activity.autonomy, activity.referred, activity.structure_kind = "", False, ""
    organisation_id = activity.organisation_id
    for person in people:
        if not person.is_active:
            errors.setdefault("beneficiary", []).append("Une des fiches n'est plus active (supprimée ou fusionnée).")
        elif person.organisation_id != organisation_id:
            errors.setdefault("beneficiary", []).append("Une des personnes est suivie par une autre organisation.")
    if by is not None and people and typed:
        scope = beneficiary_scope(by)
        visible = (
            set()
            if scope is None
            else set(Beneficiary.objects.filter(scope, pk__in=[p.pk for p in people]).values_list("pk", flat=True))
        )
        if any(person.pk not in visible for person in people):
            errors.setdefault("beneficiary", []).append("Une des personnes n'est pas suivie par votre équipe.")
    if errors:
        raise ValidationError(errors)


def _participants(activity: Activity, people: Iterable[Beneficiary]) -> None:
    """Replace the activity's participant rows (their copies of date, kind, organisation, place, mediator)."""
    activity.participants.all().delete()
    Participant.objects.bulk_create(
        [
            Participant(
                activity=activity,
                beneficiary=person,
                date=activity.date,
                kind=activity.kind,
                organisation_id=activity.organisation_id,
                departement_id=activity.departement_id,
                mediator_id=activity.mediator_id,
            )
            for person in {p.pk: p for p in people}.values()
        ]
    )


def _save(activity: Activity, people: list[Beneficiary], by: User | None, *, typed: bool) -> Activity:
    _check(activity, people, by, typed=typed)
    _locate(activity)
    activity.updated_at, activity.updated_by = timezone.now(), by
    activity.full_clean()
    activity.save()
    _participants(activity, people)
    return activity


def _refuse_unless_can_record(by: User, organisation) -> None:
    if not perms.can_record_activity(by):
        raise ValidationError("Votre rôle ne permet pas d'enregistrer des activités.")
    if organisation is None or not works_for(by, organisation.pk):
        raise ValidationError({"organisation": "Vous n'enregistrez des activités que pour votre organisation."})


def _check_site(by: User, site) -> None:
    from tremplin.beneficiaries.perms import recording_sites

    if site is not None and not recording_sites(by).filter(pk=site.pk).exists():
        raise ValidationError({"site": "Ce lieu n'est pas l'un de vos lieux d'activité."})


# --- typed by the mediator --------------------------------------------------------------------------------------


@transaction.atomic
def activity_record(
    *,
    by: User,
    kind: str = Kind.INDIVIDUAL,
    organisation=None,
    beneficiary: Beneficiary | None = None,
    participants: Iterable[Beneficiary] = (),
    coop_id: str = "",
    **fields,
) -> Activity:
    """Record an individual accompaniment (the person is optional: anonymous, with what is known of them in
    `anonymous_breakdown`) or a collective workshop (named `participants` and an anonymous head count)."""
    if kind not in (Kind.INDIVIDUAL, Kind.COLLECTIVE):
        raise ValidationError({"kind": "Seuls un accompagnement individuel ou un atelier collectif se saisissent."})
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Champs inconnus : {', '.join(sorted(unknown))}")
    organisation = organisation or by.organisation
    _refuse_unless_can_record(by, organisation)
    _check_site(by, fields.get("site"))
    people = [beneficiary] if beneficiary is not None else list(participants)
    activity = Activity(kind=kind, organisation=organisation, mediator=by, created_by=by, coop_id=coop_id, **fields)
    return _save(activity, people, by, typed=True)


@transaction.atomic
def activity_update(*, activity: Activity, by: User, beneficiary=..., participants=None, **changes) -> Activity:
    """Correct a record. For a workshop session's record, only what the attendance sheet does not say (anonymous
    participants, themes, equipment, notes) is changed here; the people come from the sheet."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not perms.can_edit_activity(by, activity):
        raise ValidationError("Vous ne pouvez pas modifier cette activité.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Champs inconnus : {', '.join(sorted(unknown))}")
    if "site" in changes and changes["site"] is not None and changes["site"].pk != activity.site_id:
        _check_site(by, changes["site"])
    for name, value in changes.items():
        setattr(activity, name, value)
    people = [p.beneficiary for p in activity.participants.select_related("beneficiary")]
    if activity.session_id is None:
        if beneficiary is not ...:
            people = [beneficiary] if beneficiary is not None else []
        if participants is not None:
            people = list(participants)
    return _save(activity, people, by, typed=activity.session_id is None)


@transaction.atomic
def activity_delete(*, activity: Activity, by: User) -> None:
    """Remove a record typed by mistake (not a workshop session's: its attendance sheet says who came)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not perms.can_edit_activity(by, activity) or activity.session_id is not None:
        raise ValidationError("Vous ne pouvez pas supprimer cette activité.")
    activity.delete()


# --- written from what happened elsewhere -----------------------------------------------------------------------


@transaction.atomic
def activity_sync_session(*, session, by: User | None = None) -> Activity | None:
    """The collective record of a held session, from its attendance sheet: the people marked present are its
    participants; title, level, theme, duration, place come from the session. Kept in step at each change of the
    sheet; the anonymous head count and extra themes are the mediator's (activity_update)."""
    from tremplin.workshops.enums import Attendance
    from tremplin.workshops.services import booking_organisation

    present = [
        r.beneficiary
        for r in session.registrations.confirmed().filter(attendance=Attendance.PRESENT).select_related("beneficiary")
    ]
    activity = Activity.objects.select_for_update().filter(session=session).first()
    if activity is None:
        if not present:
            return None
        programme = session.programme
        activity = Activity(
            kind=Kind.COLLECTIVE,
            session=session,
            organisation=booking_organisation(session),
            mediator=session.mediator,
            created_by=by,
            title=programme.title,
            level=programme.level,
            themes=[programme.theme],
            place_type=PlaceType.REMOTE if session.is_remote else PlaceType.ACTIVITY_PLACE,
            site=session.site,
        )
    activity.date = timezone.localdate(session.starts_at)
    activity.duration_minutes = max(
        1, min(MAX_MINUTES, int((session.ends_at - session.starts_at).total_seconds() // 60))
    )
    # People of another organisation may come to a session: each counts for the session's organisation's record only
    # if they are followed by it (the others are counted by the head count of their own team, never twice).
    people = [p for p in present if p.organisation_id == activity.organisation_id and p.is_active]
    return _save(activity, people, by, typed=False)


def _where_person_is_followed(person: Beneficiary) -> dict:
    """A referral or a démarche is counted where the person is followed (their site, else their commune)."""
    return {"site_id": person.site_id, "commune_id": person.commune_id}


def _source_fields(source) -> tuple[dict, list[Beneficiary]]:
    from tremplin.diagnostics.models import Diagnostic, Screening
    from tremplin.mandates.models import MandateUse
    from tremplin.referrals.models import Referral

    if isinstance(source, Diagnostic):
        return {
            "kind": Kind.DIAGNOSTIC,
            "diagnostic": source,
            "organisation_id": source.organisation_id,
            "mediator_id": source.performed_by_id,
            "date": timezone.localdate(source.performed_at),
            "site_id": source.site_id,
            "place_type": PlaceType.ACTIVITY_PLACE if source.site_id else "",
            "themes": [Thematique.DIAGNOSTIC_NUMERIQUE],
        }, [source.beneficiary]
    if isinstance(source, Screening):
        return {
            "kind": Kind.SCREENING,
            "screening": source,
            "organisation_id": source.organisation_id,
            "mediator_id": source.performed_by_id,
            "date": timezone.localdate(source.performed_at),
            "site_id": source.site_id,
            "place_type": PlaceType.ACTIVITY_PLACE if source.site_id else "",
            # A walk-in screened without a record: one anonymous screening.
            "anonymous_count": 0 if source.beneficiary_id else 1,
        }, [source.beneficiary] if source.beneficiary_id else []
    if isinstance(source, Referral):
        from tremplin.referrals.selectors import referral_structure_kind

        return {
            "kind": Kind.REFERRAL,
            "referral": source,
            "organisation_id": source.from_organisation_id,
            "mediator_id": source.referred_by_id,
            "date": timezone.localdate(source.created_at),
            **_where_person_is_followed(source.beneficiary),
            "referred": True,
            "structure_kind": referral_structure_kind(source),
        }, [source.beneficiary]
    if isinstance(source, MandateUse):
        mandate = source.mandate
        return {
            "kind": Kind.MANDATE_USE,
            "mandate_use": source,
            "organisation_id": source.organisation_id,
            "mediator_id": source.mediator_id,
            "date": timezone.localdate(source.at),
            "themes": [Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES],
            "admin_themes": [source.category] if source.category in AdministrativeTheme.values else [],
            "procedure": source.procedure[:200],
            **_where_person_is_followed(mandate.beneficiary),
        }, [mandate.beneficiary]
    raise TypeError(f"Pas d'activité pour {type(source).__name__}")


@transaction.atomic
def activity_for_source(*, source) -> Activity:
    """Write (or bring up to date) the timeline record of a diagnostic, a screening, a referral or a démarche done
    under a mandate. Called by the services that create them (and by screening_attach)."""
    fields, people = _source_fields(source)
    link = {name: fields[name] for name in ("diagnostic", "screening", "referral", "mandate_use") if name in fields}
    activity = Activity.objects.select_for_update().filter(**link).first() or Activity(created_by=None)
    for name, value in fields.items():
        setattr(activity, name, value)
    return _save(activity, people, None, typed=False)
