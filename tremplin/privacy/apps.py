from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tremplin.privacy"
    verbose_name = "Données personnelles (RGPD)"
    default_auto_field = "django.db.models.BigAutoField"
