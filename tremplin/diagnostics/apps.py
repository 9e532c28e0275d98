from django.apps import AppConfig


class DiagnosticsConfig(AppConfig):
    name = "tremplin.diagnostics"
    verbose_name = "Repérage et diagnostic"
