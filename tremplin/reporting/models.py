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


# --- Statistics aggregates (tremplin.reporting.aggregates; helper C of issue 12) --------------------------------
# Exact pre-aggregated counts, kept up to date incrementally (PostgreSQL triggers queue what changed; the worker, or
# the next dashboard read, folds it in). Distinct people are not additive: a person counts in a row per (day, the
# previous day they were accompanied in that scope), so « people accompanied in [A, B] » is the sum of the rows with
# A ≤ day ≤ B whose previous day is before A (or none): each person has exactly one such first visit in the period.
# Scopes: "n" national (key ""), "o" organisation (key = id); "d" département (key = code) and "m" mediator (key =
# id) in the month tables only.


class _AggregateRow(models.Model):
    class Meta:
        abstract = True

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk}"


class ScopeType(models.TextChoices):
    NATIONAL = "n", "National"
    ORGANISATION = "o", "Organisation"
    DEPARTEMENT = "d", "Département"
    DEPARTEMENT_TOTAL = "D", "Département (totaux seuls)"
    MEDIATOR = "m", "Médiateur"


class PeopleDay(_AggregateRow):
    """Delta rows (compacted by the worker): `n` people of the scope accompanied on `day` whose previous accompaniment
    day in the scope was `previous` (none: their first)."""

    scope_type = models.CharField(max_length=1, choices=ScopeType.choices)
    scope_key = models.CharField(max_length=12, blank=True)
    day = models.DateField()
    previous = models.DateField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["scope_type", "scope_key", "day"], name="people_day_scope_n", include=["n"]),
            # « previous before A » of the first visits in a period: a range on `previous`.
            models.Index(
                fields=["scope_type", "scope_key", "previous", "day"], name="people_day_previous_n", include=["n"]
            ),
        ]


class PeopleMonth(_AggregateRow):
    """The same by month (first day), with the person's age band, gender and status; also by département and by
    mediator."""

    scope_type = models.CharField(max_length=1, choices=ScopeType.choices)
    scope_key = models.CharField(max_length=12, blank=True)
    month = models.DateField()
    previous = models.DateField(null=True)
    age_band = models.CharField(max_length=30, blank=True)
    gender = models.CharField(max_length=20, blank=True)
    social_status = models.CharField(max_length=20, blank=True)
    n = models.IntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["scope_type", "scope_key", "month"], name="people_month_scope_n", include=["n"]),
            models.Index(
                fields=["scope_type", "scope_key", "previous", "month"],
                name="people_month_previous_cov",
                include=["age_band", "gender", "social_status", "n"],
            ),
        ]


class ActivityMonth(_AggregateRow):
    """Activities of a scope in a month: `n` per (dimension, value) — "" (all), type, channel, duration, territory,
    theme, site, anonymous (head count of anonymous accompaniments), anon:<breakdown key>."""

    scope_type = models.CharField(max_length=1, choices=ScopeType.choices)
    scope_key = models.CharField(max_length=12, blank=True)
    month = models.DateField()
    dimension = models.CharField(max_length=24, blank=True)
    value = models.CharField(max_length=40, blank=True)
    n = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["scope_type", "scope_key", "dimension", "month"],
                name="activity_month_cov",
                include=["value", "n"],
            )
        ]


class ActivityDay(_AggregateRow):
    """Accompaniments of a scope on a day (the weekly series of the objectives)."""

    scope_type = models.CharField(max_length=1, choices=ScopeType.choices)
    scope_key = models.CharField(max_length=12, blank=True)
    day = models.DateField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["scope_type", "scope_key", "day"], name="activity_day_scope")]


class PersonFootprint(_AggregateRow):
    """What a person contributes to the aggregates as last folded in (JSON: days by scope, months by département,
    age band / gender / status), so that a change is folded in as the difference."""

    beneficiary_id = models.BigIntegerField(primary_key=True)
    state = models.TextField()


class PendingPerson(_AggregateRow):
    """A person whose participations or age band / gender / status changed (written by a database trigger)."""

    beneficiary_id = models.BigIntegerField()


class PendingActivity(_AggregateRow):
    """An activity's counted fields before (sign −1) or after (sign +1) a change (written by a database trigger)."""

    sign = models.SmallIntegerField()
    date = models.DateField()
    kind = models.CharField(max_length=20)
    organisation_id = models.BigIntegerField()
    departement_id = models.CharField(max_length=3, null=True)
    mediator_id = models.BigIntegerField(null=True)
    site_id = models.BigIntegerField(null=True)
    place_type = models.CharField(max_length=20)
    duration_minutes = models.IntegerField(null=True)
    territory_type = models.CharField(max_length=10)
    theme_bits = models.BigIntegerField()
    anonymous_count = models.IntegerField()
    anonymous_breakdown = models.JSONField(default=dict)


class AggregateState(_AggregateRow):
    """One row: whether the aggregates are complete (built by `aggregates.rebuild`, or empty from the start)."""

    built_at = models.DateTimeField(null=True)
