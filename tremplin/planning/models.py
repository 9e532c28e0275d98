"""Deployment scenarios: the parameters a manager chose, and the plan the solver returned."""

from django.conf import settings
from django.db import models

from .enums import ScenarioStatus


class ScenarioQuerySet(models.QuerySet):
    def done(self):
        return self.filter(status=ScenarioStatus.DONE)


class Scenario(models.Model):
    name = models.CharField("nom", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="scenarios"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    params = models.JSONField("paramètres")
    status = models.CharField("état", max_length=10, choices=ScenarioStatus.choices, default=ScenarioStatus.QUEUED)
    progress_stage = models.CharField("étape", max_length=100, blank=True)
    progress = models.FloatField("avancement", default=0)
    error = models.TextField("erreur", blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # The plan: plan.json of `plan_deployment`, enriched with per-mediator and per-département figures.
    result = models.JSONField("plan", null=True, blank=True)
    objective = models.FloatField("objectif", null=True, blank=True)
    upper_bound = models.FloatField("borne supérieure prouvée", null=True, blank=True)
    gap = models.FloatField("écart relatif", null=True, blank=True)
    reached_population = models.PositiveBigIntegerField("population atteinte", null=True, blank=True)
    reached_fragile = models.FloatField("population fragile atteinte", null=True, blank=True)
    # Coverage vs number of mediators: {"status", "progress", "stage", "error", "points": [...]} (see curve_run).
    curve = models.JSONField("courbe couverture / nombre de médiateurs", null=True, blank=True)
    # Idempotency token of the form that created the scenario: a double submit finds the first scenario.
    submission_token = models.CharField("jeton d'envoi", max_length=64, null=True, blank=True, unique=True)

    objects = ScenarioQuerySet.as_manager()

    class Meta:
        verbose_name = "scénario de déploiement"
        verbose_name_plural = "scénarios de déploiement"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        return self.name
