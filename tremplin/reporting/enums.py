from django.db import models


class ObjectiveScope(models.TextChoices):
    PROGRAMME = "programme", "Programme (national)"
    DEPARTEMENT = "departement", "Département"
    SITE = "site", "Lieu"
    MEDIATOR = "mediateur", "Médiateur"


class ObjectiveMeasure(models.TextChoices):
    PEOPLE = "personnes", "Personnes accompagnées (différentes)"
    ACCOMPANIMENTS = "accompagnements", "Accompagnements"
