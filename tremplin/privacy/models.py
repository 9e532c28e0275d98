"""The journal of the retention runs (`apply_retention`): when, what was done, by the system actor « retention ».

One row per run. A daily run (`apply_retention --daily`, from the worker's loop) takes the row of its day first:
the unique constraint makes a second daily run of the same day, on this or any other machine, stop at once.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

SYSTEM_ACTOR = "retention"


class RetentionRun(models.Model):
    day = models.DateField("jour", default=timezone.localdate)
    started_at = models.DateTimeField("commencée le", default=timezone.now)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    daily = models.BooleanField("passage quotidien", default=False)
    dry_run = models.BooleanField("simulation", default=False)
    actor = models.CharField("par", max_length=40, default=SYSTEM_ACTOR)
    # {"people_anonymised": 12, "api_tokens_deleted": 3, …}: counts only, never an identifier of a person.
    counts = models.JSONField("résultat", default=dict, blank=True)

    class Meta:
        verbose_name = "passage de la conservation des données"
        verbose_name_plural = "passages de la conservation des données"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["day"], condition=Q(daily=True), name="retention_run_once_a_day")
        ]

    def __str__(self):
        return f"{self.started_at:%d/%m/%Y %H:%M} — {'simulation' if self.dry_run else 'appliquée'}"
