"""Workshops: the catalogue (programmes), dated sessions, and people's registrations."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Site

from .enums import (
    HOLDING_STATUSES,
    Attendance,
    Autonomy,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
    Thematique,
    WorkshopLevel,
)


def _acting_user(label: str) -> models.ForeignKey:
    """Who did something to the row (written by tremplin.workshops.services; kept when the account goes)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=label
    )


class Programme(models.Model):
    """A workshop in the catalogue: what people learn to do unaided."""

    title = models.CharField("intitulé", max_length=200)
    theme = models.CharField("thématique", max_length=60, choices=Thematique.choices)
    level = models.CharField("niveau", max_length=20, choices=WorkshopLevel.choices)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", default=90)
    objective = models.CharField(
        "objectif : la personne sait, seule…",
        max_length=300,
        help_text="Ex. : crée une adresse e-mail et envoie une pièce jointe.",
    )
    prerequisites = models.TextField("prérequis", blank=True)
    equipment = models.TextField("matériel", blank=True)
    is_active = models.BooleanField("au catalogue", default=True)
    # Key of the national programmes seeded by `seed_catalogue` (blank for the ones managers add).
    seed_key = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who created and last changed it (written by tremplin.workshops.services; empty: the national seed).
    created_by = _acting_user("créé par")
    updated_at = models.DateTimeField("modifié le", null=True, blank=True)
    updated_by = _acting_user("modifié par")

    class Meta:
        verbose_name = "atelier (programme)"
        verbose_name_plural = "ateliers (catalogue)"
        ordering = ["theme", "level", "title"]
        constraints = [
            models.UniqueConstraint(fields=["seed_key"], condition=~Q(seed_key=""), name="programme_unique_seed_key")
        ]

    def __str__(self):
        return f"{self.title} ({self.get_level_display()})"


class SessionSeries(models.Model):
    """A recurring series (e.g. every Tuesday for six weeks): its sessions point back to it."""

    label = models.CharField("libellé", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "série de séances"
        verbose_name_plural = "séries de séances"

    def __str__(self):
        return self.label


class SessionQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(status=SessionStatus.PLANNED, starts_at__gte=timezone.now())


class Session(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions")
    is_remote = models.BooleanField("à distance", default=False)
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    capacity = models.PositiveSmallIntegerField("places")
    equipment_lent = models.CharField("matériel prêté", max_length=200, blank=True)
    status = models.CharField("état", max_length=10, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    series = models.ForeignKey(SessionSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    # Who planned it and who last changed or cancelled it (written by tremplin.workshops.services).
    created_by = _acting_user("programmée par")
    updated_at = models.DateTimeField("modifiée le", null=True, blank=True)
    updated_by = _acting_user("modifiée par")

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["status", "starts_at"]),
            models.Index(fields=["mediator", "starts_at"]),
            models.Index(fields=["site", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(site__isnull=False) | Q(is_remote=True), name="session_site_or_remote"),
        ]

    def __str__(self):
        return f"{self.programme.title} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        """Holding a seat or a waitlist place: neither cancelled nor a request still to confirm."""
        return self.filter(status__in=HOLDING_STATUSES)

    def requested(self):
        return self.filter(status=RegistrationStatus.REQUESTED)

    def pending_requests(self, session=None):
        """Requests that can still be confirmed (of `session`, when given): their session is planned and has not
        started (after that they are void, see tremplin.workshops.services.registration_request), and the person
        does not hold it already (booked meanwhile by an agent: the request is dropped if confirmed)."""
        queryset = self if session is None else self.filter(session=session)
        held = Registration.objects.filter(
            session=OuterRef("session"), beneficiary=OuterRef("beneficiary"), status__in=HOLDING_STATUSES
        )
        return (
            queryset.requested()
            .filter(session__status=SessionStatus.PLANNED, session__starts_at__gt=timezone.now())
            .filter(~Exists(held))
            .select_related("beneficiary")
            .order_by("requested_at", "pk")
        )

    def confirmed(self):
        return self.filter(status=RegistrationStatus.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=RegistrationStatus.WAITLISTED).order_by("created_at", "pk")


class Registration(models.Model):
    # Indexed by the (session, status, created_at) index below.
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="registrations", db_index=False)
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField("état", max_length=12, choices=RegistrationStatus.choices)
    source = models.CharField("origine", max_length=10, choices=RegistrationSource.choices)
    created_at = models.DateTimeField("inscrit le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    promoted_at = models.DateTimeField("place obtenue le", null=True, blank=True)
    # The person said "I'll be there" through the link of their message.
    confirmed_by_person_at = models.DateTimeField("présence confirmée par la personne le", null=True, blank=True)
    callback_requested = models.BooleanField("souhaite être rappelé", default=False)
    # Secret of the confirm/cancel links sent to the person (no account needed).
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attendance = models.CharField("présence", max_length=10, choices=Attendance.choices, blank=True)
    autonomy_reached = models.CharField(
        "autonomie atteinte sur l'objectif", max_length=30, choices=Autonomy.choices, blank=True
    )
    # Who last marked the attendance (or the autonomy reached), and when.
    attendance_marked_at = models.DateTimeField("présence notée le", null=True, blank=True)
    attendance_marked_by = _acting_user("présence notée par")
    # A request from the public page: when it was made, and when and by whom it became a booking (nobody:
    # the person did, by the link of their message).
    requested_at = models.DateTimeField("demandée en ligne le", null=True, blank=True)
    request_confirmed_at = models.DateTimeField("demande validée le", null=True, blank=True)
    request_confirmed_by = _acting_user("demande validée par")

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        ordering = ["created_at", "pk"]
        constraints = [
            # One active registration per person and session (a second one is a 409, not a duplicate row).
            models.UniqueConstraint(
                fields=["session", "beneficiary"],
                condition=Q(status__in=HOLDING_STATUSES),
                name="registration_unique_active",
            ),
            # And at most one request still to confirm.
            models.UniqueConstraint(
                fields=["session", "beneficiary"],
                condition=Q(status=RegistrationStatus.REQUESTED),
                name="registration_unique_request",
            ),
        ]
        indexes = [models.Index(fields=["session", "status", "created_at"])]

    def __str__(self):
        return f"{self.beneficiary} → {self.session}"

    @property
    def request_dropped(self) -> bool:
        """A request from the public page that never became a booking (cancelled before, or not needed)."""
        return (
            self.status == RegistrationStatus.CANCELLED
            and self.requested_at is not None
            and self.request_confirmed_at is None
        )


class CalendarFeed(models.Model):
    """The secret address of a mediator's iCal feed (one per person; a new token revokes the old link)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.UUIDField(default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "agenda iCal"

    def __str__(self):
        return f"Agenda de {self.user}"
