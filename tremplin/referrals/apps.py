from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tremplin.referrals"
    verbose_name = "Orientations"
    default_auto_field = "django.db.models.BigAutoField"
