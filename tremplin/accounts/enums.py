from django.db import models


class Role(models.TextChoices):
    NATIONAL_MANAGER = "pilote_national", "Pilote national du programme"
    COORDINATOR = "coordinateur", "Coordinateur départemental"
    MEDIATOR = "mediateur", "Médiateur numérique"
    COUNTER_AGENT = "guichetier", "Chargé de clientèle (guichet)"
    PARTNER_STAFF = "partenaire", "Structure partenaire"
    ADMINISTRATOR = "administrateur", "Administrateur"


NATIONAL_ROLES = (Role.NATIONAL_MANAGER, Role.ADMINISTRATOR)
