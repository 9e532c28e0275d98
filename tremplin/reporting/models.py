"""Steering: objectives, coordinators' teams (with dates, so that a mediator who left still counts up to the day
they left), and read-only links to a dashboard view."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Departement

from .enums import ObjectiveMeasure, ObjectiveScope


class Objective(models.Model):
    """A target of people (or of accompaniments) by a deadline, for the programme (an organisation's whole network),
    a département, a site or a mediator. La Poste: 320 000 people accompanied by 31/12/2023."""

    label = models.CharField("intitulé", max_length=200)
    scope = models.CharField("périmètre", max_length=12, choices=ObjectiveScope.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="objectives", verbose_name="programme de"
    )
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="objectives"
    )
    measure = models.CharField("mesure", max_length=16, choices=ObjectiveMeasure.choices)
    target = models.PositiveIntegerField("cible")
    starts_on = models.DateField("depuis le")
    deadline = models.DateField("échéance")
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    class Meta:
        verbose_name = "objectif"
        ordering = ["deadline", "scope", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gte=1), name="objective_target_positive"),
            models.CheckConstraint(condition=Q(deadline__gt=models.F("starts_on")), name="objective_deadline_after"),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope=ObjectiveScope.PROGRAMME,
                        departement__isnull=True,
                        site__isnull=True,
                        mediator__isnull=True,
                    )
                    | Q(
                        scope=ObjectiveScope.DEPARTEMENT,
                        departement__isnull=False,
                        site__isnull=True,
                        mediator__isnull=True,
                    )
                    | Q(scope=ObjectiveScope.SITE, site__isnull=False, departement__isnull=True, mediator__isnull=True)
                    | Q(
                        scope=ObjectiveScope.MEDIATOR,
                        mediator__isnull=False,
                        departement__isnull=True,
                        site__isnull=True,
                    )
                ),
                name="objective_scope_matches",
            ),
        ]

    def __str__(self):
        return self.label


class Team(models.Model):
    """A coordinator's team of mediators."""

    name = models.CharField("nom", max_length=200)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="coordinated_teams",
        verbose_name="coordinateur",
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")

    class Meta:
        verbose_name = "équipe"
        ordering = ["name"]

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    """A mediator in a team from `joined_on` to `left_on` (included; empty: still in it). Their activities count for
    the team on those days only."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships")
    joined_on = models.DateField("arrivé le")
    left_on = models.DateField("parti le", null=True, blank=True)

    class Meta:
        verbose_name = "membre d'équipe"
        ordering = ["joined_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")), name="team_member_dates"
            )
        ]

    def __str__(self):
        return f"{self.mediator} — {self.team}"


def new_share_token() -> str:
    return secrets.token_urlsafe(24)


class ShareLink(models.Model):
    """A read-only link to one dashboard view (its filters frozen), for a funder or an elected official without an
    account. Aggregates only, small cells suppressed; revocable, with an end date."""

    token = models.CharField(max_length=64, unique=True, default=new_share_token, editable=False)
    label = models.CharField("pour qui", max_length=200)
    filters = models.JSONField("filtres", default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("créé le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au")
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)
    last_used_at = models.DateTimeField("dernière consultation", null=True, blank=True)

    class Meta:
        verbose_name = "lien de partage d'un tableau de bord"
        verbose_name_plural = "liens de partage des tableaux de bord"
        ordering = ["-created_at"]

    def __str__(self):
        return self.label

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
