"""State changes of mandates: identity check, preparation, signature, use, renewal, revocation, transfer, expiry.

Every function here writes its journal entry (tremplin.mandates.journal) in the same transaction as the change, so
that the journal and the tables never disagree. Refusals are `ValidationError`s with a French message a mediator
can act on. Views, commands, the demo and the tests all go through these functions.
"""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.accounts.perms import works_for
from tremplin.activities.services import activity_for_source
from tremplin.beneficiaries.enums import JournalAction as PersonJournalAction
from tremplin.beneficiaries.models import Beneficiary
from tremplin.beneficiaries.models import JournalEntry as PersonJournalEntry
from tremplin.frenchdates import french_date
from tremplin.network.models import Organisation

from . import journal, perms
from .enums import (
    DURATION_DAYS,
    EXPIRY_WARNING,
    LONG_DURATIONS,
    RENEWAL_WINDOW,
    Category,
    Duration,
    IdentityMethod,
    JournalAction,
    Outcome,
    RevocationBy,
    SignatureMethod,
    Status,
)
from .models import Authorisation, IdentityCheck, Mandate, MandateUse
from .texts import text_in_force

# An identity check is valid for preparing a mandate this long: it is made with the person, on the spot.
IDENTITY_CHECK_VALIDITY = timedelta(hours=2)
# A mandate not signed within this delay is abandoned: the person must agree to it on the day it is prepared.
SIGNATURE_DELAY = timedelta(days=1)
# The second factor must have been entered this recently to act for someone.
SECOND_FACTOR_FRESHNESS = timedelta(minutes=15)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud and typed from paper


def _refuse(message: str, field: str | None = None):
    raise ValidationError({field: message} if field else message)


