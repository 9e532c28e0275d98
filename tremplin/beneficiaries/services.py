"""State changes on people records. Views, commands, the demo and the tests all go through these."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Commune

from . import consents
from .enums import ConsentKind, Gender, JournalAction, SocialStatus
from .models import AccessLog, Beneficiary, Consent, JournalEntry

if TYPE_CHECKING:
    from tremplin.diagnostics.models import Screening

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "pseudonym",
    "birth_year",
    "commune",
    "mobile_phone",
    "landline_phone",
    "email",
    "postal_address",
    "preferred_channel",
    "gender",
    "social_status",
    "site",
)
CONTACT_FIELDS = ("mobile_phone", "landline_phone", "email", "postal_address", "preferred_channel")
# Related rows that stay with the record they describe when two records are merged.
KEPT_ON_MERGED_RECORD = {JournalEntry, AccessLog, Beneficiary}


class PossibleDuplicates(ValidationError):
    """Raised by beneficiary_create when records that look like the same person exist."""

    def __init__(self, candidates):
        self.candidates = list(candidates)
        super().__init__(
            "Une ou plusieurs fiches ressemblent à cette personne. Vérifiez qu'il ne s'agit pas d'elle "
            "avant de créer une nouvelle fiche.",
            code="possible_duplicates",
        )


def _journal(beneficiary: Beneficiary, action: str, actor: User | None, **details) -> JournalEntry:
    return JournalEntry.objects.create(beneficiary=beneficiary, action=action, actor=actor, details=details)


def beneficiary_create(
    *,
    organisation: Organisation,
    created_by: User | None,
    first_name: str = "",
    last_name: str = "",
    pseudonym: str = "",
    birth_year: int | None = None,
    commune: Commune | None = None,
    site: Site | None = None,
    mobile_phone: str = "",
    landline_phone: str = "",
    email: str = "",
    postal_address: str = "",
    preferred_channel: str = "",
    gender: str = Gender.UNDISCLOSED,
    social_status: str = SocialStatus.UNDISCLOSED,
    duplicates_among=None,
    ignore_duplicates: bool = False,
) -> Beneficiary:
    """Record a person. Unless `ignore_duplicates`, raise PossibleDuplicates when look-alikes exist among
    `duplicates_among` (by default the records of the same organisation: never reveal other people).

    Checks come first, outside any transaction; the two writes then share the caller's transaction when there
    is one (no savepoint: if a write fails, the caller's transaction is aborted anyway)."""
    beneficiary = Beneficiary(
        organisation=organisation,
        created_by=created_by,
        first_name=first_name,
        last_name=last_name,
        pseudonym=pseudonym,
        birth_year=birth_year,
        commune=commune,
        site=site,
        mobile_phone=mobile_phone,
        landline_phone=landline_phone,
        email=email,
        postal_address=postal_address,
        preferred_channel=preferred_channel,
        gender=gender,
        social_status=social_status,
    )
    # Related rows given as objects exist: skip their existence queries (one per foreign key).
    given = {"organisation": organisation, "created_by": created_by, "commune": commune, "site": site}
    beneficiary.full_clean(exclude=[name for name, value in given.items() if value is not None])
    if not ignore_duplicates:
        among = (
            duplicates_among if duplicates_among is not None else Beneficiary.objects.filter(organisation=organisation)
        )
        candidates = among.duplicates_of(
            first_name=beneficiary.first_name,
            last_name=beneficiary.last_name,
            pseudonym=beneficiary.pseudonym,
            birth_year=beneficiary.birth_year,
            commune_id=beneficiary.commune_id,
            phones=(beneficiary.mobile_phone, beneficiary.landline_phone),
            email=beneficiary.email,
        )
        if candidates.exists():
            raise PossibleDuplicates(candidates.select_related("commune", "site"))
    with transaction.atomic(savepoint=False):
        beneficiary.save()
        _journal(beneficiary, JournalAction.CREATED, created_by, duplicates_ignored=ignore_duplicates)
    return beneficiary


@transaction.atomic
def beneficiary_register(
    *,
    organisation: Organisation,
    created_by: User,
    consents_given: Iterable[str] = (ConsentKind.DATA_PROCESSING,),
    screening: "Screening | None" = None,
    **person,
) -> Beneficiary:
    """Record a person met in person, all or nothing: the record (`beneficiary_create`, with its duplicates check
    and `person` fields), the consents they gave (kinds, current texts), and the walk-in screening made just before
    (attached by `screening_attach`). Any ValidationError, PossibleDuplicates included, leaves nothing written."""
    from tremplin.diagnostics.models import Screening
    from tremplin.diagnostics.services import screening_attach

    beneficiary = beneficiary_create(organisation=organisation, created_by=created_by, **person)
    for kind in consents_given:
        consent_record(beneficiary=beneficiary, kind=kind, given=True, by=created_by)
    if screening is not None:
        # Locked and read again: attached meanwhile by someone else, it is refused by screening_attach.
        screening_attach(screening=Screening.objects.select_for_update().get(pk=screening.pk), beneficiary=beneficiary)
    return beneficiary


@transaction.atomic
def beneficiary_update(*, beneficiary: Beneficiary, by: User | None, **changes) -> Beneficiary:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Champs non modifiables : {', '.join(sorted(unknown))}")
    if not beneficiary.is_active:
        raise ValidationError("Cette fiche n'est plus active (supprimée ou fusionnée).")
    changed = sorted(name for name, value in changes.items() if getattr(beneficiary, name) != value)
    for name, value in changes.items():
        setattr(beneficiary, name, value)
    beneficiary.full_clean()
    beneficiary.save()
    if changed:
        # Field names only: the journal must never hold personal data.
        _journal(beneficiary, JournalAction.UPDATED, by, fields=changed)
    return beneficiary


@transaction.atomic
def consent_record(
    *, beneficiary: Beneficiary, kind: str, given: bool, by: User | None, text_version: str | None = None
) -> Consent:
    texts = consents.TEXTS.get(kind, {})  # an unknown kind is a French error below, not a KeyError
    version = text_version or (consents.current_version(kind) if texts else "")
    if kind not in ConsentKind.values or version not in texts:
        raise ValidationError({"text_version": f"Texte de consentement inconnu : {kind} {version}."})
    if not beneficiary.is_active:
        raise ValidationError("Cette fiche n'est plus active (supprimée ou fusionnée).")
    consent = Consent(beneficiary=beneficiary, kind=kind, given=given, text_version=version, recorded_by=by)
    consent.full_clean()
    consent.save()
    if kind == ConsentKind.CONTACT and beneficiary.contact_refused == given:
        beneficiary.contact_refused = not given
        Beneficiary.objects.filter(pk=beneficiary.pk).update(contact_refused=not given)
    _journal(beneficiary, JournalAction.CONSENT, by, kind=kind, given=given, text_version=version)
    return consent


def current_consents(beneficiary: Beneficiary) -> dict[str, Consent]:
    """The latest answer per consent kind."""
    latest: dict[str, Consent] = {}
    for consent in beneficiary.consents.all():  # ordered newest first
        latest.setdefault(consent.kind, consent)
    return latest


@transaction.atomic
def beneficiary_merge(*, kept: Beneficiary, duplicate: Beneficiary, by: User | None) -> Beneficiary:
    """Merge `duplicate` into `kept`: every screening, diagnostic and consent moves to `kept`, contact
    fields missing on `kept` are taken from `duplicate`, and `duplicate` becomes an empty tombstone
    pointing to `kept` (its own journal and access log stay with it). Both journals say so."""
    kept = Beneficiary.objects.select_for_update().get(pk=kept.pk)
    duplicate = Beneficiary.objects.select_for_update().get(pk=duplicate.pk)
    if kept.pk == duplicate.pk:
        raise ValidationError("Une fiche ne peut pas être fusionnée avec elle-même.")
    if not (kept.is_active and duplicate.is_active):
        raise ValidationError("Seules deux fiches actives peuvent être fusionnées.")
    if kept.organisation_id != duplicate.organisation_id:
        raise ValidationError("Les deux fiches doivent être suivies par la même organisation.")
    moved = {}
    for relation in Beneficiary._meta.related_objects:
        if relation.related_model in KEPT_ON_MERGED_RECORD or not relation.one_to_many:
            continue
        manager = relation.related_model._default_manager
        count = manager.filter(**{relation.field.name: duplicate}).update(**{relation.field.name: kept})
        if count:
            moved[relation.related_model._meta.model_name] = count
    completed = []
    for name in ("birth_year", "commune", "site", *CONTACT_FIELDS):
        if not getattr(kept, name) and getattr(duplicate, name):
            setattr(kept, name, getattr(duplicate, name))
            completed.append(name)
    for name in ("gender", "social_status"):
        if getattr(kept, name) == "non_communique" and getattr(duplicate, name) != "non_communique":
            setattr(kept, name, getattr(duplicate, name))
            completed.append(name)
    _wipe(duplicate)
    duplicate.merged_into = kept
    duplicate.save()
    contact = current_consents(kept).get(ConsentKind.CONTACT)  # the consents of both records are now on `kept`
    kept.contact_refused = contact is not None and not contact.given
    kept.full_clean()
    kept.save()
    _journal(kept, JournalAction.MERGED, by, merged_record=duplicate.pk, moved=moved, completed_fields=completed)
    _journal(duplicate, JournalAction.MERGED_INTO, by, kept_record=kept.pk)
    return kept


def _wipe(beneficiary: Beneficiary) -> None:
    """Remove everything that identifies the person; keep age band, gender, status, commune."""
    beneficiary.first_name = ""
    beneficiary.last_name = ""
    beneficiary.pseudonym = ""
    beneficiary.name_key = ""
    beneficiary.birth_year = None
    for name in CONTACT_FIELDS:
        setattr(beneficiary, name, "")
    beneficiary.anonymised_at = beneficiary.anonymised_at or timezone.now()


@transaction.atomic
def beneficiary_anonymise(
    *, beneficiary: Beneficiary, by: User | None, reason: str = "", details: dict | None = None
) -> Beneficiary:
    """Deletion at the person's request: names and contacts are wiped for good, statistics stay. `reason` (a code)
    and `details` (codes and numbers, never personal data) go into the journal entry: why the team did it, or why
    it was done by no one (`by` None: the retention of tremplin.privacy)."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if beneficiary.anonymised_at:
        return beneficiary
    _wipe(beneficiary)
    beneficiary.full_clean()
    beneficiary.save()
    # The messages sent to the person hold their phone, address and name: they go too.
    from tremplin.notifications.services import notifications_forget  # notifications depends on this app

    notifications_forget(beneficiary=beneficiary)
    _journal(beneficiary, JournalAction.ANONYMISED, by, **({"reason": reason, **(details or {})} if reason else {}))
    return beneficiary
