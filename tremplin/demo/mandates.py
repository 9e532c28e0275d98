"""Demo mandates: a habilitated mediator (aidant@, with a second factor whose secret and recovery codes `make demo`
prints), mediateur@ in training, and mandates in every state (valid with démarches, ending soon, expired, revoked,
to be signed), all made through the services so that the journal tells their story and verifies.

Dates in the past are set on the mandates after their creation (the journal keeps the real time of each event)."""

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.accounts import services as account_services
from tremplin.accounts.models import User
from tremplin.beneficiaries.models import Beneficiary
from tremplin.mandates import habilitation, journal, services
from tremplin.mandates.enums import (
    Category,
    Duration,
    IdentityDocument,
    IdentityMethod,
    Outcome,
    RevocationBy,
    SignatureMethod,
    TrainingModule,
)
from tremplin.mandates.models import Habilitation, IdentityCheck, Mandate, MandateUse

AIDANT, MEDIATOR, MANAGER = "aidant@demo.tremplin.fr", "mediateur@demo.tremplin.fr", "pilote@demo.tremplin.fr"
# Demo database only: the authenticator secret of aidant@ (printed by setup_demo, like the password).
DEMO_TOTP_KEY = hashlib.sha256(b"tremplin-demo-aidant").hexdigest()[:40]
TRAINER = "Formation Aidants Connect — session de Lannion"


@dataclass(frozen=True)
class DemoSecondFactor:
    secret_base32: str
    recovery_codes: list[str]


def demo_aidant_second_factor(aidant: User) -> DemoSecondFactor | None:
    """The demo aidant's TOTP device (fixed demo secret) and fresh recovery codes; None if the device exists."""
    if TOTPDevice.objects.filter(user=aidant, confirmed=True).exists():
        return None
    device = TOTPDevice.objects.create(
        user=aidant, name="Application d'authentification", key=DEMO_TOTP_KEY, confirmed=True, tolerance=1
    )
    codes = account_services.recovery_codes_generate(user=aidant)
    return DemoSecondFactor(base64.b32encode(device.bin_key).decode("ascii"), codes)


def _train(user: User, manager: User, *, modules, grant: bool) -> None:
    if Habilitation.objects.filter(user=user).exists():
        return
    record = habilitation.habilitation_request(user=user, by=user)
    today = timezone.localdate()
    for offset, module in enumerate(modules):
        habilitation.training_step_record(
            habilitation=record,
            module=module,
            completed_on=today - timedelta(days=40 - 7 * offset),
            trainer=TRAINER,
            by=manager,
        )
    if grant:
        habilitation.habilitation_grant(
            habilitation=record,
            certificate_number="AC-2026-0412",
            certified_on=today - timedelta(days=10),
            skills_score=86,
            by=manager,
        )


def _mandate(aidant, person, categories, duration, *, sign=True):
    check = services.identity_check_record(
        beneficiary=person,
        organisation=person.organisation,
        method=IdentityMethod.DOCUMENT,
        document=IdentityDocument.ID_CARD,
        by=aidant,
    )
    mandate = services.mandate_create(
        beneficiary=person,
        organisation=person.organisation,
        categories=categories,
        duration=duration,
        identity_check=check,
        by=aidant,
    )
    if sign:
        mandate = services.mandate_sign(
            mandate=mandate,
            method=SignatureMethod.PAPER,
            document_sha256=hashlib.sha256(f"mandat signé {mandate.verification_code}".encode()).hexdigest(),
            by=aidant,
        )
    return mandate


def _use(aidant, mandate, category, procedure, outcome=Outcome.DONE):
    return services.mandate_use(
        mandate=mandate,
        category=category,
        procedure=procedure,
        outcome=outcome,
        by=aidant,
        second_factor_at=timezone.now(),
    )


def _move(mandate: Mandate, *, started_days_ago: int) -> None:
    """Put a demo mandate's story in the past: its identity check, preparation, dates and démarches (the tables
    only; the journal keeps when things really happened, today)."""
    shift = timedelta(days=started_days_ago)
    Mandate.objects.filter(pk=mandate.pk).update(
        created_at=F("created_at") - shift, starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    IdentityCheck.objects.filter(pk=mandate.identity_check_id).update(checked_at=F("checked_at") - shift)
    MandateUse.objects.filter(mandate=mandate).update(at=F("at") - shift + timedelta(days=3))


@transaction.atomic
def demo_mandates_create() -> tuple[int, DemoSecondFactor | None]:
    """Create the demo habilitations and mandates (once); return (mandates created, aidant's second factor)."""
    users = {u.email: u for u in User.objects.filter(email__in=(AIDANT, MEDIATOR, MANAGER))}
    aidant, mediator, manager = users.get(AIDANT), users.get(MEDIATOR), users.get(MANAGER)
    if aidant is None or mediator is None or manager is None:
        return 0, None
    second = demo_aidant_second_factor(aidant)
    aidant.last_login = aidant.last_login or timezone.now()
    aidant.save(update_fields=["last_login"])
    _train(aidant, manager, modules=list(TrainingModule), grant=True)
    _train(mediator, manager, modules=[TrainingModule.FRAMEWORK, TrainingModule.TOOL], grant=False)
    if Mandate.objects.exists():
        return 0, second
    people = list(
        Beneficiary.objects.active()
        .filter(organisation=aidant.organisation, site__in=aidant.sites.all(), anonymised_at__isnull=True)
        .exclude(first_name="")
        .order_by("pk")[:5]
    )
    if len(people) < 5:
        return 0, second
    valid = _mandate(aidant, people[0], [Category.HOUSING, Category.MONEY], Duration.YEAR)
    _use(aidant, valid, Category.HOUSING, "Demande d'aide personnalisée au logement sur caf.fr")
    _use(aidant, valid, Category.MONEY, "Déclaration de revenus sur impots.gouv.fr", Outcome.STARTED)

    ending = _mandate(aidant, people[1], [Category.SOCIAL_HEALTH], Duration.SIX_MONTHS)
    _use(aidant, ending, Category.SOCIAL_HEALTH, "Commande de la carte Vitale sur ameli.fr")
    _move(ending, started_days_ago=170)  # ends in 12 days: the daily work warns the organisation's mediators

    expired = _mandate(aidant, people[2], [Category.TRANSPORT], Duration.MONTH)
    _use(aidant, expired, Category.TRANSPORT, "Demande de certificat d'immatriculation sur l'ANTS")
    _move(expired, started_days_ago=40)
    services.mandates_expire()

    revoked = _mandate(aidant, people[3], [Category.PAPERS, Category.FAMILY], Duration.YEAR)
    _use(aidant, revoked, Category.PAPERS, "Pré-demande de carte d'identité sur l'ANTS")
    services.authorisation_revoke(
        authorisation=revoked.authorisations.get(category=Category.FAMILY), by=aidant, on_behalf_of=RevocationBy.PERSON
    )
    services.mandate_revoke(
        mandate=revoked,
        by=aidant,
        on_behalf_of=RevocationBy.PERSON,
        reason="La personne fait désormais ses démarches avec sa fille.",
    )

    _mandate(aidant, people[4], [Category.WORK], Duration.DAY, sign=False)  # prepared, to be signed
    journal.verification_record()
    return 5, second