def _check_can_act(user, organisation_id) -> None:
    block = perms.acting_block(user, organisation_id)
    if block:
        raise ValidationError(block)


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str) -> str:
    """What a person types or the QR code carries, as stored: « abcd efgh-jkmn » → « ABCD-EFGH-JKMN »."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}" if len(raw) == 12 else raw


def end_of_validity(duration: str, start: datetime) -> datetime:
    """A one-day mandate ends at midnight of its day (local time); the others after their number of days."""
    if duration == Duration.DAY:
        local = timezone.localtime(start)
        return local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return start + timedelta(days=DURATION_DAYS[duration])


# --- identity ---------------------------------------------------------------------------------------------------


@transaction.atomic
def identity_check_record(
    *,
    beneficiary: Beneficiary,
    organisation: Organisation,
    method: str,
    document: str = "",
    franceconnect_subject: str = "",
    by: User,
) -> IdentityCheck:
    """Record how the person's identity was confirmed: FranceConnect (only the hash of its subject is kept) or the
    kind of document seen (never a copy, never its number)."""
    _check_can_act(by, organisation.pk)
    if beneficiary.organisation_id != organisation.pk:
        _refuse("Cette personne n'est pas suivie par l'organisation du mandat.")
    if method == IdentityMethod.FRANCECONNECT:
        if not franceconnect_subject:
            _refuse("FranceConnect n'a pas donné d'identité.")
        document = ""
    elif not document:
        _refuse("Indiquez la pièce d'identité présentée.", "document")
    check = IdentityCheck(
        beneficiary=beneficiary,
        organisation=organisation,
        method=method,
        document=document,
        franceconnect_subject_sha256=(
            hashlib.sha256(franceconnect_subject.encode("utf-8")).hexdigest() if franceconnect_subject else ""
        ),
        checked_by=by,
    )
    check.full_clean()
    check.save()
    journal.append(
        action=JournalAction.IDENTITY_CHECKED,
        actor=by,
        organisation_id=organisation.pk,
        beneficiary_id=beneficiary.pk,
        details={"check": check.pk, "method": method, "document": document},
    )
    return check


def usable_identity_check(check: IdentityCheck | None, *, beneficiary: Beneficiary, organisation_id: int) -> bool:
    return bool(
        check
        and check.beneficiary_id == beneficiary.pk
        and check.organisation_id == organisation_id
        and check.checked_at >= timezone.now() - IDENTITY_CHECK_VALIDITY
    )


# --- preparation, signature, cancellation -------------------------------------------------------------------------


def _categories(categories: Iterable[str]) -> list[str]:
    chosen = sorted(set(categories))
    if not chosen:
        _refuse("Choisissez au moins une catégorie de démarches.", "categories")
    unknown = [c for c in chosen if c not in Category.values]
    if unknown:
        _refuse("Catégorie de démarches inconnue.", "categories")
    return chosen


def _covered_elsewhere(beneficiary, organisation_id, categories, *, ignore: Mandate | None = None) -> list[str]:
    """Categories already covered by another valid mandate of the same organisation for this person."""
    mandates = Mandate.objects.valid().filter(beneficiary=beneficiary, organisation_id=organisation_id)
    if ignore is not None:
        mandates = mandates.exclude(pk=ignore.pk)
    covered = Authorisation.objects.active().filter(mandate__in=mandates, category__in=categories)
    return sorted({a.category for a in covered})


def _prepare(
    *,
    beneficiary: Beneficiary,
    organisation_id: int,
    categories: list[str],
    duration: str,
    identity_check: IdentityCheck,
    by: User,
    renews: Mandate | None = None,
) -> Mandate:
    _check_can_act(by, organisation_id)
    if not beneficiary.is_active:
        _refuse("Cette fiche a été supprimée.")
    if beneficiary.organisation_id != organisation_id:
        _refuse("Cette personne n'est pas suivie par l'organisation du mandat.")
    if duration not in Duration.values:
        _refuse("Choisissez une durée.", "duration")
    categories = _categories(categories)
    if not usable_identity_check(identity_check, beneficiary=beneficiary, organisation_id=organisation_id):
        _refuse("Vérifiez l'identité de la personne (FranceConnect ou pièce d'identité) avant de préparer le mandat.")
    covered = _covered_elsewhere(beneficiary, organisation_id, categories, ignore=renews)
    if covered:
        labels = ", ".join(Category(c).label for c in covered)
        _refuse(f"Un mandat valable couvre déjà : {labels}. Renouvelez-le ou révoquez d'abord cette autorisation.")
    text = text_in_force(timezone.localdate())
    code = new_verification_code()
    while Mandate.objects.filter(verification_code=code).exists():
        code = new_verification_code()
    mandate = Mandate(
        organisation_id=organisation_id,
        beneficiary=beneficiary,
        duration=duration,
        text_version=text.version,
        text=text.body,
        text_sha256=text.sha256,
        verification_code=code,
        identity_check=identity_check,
        created_by=by,
        renews=renews,
    )
    mandate.full_clean()
    mandate.save()
    Authorisation.objects.bulk_create([Authorisation(mandate=mandate, category=c) for c in categories])
    journal.append(
        action=JournalAction.MANDATE_CREATED,
        actor=by,
        mandate=mandate,
        details={
            "code": code,
            "categories": categories,
            "duration": duration,
            "text_version": text.version,
            "text_sha256": text.sha256,
            "identity_check": identity_check.pk,
            "renews": renews.pk if renews else None,
        },
    )
    return mandate


@transaction.atomic
def mandate_create(
    *,
    beneficiary: Beneficiary,
    organisation: Organisation,
    categories: Iterable[str],
    duration: str,
    identity_check: IdentityCheck,
    by: User,
) -> Mandate:
    """Prepare a mandate (to be signed by the person, in person, the same day)."""
    return _prepare(
        beneficiary=beneficiary,
        organisation_id=organisation.pk,
        categories=list(categories),
        duration=duration,
        identity_check=identity_check,
        by=by,
    )


def _locked(mandate: Mandate) -> Mandate:
    return Mandate.objects.select_for_update().get(pk=mandate.pk)


@transaction.atomic
def mandate_sign(*, mandate: Mandate, method: str, document_sha256: str, by: User) -> Mandate:
    """The person signed, in front of the mediator: on the printed mandate or on the tablet. `document_sha256` is the
    hash of the signed document (the printed PDF, or the PDF with the drawn signature). The mandate starts now; a
    renewal ends the mandate it renews."""
    mandate = _locked(mandate)
    _check_can_act(by, mandate.organisation_id)
    if mandate.status != Status.AWAITING_SIGNATURE:
        _refuse("Ce mandat n'attend plus de signature.")
    if mandate.created_at < timezone.now() - SIGNATURE_DELAY:
        _refuse("Ce mandat a été préparé il y a plus d'un jour : préparez-en un nouveau avec la personne.")
    if method not in SignatureMethod.values:
        _refuse("Indiquez comment la personne a signé.", "method")
    if len(document_sha256 or "") != 64:
        _refuse("Empreinte du document signé manquante.")
    now = timezone.now()
    categories = sorted(mandate.authorisations.values_list("category", flat=True))
    covered = _covered_elsewhere(mandate.beneficiary, mandate.organisation_id, categories, ignore=mandate.renews)
    if covered:
        labels = ", ".join(Category(c).label for c in covered)
        _refuse(f"Un mandat valable couvre déjà : {labels}. Révoquez d'abord cette autorisation.")
    mandate.status = Status.SIGNED
    mandate.signature_method = method
    mandate.signed_document_sha256 = document_sha256
    mandate.signed_recorded_by = by
    mandate.starts_at = now
    mandate.ends_at = end_of_validity(mandate.duration, now)
    mandate.full_clean()
    mandate.save()
    journal.append(
        action=JournalAction.CONSENT_SIGNED,
        actor=by,
        mandate=mandate,
        details={
            "method": method,
            "document_sha256": document_sha256,
            "starts_at": now.isoformat(),
            "ends_at": mandate.ends_at.isoformat(),
        },
    )
    for authorisation in mandate.authorisations.all():
        journal.append(
            action=JournalAction.AUTHORISATION_GRANTED,
            actor=by,
            mandate=mandate,
            details={"authorisation": authorisation.pk, "category": authorisation.category},
        )
    if mandate.renews_id:
        old = _locked(mandate.renews)
        if old.status == Status.SIGNED:
            old.status = Status.RENEWED
            old.ended_at = min(now, old.ends_at)
            old.ended_by = by
            old.save(update_fields=["status", "ended_at", "ended_by"])
        journal.append(
            action=JournalAction.MANDATE_RENEWED, actor=by, mandate=old, details={"renewed_by_mandate": mandate.pk}
        )
    return mandate


@transaction.atomic
def mandate_cancel(*, mandate: Mandate, by: User) -> Mandate:
    """Abandon a mandate that was prepared but not signed (the person changed their mind)."""
    mandate = _locked(mandate)
    if not works_for(by, mandate.organisation_id):
        _refuse("Vous ne travaillez pas pour l'organisation de ce mandat.")
    if mandate.status != Status.AWAITING_SIGNATURE:
        _refuse("Seul un mandat pas encore signé peut être abandonné.")
    mandate.status = Status.CANCELLED
    mandate.ended_at = timezone.now()
    mandate.ended_by = by
    mandate.save(update_fields=["status", "ended_at", "ended_by"])
    journal.append(action=JournalAction.MANDATE_CANCELLED, actor=by, mandate=mandate)
    return mandate


# --- revocation -------------------------------------------------------------------------------------------------


def _check_can_end(by, mandate) -> None:
    if not perms.can_end(by, mandate):
        _refuse("Vous ne pouvez pas révoquer les mandats de cette organisation.")
    if not mandate.is_valid():
        _refuse("Ce mandat n'est plus valable : il n'y a rien à révoquer.")


def _revocation(on_behalf_of: str, reason: str) -> tuple[str, str]:
    if on_behalf_of not in RevocationBy.values:
        _refuse("Indiquez qui demande la révocation.", "on_behalf_of")
    reason = (reason or "").strip()
    if len(reason) > 300:
        _refuse("Motif trop long (300 caractères au plus).", "reason")
    return on_behalf_of, reason


@transaction.atomic
def authorisation_revoke(*, authorisation: Authorisation, by: User, on_behalf_of: str, reason: str = "") -> Mandate:
    """Revoke one category of a mandate; revoking the last one revokes the mandate."""
    on_behalf_of, reason = _revocation(on_behalf_of, reason)
    mandate = _locked(authorisation.mandate)
    _check_can_end(by, mandate)
    authorisation = Authorisation.objects.select_for_update().get(pk=authorisation.pk)
    if authorisation.revoked_at:
        _refuse("Cette autorisation est déjà révoquée.")
    now = timezone.now()
    authorisation.revoked_at = now
    authorisation.revoked_by = by
    authorisation.revoked_on_behalf_of = on_behalf_of
    authorisation.revocation_reason = reason
    authorisation.save(update_fields=["revoked_at", "revoked_by", "revoked_on_behalf_of", "revocation_reason"])
    journal.append(
        action=JournalAction.AUTHORISATION_REVOKED,
        actor=by,
        mandate=mandate,
        details={
            "authorisation": authorisation.pk,
            "category": authorisation.category,
            "on_behalf_of": on_behalf_of,
            "reason_given": bool(reason),  # the text stays on the mandate: it may name someone
        },
    )
    if not mandate.authorisations.active().exists():
        _end_revoked(mandate, by=by, on_behalf_of=on_behalf_of, reason=reason, now=now)
    return mandate


def _end_revoked(mandate, *, by, on_behalf_of, reason, now) -> None:
    mandate.status = Status.REVOKED
    mandate.ended_at = now
    mandate.ended_by = by
    mandate.revoked_on_behalf_of = on_behalf_of
    mandate.revocation_reason = reason
    mandate.save(update_fields=["status", "ended_at", "ended_by", "revoked_on_behalf_of", "revocation_reason"])
    journal.append(
        action=JournalAction.MANDATE_REVOKED,
        actor=by,
        mandate=mandate,
        details={"on_behalf_of": on_behalf_of, "reason_given": bool(reason)},
    )


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, by: User, on_behalf_of: str, reason: str = "") -> Mandate:
    """Revoke a whole mandate, by the organisation or at the person's request (a receipt can be printed)."""
    on_behalf_of, reason = _revocation(on_behalf_of, reason)
    mandate = _locked(mandate)
    _check_can_end(by, mandate)
    now = timezone.now()
    mandate.authorisations.active().update(
        revoked_at=now, revoked_by=by, revoked_on_behalf_of=on_behalf_of, revocation_reason=reason
    )
    _end_revoked(mandate, by=by, on_behalf_of=on_behalf_of, reason=reason, now=now)
    return mandate


