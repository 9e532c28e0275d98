from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "tremplin.opendata"
    verbose_name = "Données ouvertes"
