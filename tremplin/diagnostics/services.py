"""State changes: record a counter screening, attach it to a person, record a diagnostic."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from tremplin.accounts.models import User
from tremplin.activities.services import activity_for_source
from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Organisation, Site

from . import questionnaire as questionnaires
from . import scoring, selectors
from .enums import Autonomy
from .models import Diagnostic, Screening


@transaction.atomic
def screening_create(
    *,
    performed_by: User,
    organisation: Organisation,
    used_internet: bool,
    has_email: bool,
    struggles_online: bool,
    has_device: bool,
    site: Site | None = None,
    beneficiary: Beneficiary | None = None,
) -> Screening:
    outcome = scoring.screening_outcome(
        used_internet=used_internet, has_email=has_email, struggles_online=struggles_online, has_device=has_device
    )
    screening = Screening(
        beneficiary=beneficiary,
        organisation=organisation,
        site=site,
        performed_by=performed_by,
        used_internet=used_internet,
        has_email=has_email,
        struggles_online=struggles_online,
        has_device=has_device,
        fragile=outcome.fragile,
        next_step=outcome.next_step,
    )
    _check_person(beneficiary, organisation)
    screening.full_clean()
    screening.save()
    activity_for_source(source=screening)
    return screening


@transaction.atomic
def screening_attach(*, screening: Screening, beneficiary: Beneficiary) -> Screening:
    """Attach a walk-in's screening to the record created (or found) for them afterwards."""
    if screening.beneficiary_id and screening.beneficiary_id != beneficiary.pk:
        raise ValidationError("Ce repérage concerne déjà une autre personne.")
    _check_person(beneficiary, screening.organisation)
    screening.beneficiary = beneficiary
    screening.save(update_fields=["beneficiary"])
    activity_for_source(source=screening)
    return screening


def _check_person(beneficiary: Beneficiary | None, organisation: Organisation) -> None:
    if beneficiary is None:
        return
    if not beneficiary.is_active:
        raise ValidationError("Cette fiche n'est plus active (supprimée ou fusionnée).")
    if beneficiary.organisation_id != organisation.pk:
        raise ValidationError("La personne est suivie par une autre organisation.")


@transaction.atomic
def diagnostic_create(
    *,
    beneficiary: Beneficiary,
    performed_by: User,
    internet_last_3_months: bool,
    answers: Mapping[str, bool] | Iterable[str] = (),
    use_cases: Mapping[str, str] | None = None,
    equipment: Iterable[str] = (),
    site: Site | None = None,
    questionnaire: questionnaires.Questionnaire | None = None,
    performed_at=None,
) -> Diagnostic:
    """Score and record a diagnostic. `answers` is {identifier: bool} or the identifiers answered yes."""
    questionnaire = questionnaire or questionnaires.current()
    if not isinstance(answers, Mapping):
        answers = dict.fromkeys(answers, True)
    unknown = sorted(set(answers) - questionnaire.item_ids)
    if unknown:
        raise ValidationError(f"Identifiants inconnus : {', '.join(unknown)}")
    use_cases = dict(use_cases or {})
    known_use_cases = {u["id"] for u in questionnaire.use_cases}
    bad = sorted(k for k, v in use_cases.items() if k not in known_use_cases or v not in Autonomy.values)
    if bad:
        raise ValidationError(f"Autonomie invalide pour : {', '.join(bad)}")
    equipment = sorted(set(equipment))
    unknown_equipment = sorted(set(equipment) - {e["id"] for e in questionnaire.equipment})
    if unknown_equipment:
        raise ValidationError(f"Équipement inconnu : {', '.join(unknown_equipment)}")
    _check_person(beneficiary, beneficiary.organisation)

    result = questionnaire.score(internet_last_3_months, answers)
    path = questionnaire.learning_path(
        result, offer=selectors.catalogue_offer(), use_cases=use_cases, equipment=equipment
    )
    diagnostic = Diagnostic(
        beneficiary=beneficiary,
        organisation=beneficiary.organisation,
        site=site,
        performed_by=performed_by,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        internet_last_3_months=internet_last_3_months,
        answers=sorted(k for k, v in answers.items() if v is True) if internet_last_3_months else [],
        overall=result.overall,
        insee=result.insee,
        use_cases=use_cases,
        equipment=equipment,
        # The path advised on the day (the pages show it against today's catalogue: selectors.learning_path).
        recommended_themes=path.theme_values,
        recommended_level=path.level or "",
        **result.areas,
    )
    if performed_at is not None:
        diagnostic.performed_at = performed_at
    diagnostic.full_clean()
    diagnostic.save()
    activity_for_source(source=diagnostic)
    return diagnostic