# --- renewal and transfer ---------------------------------------------------------------------------------------


def renewal_block(mandate: Mandate, *, now: datetime | None = None) -> str | None:
    """Why this mandate cannot be renewed (French), or None. Renewal is allowed unless the mandate expired, or was
    revoked, more than a year ago (Aidants Connect's rule); renewed, transferred or never-signed ones are not."""
    now = now or timezone.now()
    if mandate.status in (Status.AWAITING_SIGNATURE, Status.CANCELLED):
        return "Ce mandat n'a jamais été signé."
    if mandate.status in (Status.RENEWED, Status.TRANSFERRED):
        return "Ce mandat a déjà été remplacé."
    ended = mandate.ended_at if mandate.status == Status.REVOKED else mandate.ends_at
    if ended and ended < now - RENEWAL_WINDOW:
        return "Ce mandat s'est terminé il y a plus d'un an : préparez un nouveau mandat."
    return None


@transaction.atomic
def mandate_renew(
    *,
    mandate: Mandate,
    identity_check: IdentityCheck,
    by: User,
    duration: str | None = None,
    categories: Iterable[str] | None = None,
) -> Mandate:
    """Prepare the mandate that renews this one (new consent, in person, with the text in force today). Once signed,
    it ends the old one. Default categories: those not revoked one by one."""
    mandate = _locked(mandate)
    block = renewal_block(mandate)
    if block:
        _refuse(block)
    if categories is None:
        authorisations = mandate.authorisations.all()
        kept = [a.category for a in authorisations if a.revoked_at is None or mandate.status == Status.REVOKED]
        categories = kept or [a.category for a in authorisations]
    return _prepare(
        beneficiary=mandate.beneficiary,
        organisation_id=mandate.organisation_id,
        categories=list(categories),
        duration=duration or mandate.duration,
        identity_check=identity_check,
        by=by,
        renews=mandate,
    )


