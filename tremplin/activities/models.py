"""Activity records (« comptes rendus d'activité », compatible with La Coop de la médiation numérique).

One `Activity` per accompaniment, workshop session, diagnostic, counter screening, referral or démarche done under
a mandate. The people it concerns are its `Participant` rows (none for an anonymous accompaniment: its
`anonymous_count` and breakdown say who came). A participant row repeats the activity's date, kind, organisation,
département and mediator, so that « how many different people » is one indexed count over one table.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone

from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Commune, Departement

from .enums import (
    ACCOMPANIMENT_KINDS,
    AdministrativeTheme,
    Autonomy,
    Kind,
    PlaceType,
    StructureKind,
    TerritoryType,
    Thematique,
    WorkshopLevel,
)

# One bit per theme (mediation themes, then administrative themes from bit 32): filtering by theme is one integer
# test on both engines, without a join.
THEME_BITS = {value: 1 << index for index, value in enumerate(Thematique.values)}
THEME_BITS.update({value: 1 << (32 + index) for index, value in enumerate(AdministrativeTheme.values)})


def theme_bits(themes, admin_themes=()) -> int:
    bits = 0
    for value in (*themes, *admin_themes):
        bits |= THEME_BITS.get(value, 0)
    return bits


class ActivityQuerySet(models.QuerySet):
    def accompaniments(self):
        """The activities that accompany a person (see enums.ACCOMPANIMENT_KINDS)."""
        return self.filter(kind__in=ACCOMPANIMENT_KINDS)

    def between(self, date_from=None, date_to=None):
        queryset = self
        if date_from:
            queryset = queryset.filter(date__gte=date_from)
        if date_to:
            queryset = queryset.filter(date__lte=date_to)
        return queryset

    def with_theme(self, theme: str):
        bit = THEME_BITS.get(theme)
        if bit is None:
            return self.none()
        # The bit as a bigint: PostgreSQL would bind a plain int as integer and lose the bits from 32 up.
        mask = Value(bit, output_field=models.BigIntegerField())
        return self.alias(_theme_bit=F("theme_bits").bitand(mask)).filter(_theme_bit__gt=0)


class Activity(models.Model):
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="activities", verbose_name="organisation", db_index=False
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name="médiateur",
        db_index=False,
    )
    date = models.DateField("date", default=timezone.localdate)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", null=True, blank=True)
    place_type = models.CharField("canal", max_length=20, choices=PlaceType.choices, blank=True)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="activities", verbose_name="lieu d'activité"
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="activities", verbose_name="commune"
    )
    # Where it took place, kept from the site or the commune when recorded (counts by territory need no join).
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    territory_type = models.CharField("type de territoire", max_length=10, choices=TerritoryType.choices, blank=True)
    equipment = models.JSONField("matériel", default=list, blank=True)
    themes = models.JSONField("thématiques", default=list, blank=True)
    admin_themes = models.JSONField("thématiques démarches administratives", default=list, blank=True)
    theme_bits = models.BigIntegerField(default=0, editable=False)
    procedure = models.CharField("précisions sur la démarche", max_length=200, blank=True)
    autonomy = models.CharField("niveau d'autonomie", max_length=30, choices=Autonomy.choices, blank=True)
    referred = models.BooleanField("bénéficiaire réorienté", default=False)
    structure_kind = models.CharField(
        "structure de redirection", max_length=40, choices=StructureKind.choices, blank=True
    )
    title = models.CharField("nom de l'atelier", max_length=200, blank=True)
    level = models.CharField("niveau de l'atelier", max_length=20, choices=WorkshopLevel.choices, blank=True)
    notes = models.TextField("notes", blank=True, help_text="Jamais de donnée de santé ni d'information superflue.")
    # People who came without a record: their number and what is known of them ({"genre": {...}, "tranche_age":
    # {...}, "statut_social": {...}}, values counted; the rest is « non communiqué »).
    anonymous_count = models.PositiveIntegerField("participants anonymes", default=0)
    anonymous_breakdown = models.JSONField("répartition des participants anonymes", default=dict, blank=True)
    # What the record comes from, when another service wrote it (one record per source).
    session = models.OneToOneField(
        "workshops.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="activity"
    )
    diagnostic = models.OneToOneField(
        "diagnostics.Diagnostic", on_delete=models.PROTECT, null=True, blank=True, related_name="activity"
    )
    screening = models.OneToOneField(
        "diagnostics.Screening", on_delete=models.PROTECT, null=True, blank=True, related_name="activity"
    )
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="activity"
    )
    mandate_use = models.OneToOneField(
        "mandates.MandateUse", on_delete=models.PROTECT, null=True, blank=True, related_name="activity"
    )
    # The « ID CRA » of a record imported from La Coop: a re-import updates it in place.
    coop_id = models.CharField("identifiant La Coop", max_length=64, blank=True)
    created_at = models.DateTimeField("enregistré le", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    updated_at = models.DateTimeField("modifié le", default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "activité"
        ordering = ["-date", "-pk"]
        indexes = [
            models.Index(fields=["date"], name="activity_date"),
            models.Index(fields=["departement", "date"], name="activity_departement_date"),
            models.Index(fields=["organisation", "date"], name="activity_organisation_date"),
            models.Index(fields=["mediator", "date"], name="activity_mediator_date"),
            models.Index(fields=["site", "date"], name="activity_site_date"),
            models.Index(fields=["updated_at", "id"], name="activity_updated"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["coop_id"], condition=~Q(coop_id=""), name="activity_unique_coop_id"),
            models.CheckConstraint(condition=Q(anonymous_count__lte=1000), name="activity_anonymous_bounded"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} du {self.date:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        self.theme_bits = theme_bits(self.themes or (), self.admin_themes or ())
        super().save(*args, **kwargs)

    @property
    def is_recorded_by_hand(self) -> bool:
        return self.kind in (Kind.INDIVIDUAL, Kind.COLLECTIVE) and self.session_id is None


class ParticipantQuerySet(models.QuerySet):
    def accompaniments(self):
        return self.filter(kind__in=ACCOMPANIMENT_KINDS)

    def between(self, date_from=None, date_to=None):
        queryset = self
        if date_from:
            queryset = queryset.filter(date__gte=date_from)
        if date_to:
            queryset = queryset.filter(date__lte=date_to)
        return queryset

    def people(self) -> int:
        """How many different people (a person counts once; merged records point to the kept one)."""
        return self.values("beneficiary_id").distinct().count()


class Participant(models.Model):
    """One person in one activity. Date, kind, organisation, département and mediator repeat the activity's
    (kept in step by tremplin.activities.services)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants")
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="participations", db_index=False
    )
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = "participant"
        indexes = [
            models.Index(fields=["beneficiary", "date"], name="participant_person_date"),
            models.Index(fields=["date", "beneficiary"], name="participant_date_person"),
            models.Index(fields=["departement", "date", "beneficiary"], name="participant_dep_date"),
            models.Index(fields=["organisation", "date", "beneficiary"], name="participant_org_date"),
            models.Index(fields=["mediator", "date", "beneficiary"], name="participant_mediator_date"),
        ]

    def __str__(self):
        return f"{self.beneficiary_id} — {self.activity}"
