from django.db import models


class Role(models.TextChoices):
    NATIONAL_MANAGER = "pilote_national", "Pilote national du programme"
    COORDINATOR = "coordinateur", "Coordinateur départemental"
    MEDIATOR = "mediateur", "Médiateur numérique"
    COUNTER_AGENT = "guichetier", "Chargé de clientèle (guichet)"
    PARTNER_STAFF = "partenaire", "Structure partenaire"
    ADMINISTRATOR = "administrateur", "Administrateur"


NATIONAL_ROLES = (Role.NATIONAL_MANAGER, Role.ADMINISTRATOR)


class SecurityAction(models.TextChoices):
    """What the security journal records about an account's second factor."""

    TOTP_ENABLED = "totp_active", "Double authentification activée"
    TOTP_DISABLED = "totp_retire", "Double authentification retirée"
    CODE_REFUSED = "code_refuse", "Code de vérification refusé"
    LOCKED = "verrouillage", "Vérification verrouillée (trop de codes erronés)"
