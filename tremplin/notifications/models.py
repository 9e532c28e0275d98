"""The journal of every message about a registration: what was said, to whom, by which channel, and how it went."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops.models import Registration

from .enums import ContactChannel, NotificationKind, NotificationStatus


class NotificationQuerySet(models.QuerySet):
    def to_call(self):
        return self.filter(status=NotificationStatus.TO_CALL)

    def to_print(self):
        return self.filter(status=NotificationStatus.TO_PRINT)

    def failed(self):
        return self.filter(status=NotificationStatus.FAILED)

    def retrying(self):
        """Queued again after a failed attempt (the worker will try again at `next_attempt_at`)."""
        return self.filter(status=NotificationStatus.QUEUED, attempts__gt=0)

    def with_context(self):
        return self.select_related(
            "beneficiary", "registration__session__programme", "registration__session__site", "handled_by"
        )


class Notification(models.Model):
    registration = models.ForeignKey(
        Registration,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name="inscription",
        db_index=False,  # first column of the (registration, kind) index below
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="notifications", verbose_name="personne"
    )
    kind = models.CharField("message", max_length=20, choices=NotificationKind.choices)
    channel = models.CharField("canal", max_length=10, choices=ContactChannel.choices)
    status = models.CharField("état", max_length=10, choices=NotificationStatus.choices)
    reason = models.CharField("pourquoi ce canal", max_length=200, blank=True)
    recipient = models.CharField("destinataire", max_length=254, blank=True, help_text="Numéro ou adresse e-mail.")
    subject = models.CharField("objet", max_length=250, blank=True)
    body = models.TextField("texte", blank=True, help_text="Pour un courrier : la lettre en HTML, imprimée en PDF.")
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    next_attempt_at = models.DateTimeField("prochain essai", null=True, blank=True)
    provider_message_id = models.CharField("identifiant chez le prestataire", max_length=200, blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    handled_at = models.DateTimeField("traité le", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traité par",
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "message"
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The mediator's lists: one status, newest first, then scoped through the registration.
            models.Index(fields=["status", "created_at"], name="notification_status_created"),
            models.Index(fields=["registration", "kind"], name="notification_registration_kind"),
        ]
        constraints = [
            # A reminder is sent once per registration, even if two reminder runs overlap.
            models.UniqueConstraint(
                fields=["registration", "kind"],
                condition=Q(kind=NotificationKind.REMINDER),
                name="notification_one_reminder_per_registration",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.get_channel_display()} — {self.get_status_display()}"

    @property
    def is_letter(self) -> bool:
        return self.channel == ContactChannel.LETTER
