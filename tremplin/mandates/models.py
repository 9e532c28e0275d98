"""Mandates to act on a person's behalf, their authorisations and uses, mediators' habilitation, and the
tamper-evident journal of every mandate event.

A mandate binds a person and an organisation (never one mediator): any habilitated mediator of that
organisation may use it, inside that organisation only. Consent is given in person; the text the person
agreed to is frozen on the mandate. The journal (`JournalEntry`) is append-only, hash-chained, and guarded by
database triggers (migration 0002); it holds ids, never names, so that anonymising a person keeps it intact.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Organisation

from .enums import (
    Category,
    Duration,
    HabilitationStatus,
    IdentityDocument,
    IdentityMethod,
    JournalAction,
    Outcome,
    RevocationBy,
    SignatureMethod,
    Status,
    TrainingModule,
)

User = settings.AUTH_USER_MODEL


class IdentityCheck(models.Model):
    """How the mediator made sure who the person is, before a mandate: FranceConnect, or a document seen
    (which kind only: never a copy or its number)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="identity_checks")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    method = models.CharField("vérification", max_length=20, choices=IdentityMethod.choices)
    document = models.CharField("pièce présentée", max_length=20, choices=IdentityDocument.choices, blank=True)
    # FranceConnect's pairwise subject, hashed: proves the same FranceConnect identity later without storing it.
    franceconnect_subject_sha256 = models.CharField(max_length=64, blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="par")
    checked_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "vérification d'identité"
        verbose_name_plural = "vérifications d'identité"
        ordering = ["-checked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method=IdentityMethod.FRANCECONNECT) | ~Q(document=""),
                name="identity_check_document_named",
            )
        ]

    def __str__(self):
        return f"{self.get_method_display()} — {self.checked_at:%d/%m/%Y %H:%M}"


class MandateQuerySet(models.QuerySet):
    def valid(self, at=None):
        """Signed, not revoked, renewed or transferred, and not past its end (whatever the expiry task did)."""
        at = at or timezone.now()
        return self.filter(status=Status.SIGNED, starts_at__lte=at, ends_at__gt=at)

    def for_organisation(self, organisation_ids):
        return self.filter(organisation_id__in=organisation_ids)

    def for_beneficiary(self, beneficiary):
        return self.filter(beneficiary=beneficiary)


class Mandate(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="mandates", verbose_name="organisation"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="mandates", verbose_name="personne"
    )
    duration = models.CharField("durée", max_length=20, choices=Duration.choices)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.AWAITING_SIGNATURE)
    # The text the person agrees to: its version (a date) and a frozen copy with its hash.
    text_version = models.CharField("version du texte", max_length=10)
    text = models.TextField("texte du mandat")
    text_sha256 = models.CharField(max_length=64)
    # Printed on the attestation and in its QR code: opens the public verification page (never the person).
    verification_code = models.CharField("code de vérification", max_length=14, unique=True)
    identity_check = models.ForeignKey(
        IdentityCheck, on_delete=models.PROTECT, related_name="mandates", verbose_name="vérification d'identité"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name="préparé par")
    created_at = models.DateTimeField("préparé le", default=timezone.now)
    signature_method = models.CharField("signature", max_length=20, choices=SignatureMethod.choices, blank=True)
    signed_document_sha256 = models.CharField("empreinte du document signé", max_length=64, blank=True)
    signed_recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signature enregistrée par",
    )
    starts_at = models.DateTimeField("valable du", null=True, blank=True)
    ends_at = models.DateTimeField("valable jusqu'au", null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField("fin effective", null=True, blank=True)
    ended_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="terminé par"
    )
    revoked_on_behalf_of = models.CharField("révoqué", max_length=20, choices=RevocationBy.choices, blank=True)
    revocation_reason = models.CharField("motif de la révocation", max_length=300, blank=True)
    renews = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals", verbose_name="renouvelle"
    )
    transferred_from = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers", verbose_name="transféré de"
    )
    expiry_warned_at = models.DateTimeField("alerte de fin envoyée le", null=True, blank=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = "mandat"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "ends_at"]),
            models.Index(fields=["beneficiary", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[Status.AWAITING_SIGNATURE, Status.CANCELLED])
                | Q(starts_at__isnull=False, ends_at__isnull=False),
                name="mandate_signed_has_dates",
            )
        ]

    def __str__(self):
        return f"Mandat {self.verification_code} ({self.get_status_display()})"

    def is_valid(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == Status.SIGNED and self.starts_at <= at < self.ends_at


class AuthorisationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Authorisation(models.Model):
    """One démarche category of a mandate, revocable on its own."""

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="authorisations")
    category = models.CharField("catégorie de démarches", max_length=40, choices=Category.choices)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="révoquée par"
    )
    revoked_on_behalf_of = models.CharField("révoquée", max_length=20, choices=RevocationBy.choices, blank=True)
    revocation_reason = models.CharField("motif de la révocation", max_length=300, blank=True)

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        verbose_name = "autorisation"
        ordering = ["mandate", "category"]
        constraints = [models.UniqueConstraint(fields=["mandate", "category"], name="authorisation_one_per_category")]

    def __str__(self):
        return self.get_category_display()


