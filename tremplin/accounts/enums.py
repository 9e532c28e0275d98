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
    RECOVERY_CODES_GENERATED = "codes_secours", "Nouveaux codes de secours générés"
    RECOVERY_CODE_USED = "code_secours_utilise", "Code de secours utilisé"
    TOTP_CARD_ASSIGNED = "carte_totp", "Carte TOTP attribuée"
