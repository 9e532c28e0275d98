from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "tremplin.reporting"
    label = "reporting"
    verbose_name = "Pilotage (objectifs, statistiques, exports)"

    def ready(self):
        # Keep the statistics aggregates (PostgreSQL) up to date soon after each activity is written or removed.
        from django.db.models.signals import post_delete, post_save

        from tremplin.activities.models import Activity

        from .tasks import statistics_refresh_soon

        post_save.connect(statistics_refresh_soon, sender=Activity, dispatch_uid="statistics_refresh_saved")
        post_delete.connect(statistics_refresh_soon, sender=Activity, dispatch_uid="statistics_refresh_deleted")