class MandateUse(models.Model):
    """A démarche done for the person ("agir pour"): who, under which mandate and category, what, when, outcome.

    `procedure` names the démarche ("Demande d'aide au logement sur caf.fr"), never the person's data."""

    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="uses")
    authorisation = models.ForeignKey(Authorisation, on_delete=models.PROTECT, related_name="uses")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    mediator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mandate_uses", verbose_name="médiateur")
    category = models.CharField("catégorie de démarches", max_length=40, choices=Category.choices)
    procedure = models.CharField("démarche", max_length=200)
    outcome = models.CharField("résultat", max_length=20, choices=Outcome.choices)
    at = models.DateTimeField("le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "démarche faite pour la personne"
        verbose_name_plural = "démarches faites pour les personnes"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.procedure} — {self.at:%d/%m/%Y %H:%M}"


class Habilitation(models.Model):
    """A mediator's right to create and use mandates, after the certifying training."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="habilitation")
    status = models.CharField("habilitation", max_length=20, choices=HabilitationStatus.choices)
    requested_at = models.DateTimeField("demandée le", default=timezone.now)
    status_changed_at = models.DateTimeField("état depuis le", default=timezone.now)
    status_changed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="décidé par"
    )
    status_reason = models.CharField("motif", max_length=300, blank=True)
    certificate_number = models.CharField("n° de certificat", max_length=60, blank=True)
    certified_on = models.DateField("certifié le", null=True, blank=True)
    skills_score = models.PositiveSmallIntegerField("score au test de compétences (sur 100)", null=True, blank=True)
    # Set when a manager re-checked an account that had been unused for six months.
    rechecked_at = models.DateTimeField("revérifiée le", null=True, blank=True)

    class Meta:
        verbose_name = "habilitation"
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(condition=Q(skills_score__lte=100), name="habilitation_score_at_most_100")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_status_display()}"


class TrainingStep(models.Model):
    """One module of the certifying training, done on a date with a trainer."""

    habilitation = models.ForeignKey(Habilitation, on_delete=models.CASCADE, related_name="steps")
    module = models.CharField("module", max_length=20, choices=TrainingModule.choices)
    completed_on = models.DateField("suivi le")
    trainer = models.CharField("formateur", max_length=120)

    class Meta:
        verbose_name = "module de formation suivi"
        ordering = ["completed_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["habilitation", "module"], name="training_step_once")]

    def __str__(self):
        return f"{self.get_module_display()} — {self.completed_on:%d/%m/%Y}"


class JournalHead(models.Model):
    """One row, locked by every append: serialises the chain (position and previous hash) on both engines."""

    position = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "tête du journal"

    def __str__(self):
        return f"n° {self.position}"


class JournalEntry(models.Model):
    """An append-only, hash-chained record of a mandate event. Written by tremplin.mandates.journal only.

    `hash` = SHA-256 over the canonical serialisation of the entry's fields and `previous_hash`; database
    triggers refuse UPDATE and DELETE (migration 0002). References are plain ids (no foreign-key constraint):
    the journal outlives and never blocks what it speaks of, and holds no name or contact.
    """

    position = models.PositiveBigIntegerField("n°", unique=True)
    at = models.DateTimeField("le")
    action = models.CharField("événement", max_length=30, choices=JournalAction.choices)
    actor = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+", verbose_name="par"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    mandate = models.ForeignKey(
        Mandate, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="journal"
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    details = models.JSONField("détails", default=dict)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "entrée du journal des mandats"
        verbose_name_plural = "journal des mandats"
        ordering = ["position"]

    def __str__(self):
        return f"n° {self.position} — {self.get_action_display()}"


class JournalVerification(models.Model):
    """The result of one check of the whole chain (`verify_journal`, daily by the worker)."""

    at = models.DateTimeField("le", default=timezone.now)
    intact = models.BooleanField("chaîne intacte")
    entries_checked = models.PositiveBigIntegerField("entrées vérifiées")
    first_broken_id = models.BigIntegerField("première entrée rompue", null=True, blank=True)
    reason = models.CharField("motif", max_length=300, blank=True)
    # The head at that time: kept, it witnesses a chain rewritten later (its hash must still be in the journal).
    head_position = models.PositiveBigIntegerField("n° de tête", default=0)
    head_hash = models.CharField("empreinte de tête", max_length=64, blank=True)

    class Meta:
        verbose_name = "vérification du journal"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} — {'intacte' if self.intact else 'rompue'}"
