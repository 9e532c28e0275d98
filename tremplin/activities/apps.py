from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "tremplin.activities"
    label = "activities"
    verbose_name = "Accompagnements (comptes rendus d'activité)"
