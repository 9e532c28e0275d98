"""La Coop de la médiation numérique's activity-report (CRA) enumerations (coop-enums.md §1).

Values are the codes stored by La Coop, labels its French labels, in its order, so that our records, exports and
statistics stay comparable with the national tool."""

from django.db import models


class Thematique(models.TextChoices):
    """Coop `Thematique`: mediation themes (§1.4 A). `aide_aux_demarches_administratives` opens the
    administrative sub-themes (`AdministrativeTheme`)."""

    DIAGNOSTIC_NUMERIQUE = "diagnostic_numerique", "Diagnostic numérique"
    PRENDRE_EN_MAIN_DU_MATERIEL = "prendre_en_main_du_materiel", "Prendre en main du matériel"
    MAINTENANCE_DE_MATERIEL = "maintenance_de_materiel", "Maintenance de matériel"
    GERE_SES_CONTENUS_NUMERIQUES = "gere_ses_contenus_numeriques", "Gérer ses contenus numériques"
    NAVIGATION_SUR_INTERNET = "navigation_sur_internet", "Navigation sur internet"
    EMAIL = "email", "E-mail"
    BUREAUTIQUE = "bureautique", "Bureautique"
    RESEAUX_SOCIAUX = "reseaux_sociaux", "Réseaux sociaux communication"
    SANTE = "sante", "Santé"
    BANQUE_ET_ACHATS_EN_LIGNE = "banque_et_achats_en_ligne", "Banque et achats en ligne"
    ENTREPRENEURIAT = "entrepreneuriat", "Accompagner un professionnel"
    INSERTION_PROFESSIONNELLE = "insertion_professionnelle", "Insertion professionnelle"
    SECURITE_NUMERIQUE = "securite_numerique", "Prévention en sécurité numérique"
    PARENTALITE = "parentalite", "Parentalité"
    SCOLARITE_ET_NUMERIQUE = "scolarite_et_numerique", "Scolarité et numérique"
    CREER_AVEC_LE_NUMERIQUE = "creer_avec_le_numerique", "Créer avec le numérique"
    CULTURE_NUMERIQUE = "culture_numerique", "Culture numérique"
    INTELLIGENCE_ARTIFICIELLE = "intelligence_artificielle", "Intelligence artificielle (IA)"
    AIDE_AUX_DEMARCHES_ADMINISTRATIVES = "aide_aux_demarches_administratives", "Aide aux démarches administratives"


class AdministrativeTheme(models.TextChoices):
    """Coop « Thématiques démarches administratives » (§1.4 B): only with `aide_aux_demarches_administratives`.
    The mandate categories use the same codes (tremplin.mandates.enums.Category)."""

    PAPIERS_ELECTIONS_CITOYENNETE = "papiers_elections_citoyennete", "Papiers - Élections - Citoyenneté"
    FAMILLE_SCOLARITE = "famille_scolarite", "Famille - Scolarité"
    SOCIAL_SANTE = "social_sante", "Social - Santé"
    TRAVAIL_FORMATION = "travail_formation", "Travail - Formation - Entreprise"
    LOGEMENT = "logement", "Logement"
    TRANSPORTS_MOBILITE = "transports_mobilite", "Transports - Mobilité"
    ARGENT_IMPOTS = "argent_impots", "Argent - Impôts"
    JUSTICE = "justice", "Justice"
    ETRANGERS_EUROPE = "etrangers_europe", "Étrangers - Europe"
    LOISIRS_SPORTS_CULTURE = "loisirs_sports_culture", "Loisirs - Sports - Culture"
    ASSOCIATIONS = "associations", "Associations"


class Autonomy(models.TextChoices):
    """Coop `Autonomie` (3 levels, 1 to 3 stars)."""

    FULLY_ACCOMPANIED = "entierement_accompagne", "Avec guidage"
    PARTLY_AUTONOMOUS = "partiellement_autonome", "Autonome avec guidage en cas de besoin"
    AUTONOMOUS = "autonome", "Autonome"


class WorkshopLevel(models.TextChoices):
    """Coop `NiveauAtelier`."""

    BEGINNER = "debutant", "Débutant"
    INTERMEDIATE = "intermediaire", "Intermédiaire"
    ADVANCED = "avance", "Avancé"


class PlaceType(models.TextChoices):
    """Coop `TypeLieu` (« Canaux d'accompagnement », §1.2), in the order of the Coop's form."""

    ACTIVITY_PLACE = "lieu_activite", "Lieu d’activité"
    HOME = "domicile", "À domicile"
    REMOTE = "a_distance", "À distance"
    OTHER = "autre", "Autre lieu"


class Equipment(models.TextChoices):
    """Coop `Materiel` (several can be chosen, §1.3)."""

    COMPUTER = "ordinateur", "Ordinateur"
    PHONE = "telephone", "Téléphone"
    TABLET = "tablette", "Tablette"
    OTHER = "autre", "Autre"
    NONE = "aucun", "Pas de matériel"


class StructureKind(models.TextChoices):
    """Coop `StructureDeRedirection` (§1.6): the kind of structure a person was referred to."""

    ADMINISTRATION = "administration", "Administration (mairie, préfecture…)"
    DIGITAL_MEDIATION = "mediation_numerique", "Autre structure de médiation numérique"
    OPERATOR = "operateur_ou_organisme_en_charge", "Opérateur ou organisme en charge de la démarche administrative"
    SOCIAL_AID = "aide_sociale", "Structure d’aide sociale (maison des solidarités, centre social…)"
    EMPLOYMENT = (
        "insertion_professionnelle",
        "Structure d’insertion professionnelle (France Travail, mission locale, chambre de commerce…)",
    )
    PROCEDURES_HELP = (
        "aide_aux_demarches_administratives",
        "Structure d’aide aux démarches administratives (France Services…)",
    )
    OTHER = "autre", "Autre"


class DurationBand(models.TextChoices):
    """The Coop's statistics buckets of a duration (§1.8)."""

    UNDER_30 = "moins_30", "Moins de 30 min"
    FROM_30_TO_60 = "30_60", "30 min à 1 h"
    FROM_60_TO_120 = "60_120", "1 h à 2 h"
    OVER_120 = "120_plus", "2 h et plus"


DURATION_PRESETS = (15, 30, 45, 60, 90, 120)


def duration_band(minutes: int | None) -> str:
    """The Coop bucket of a duration in minutes ("" when unknown)."""
    if minutes is None:
        return ""
    if minutes < 30:
        return DurationBand.UNDER_30
    if minutes < 60:
        return DurationBand.FROM_30_TO_60
    if minutes < 120:
        return DurationBand.FROM_60_TO_120
    return DurationBand.OVER_120
