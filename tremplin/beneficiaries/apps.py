from django.apps import AppConfig


class BeneficiariesConfig(AppConfig):
    name = "tremplin.beneficiaries"
    verbose_name = "Personnes accompagnées"
