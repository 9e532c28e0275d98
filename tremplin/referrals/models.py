"""Referrals (orientations) of a person to a place of the directory, with the place's answer and the outcome.

The partner answers from their Tremplin account or through a signed link that works without an account and
expires (`link_nonce` lets Tremplin invalidate every link of a referral). Each state change is a ReferralEvent:
the referring mediator sees them all. Personal data never leaves through the event or the e-mail: the partner
sees the person's name and contact only on the referral's page, through tremplin.beneficiaries.disclosure.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Organisation
from tremplin.places.models import Place

from .enums import DeclineReason, Origin, Status


class ReferralQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=[Status.SENT, Status.ACCEPTED])


class Referral(models.Model):
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="referrals")
    from_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="referrals_sent")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made", verbose_name="orienté par"
    )
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="referrals", verbose_name="lieu")
    service = models.CharField("service demandé", max_length=100)
    origin = models.CharField("depuis", max_length=20, choices=Origin.choices, default=Origin.RECORD)
    reason = models.CharField("motif de l'orientation", max_length=300)
    note = models.TextField("à savoir pour le lieu qui reçoit", max_length=1000, blank=True)
    status = models.CharField("état", max_length=20, choices=Status.choices, default=Status.SENT, db_index=True)
    decline_reason = models.CharField("motif du refus", max_length=20, choices=DeclineReason.choices, blank=True)
    decline_text = models.CharField("précision sur le refus", max_length=300, blank=True)
    created_at = models.DateTimeField("envoyée le", default=timezone.now, db_index=True)
    answered_at = models.DateTimeField("réponse le", null=True, blank=True)
    closed_at = models.DateTimeField("close le", null=True, blank=True)
    reminded_at = models.DateTimeField("relance le", null=True, blank=True)
    link_nonce = models.CharField(max_length=32)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["place", "status"]),
            models.Index(fields=["from_organisation", "status"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self):
        return f"Orientation n° {self.pk} ({self.get_status_display()})"


class ReferralEvent(models.Model):
    """One state change of a referral: who (an account, or the signed link), when, what."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField("état", max_length=20, choices=Status.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    via_link = models.BooleanField("par le lien reçu par e-mail", default=False)
    reminder = models.BooleanField("relance", default=False)

    class Meta:
        verbose_name = "événement d'une orientation"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_status_display()} — {self.at:%d/%m/%Y %H:%M}"
