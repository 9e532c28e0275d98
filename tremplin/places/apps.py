from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "tremplin.places"
    verbose_name = "Lieux de médiation numérique"
    default_auto_field = "django.db.models.BigAutoField"
