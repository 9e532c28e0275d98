from django.db import models


class OrganisationKind(models.TextChoices):
    LA_POSTE = "la_poste", "La Poste"
    ASSOCIATION = "association", "Association partenaire"
    LOCAL_AUTHORITY = "collectivite", "Collectivité territoriale"
    STATE = "etat", "Service de l'État"
    OTHER = "autre", "Autre structure"


class SiteKind(models.TextChoices):
    POST_OFFICE = "bureau_de_poste", "Bureau de poste"
    COMMUNAL_POSTAL_AGENCY = "agence_postale_communale", "Agence postale communale"
    INTERCOMMUNAL_POSTAL_AGENCY = "agence_postale_intercommunale", "Agence postale intercommunale"
    POSTAL_RELAY = "relais_poste", "Relais poste commerçant"
    MILITARY_POSTAL_AGENCY = "agence_postale_militaire", "Agence postale militaire"
    ETAPE_NUMERIQUE = "etape_numerique", "Espace Étape numérique"
    FRANCE_SERVICES = "france_services", "France services"
    PARTNER_PLACE = "lieu_partenaire", "Lieu partenaire"


POSTAL_KINDS = (
    SiteKind.POST_OFFICE,
    SiteKind.COMMUNAL_POSTAL_AGENCY,
    SiteKind.INTERCOMMUNAL_POSTAL_AGENCY,
    SiteKind.POSTAL_RELAY,
    SiteKind.MILITARY_POSTAL_AGENCY,
)


class SiteSource(models.TextChoices):
    LA_POSTE = "laposte", "La Poste — points de contact"
    FRANCE_SERVICES = "france_services", "ANCT — France services"
    MANUAL = "saisie", "Saisie dans Tremplin"
