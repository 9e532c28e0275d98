from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "tremplin.planning"
    verbose_name = "Planification du déploiement"