@transaction.atomic
def mandate_transfer(
    *, mandate: Mandate, to_organisation: Organisation, person_agreed: bool, by: User
) -> list[Mandate]:
    """Move the person's follow-up to another organisation, with their agreement given in person: every valid
    mandate of the person in this organisation is replaced by one of the new organisation (same categories still
    authorised, same end), and the person's record moves with them. Returns the new mandates."""
    mandate = _locked(mandate)
    _check_can_act(by, mandate.organisation_id)
    if not mandate.is_valid():
        _refuse("Seul un mandat valable peut être transféré.")
    if to_organisation.pk == mandate.organisation_id:
        _refuse("Choisissez une autre organisation.", "to_organisation")
    if not person_agreed:
        _refuse("La personne doit donner son accord, en personne, pour ce transfert.", "person_agreed")
    now = timezone.now()
    beneficiary = Beneficiary.objects.select_for_update().get(pk=mandate.beneficiary_id)
    from_organisation_id = mandate.organisation_id
    created = []
    for old in (
        Mandate.objects.valid()
        .select_for_update()
        .filter(beneficiary=beneficiary, organisation_id=from_organisation_id)
    ):
        categories = list(old.authorisations.active().values_list("category", flat=True))
        code = new_verification_code()
        new = Mandate.objects.create(
            organisation=to_organisation,
            beneficiary=beneficiary,
            duration=old.duration,
            status=Status.SIGNED,
            text_version=old.text_version,
            text=old.text,
            text_sha256=old.text_sha256,
            verification_code=code,
            identity_check=old.identity_check,
            created_by=by,
            signature_method=old.signature_method,
            signed_document_sha256=old.signed_document_sha256,
            signed_recorded_by=by,
            starts_at=now,
            ends_at=old.ends_at,
            transferred_from=old,
        )
        Authorisation.objects.bulk_create([Authorisation(mandate=new, category=c) for c in categories])
        old.status = Status.TRANSFERRED
        old.ended_at = now
        old.ended_by = by
        old.save(update_fields=["status", "ended_at", "ended_by"])
        journal.append(
            action=JournalAction.MANDATE_TRANSFERRED,
            actor=by,
            mandate=old,
            details={"to_organisation": to_organisation.pk, "new_mandate": new.pk, "person_agreed": True},
        )
        journal.append(
            action=JournalAction.MANDATE_CREATED,
            actor=by,
            mandate=new,
            details={"code": code, "categories": sorted(categories), "transferred_from": old.pk},
        )
        created.append(new)
    beneficiary.organisation = to_organisation
    beneficiary.site = None
    beneficiary.save(update_fields=["organisation", "site"])
    PersonJournalEntry.objects.create(
        beneficiary=beneficiary,
        action=PersonJournalAction.TRANSFERRED,
        actor=by,
        details={"from_organisation": from_organisation_id, "to_organisation": to_organisation.pk},
    )
    return created


