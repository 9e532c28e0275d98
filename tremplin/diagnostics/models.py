"""Counter screenings and digital-skills diagnostics (results keep the questionnaire version used)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tremplin.beneficiaries.models import Beneficiary
from tremplin.network.models import Organisation, Site

from . import scoring
from .enums import AreaLevel, InseeClass, NextStep, OverallLevel, WorkshopLevel


class ScreeningQuerySet(models.QuerySet):
    def fragile(self):
        return self.filter(fragile=True)

    def anonymous(self):
        return self.filter(beneficiary__isnull=True)


class Screening(models.Model):
    """A one-minute screening at the counter, for a walk-in (no record) or a known person."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, null=True, blank=True, related_name="screenings"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="screenings")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="screenings")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="fait par"
    )
    performed_at = models.DateTimeField("le", default=timezone.now, db_index=True)
    used_internet = models.BooleanField("a utilisé Internet ces 3 derniers mois")
    has_email = models.BooleanField("a une adresse e-mail consultée")
    struggles_online = models.BooleanField("gêné(e) pour les démarches en ligne")
    has_device = models.BooleanField("a un smartphone, une tablette ou un ordinateur")
    fragile = models.BooleanField("fragilité numérique repérée")
    next_step = models.CharField("suite proposée", max_length=20, choices=NextStep.choices)

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        verbose_name = "repérage au guichet"
        verbose_name_plural = "repérages au guichet"
        ordering = ["-performed_at", "-pk"]

    def __str__(self):
        return f"Repérage du {self.performed_at:%d/%m/%Y} — {self.get_next_step_display()}"


class DiagnosticQuerySet(models.QuerySet):
    def illectronic(self):
        return self.filter(insee=InseeClass.ILLECTRONISME)


def _area_field(label):
    return models.CharField(label, max_length=12, choices=AreaLevel.choices)


class Diagnostic(models.Model):
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="diagnostics")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="diagnostics")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="diagnostics")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="fait par"
    )
    performed_at = models.DateTimeField("le", default=timezone.now, db_index=True)
    questionnaire_id = models.CharField("questionnaire", max_length=40)
    questionnaire_version = models.CharField("version du questionnaire", max_length=20)
    internet_last_3_months = models.BooleanField("a utilisé Internet ces 3 derniers mois")
    answers = models.JSONField("activités faites (identifiants)", default=list, blank=True)
    information = _area_field("chercher des informations")
    communication = _area_field("communiquer")
    content = _area_field("créer des documents")
    safety = _area_field("se protéger")
    problem_solving = _area_field("se débrouiller en ligne")
    overall = models.CharField("niveau global (Eurostat)", max_length=16, choices=OverallLevel.choices)
    insee = models.CharField("classe INSEE", max_length=20, choices=InseeClass.choices, db_index=True)
    use_cases = models.JSONField("autonomie par usage", default=dict, blank=True)
    equipment = models.JSONField("équipement", default=list, blank=True)
    recommended_themes = models.JSONField("thématiques recommandées", default=list, blank=True)
    # Blank: no workshop of the catalogue answers the needs (or there are none).
    recommended_level = models.CharField("niveau recommandé", max_length=15, choices=WorkshopLevel.choices, blank=True)

    objects = DiagnosticQuerySet.as_manager()

    class Meta:
        verbose_name = "diagnostic numérique"
        verbose_name_plural = "diagnostics numériques"
        ordering = ["-performed_at", "-pk"]
        indexes = [models.Index(fields=["beneficiary", "performed_at"])]

    def __str__(self):
        return f"Diagnostic du {self.performed_at:%d/%m/%Y} — {self.get_insee_display()}"

    @property
    def area_levels(self) -> dict[str, str]:
        return {area: getattr(self, area) for area in scoring.AREAS}