# --- acting for the person ------------------------------------------------------------------------------------


@transaction.atomic
def mandate_use(
    *,
    mandate: Mandate,
    category: str,
    procedure: str,
    outcome: str,
    by: User,
    second_factor_at: datetime | None,
) -> MandateUse:
    """Record a démarche done for the person. Allowed only under a valid mandate covering that category, inside its
    organisation, for a habilitated mediator whose second factor was entered within the last 15 minutes."""
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    _check_can_act(by, mandate.organisation_id)
    if second_factor_at is None or second_factor_at < timezone.now() - SECOND_FACTOR_FRESHNESS:
        _refuse("Confirmez votre code de double authentification (demandé toutes les 15 minutes).")
    if not mandate.is_valid():
        _refuse("Ce mandat n'est pas valable : aucune démarche ne peut être faite en son nom.")
    authorisation = mandate.authorisations.active().filter(category=category).first()
    if authorisation is None:
        _refuse("Ce mandat ne couvre pas cette catégorie de démarches.", "category")
    procedure = " ".join((procedure or "").split())
    if not procedure:
        _refuse("Indiquez la démarche faite.", "procedure")
    if outcome not in Outcome.values:
        _refuse("Indiquez le résultat.", "outcome")
    use = MandateUse(
        mandate=mandate,
        authorisation=authorisation,
        organisation_id=mandate.organisation_id,
        mediator=by,
        category=category,
        procedure=procedure,
        outcome=outcome,
    )
    use.full_clean()
    use.save()
    activity_for_source(source=use)
    journal.append(
        action=JournalAction.MANDATE_USED,
        actor=by,
        mandate=mandate,
        details={"use": use.pk, "category": category, "outcome": outcome},
    )
    return use


# --- time -------------------------------------------------------------------------------------------------------


@transaction.atomic
def mandates_expire(*, now: datetime | None = None) -> int:
    """Signed mandates past their end become expired (idempotent; run daily by the worker)."""
    now = now or timezone.now()
    count = 0
    for mandate in Mandate.objects.select_for_update().filter(status=Status.SIGNED, ends_at__lte=now):
        mandate.status = Status.EXPIRED
        mandate.ended_at = mandate.ends_at
        mandate.save(update_fields=["status", "ended_at"])
        journal.append(
            action=JournalAction.MANDATE_EXPIRED, mandate=mandate, details={"ends_at": mandate.ends_at.isoformat()}
        )
        count += 1
    return count


def _organisation_mediators(organisation_id) -> list[User]:
    from .habilitation import is_habilitated

    users = (
        User.objects.filter(is_active=True, role__in=[Role.MEDIATOR, Role.PARTNER_STAFF])
        .filter(perms.organisation_ids_q_for_users(organisation_id))
        .distinct()
        .select_related("habilitation")
    )
    return [user for user in users if is_habilitated(user)]


def mandates_warn_expiry(*, now: datetime | None = None) -> int:
    """E-mail the organisation's habilitated mediators 30 days before a long mandate ends (once per mandate). The
    message gives the mandate's code and a link, never the person's name: it leaves the platform."""
    now = now or timezone.now()
    due = Mandate.objects.valid(now).filter(
        duration__in=LONG_DURATIONS, ends_at__lte=now + EXPIRY_WARNING, expiry_warned_at__isnull=True
    )
    count = 0
    for mandate_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            mandate = Mandate.objects.select_for_update().get(pk=mandate_id)
            if mandate.expiry_warned_at:
                continue
            recipients = [u.email for u in _organisation_mediators(mandate.organisation_id)]
            ends_on = french_date(timezone.localtime(mandate.ends_at))
            if recipients:
                link = settings.TREMPLIN_PUBLIC_URL.rstrip("/") + reverse("mandates:detail", args=[mandate.pk])
                EmailMessage(
                    subject=f"Un mandat se termine le {ends_on}",
                    body=(
                        f"Bonjour,\n\nLe mandat {mandate.verification_code} de votre organisation se termine le "
                        f"{ends_on}. S'il doit continuer, renouvelez-le avec la personne, en "
                        f"personne.\n\nVoir le mandat : {link}\n\nTremplin"
                    ),
                    to=[],
                    bcc=recipients,
                ).send()
            mandate.expiry_warned_at = now
            mandate.save(update_fields=["expiry_warned_at"])
            journal.append(action=JournalAction.EXPIRY_WARNED, mandate=mandate, details={"recipients": len(recipients)})
            count += 1
    return count
