"""Choices of screenings and diagnostics. Values are those of tremplin.diagnostics.scoring (Eurostat,
INSEE) and the official codes of La Coop de la médiation numérique (Thématique, Autonomie, NiveauAtelier)."""

from django.db import models

from tremplin.taxonomy.coop import Autonomy, Thematique, WorkshopLevel  # noqa: F401  (shared taxonomies)

from . import scoring


class AreaLevel(models.TextChoices):
    NONE = scoring.NONE, "Aucune compétence"
    BASIC = scoring.BASIC, "Compétences de base"
    ABOVE_BASIC = scoring.ABOVE_BASIC, "Plus que les compétences de base"


class OverallLevel(models.TextChoices):
    NOT_ASSESSABLE = scoring.NOT_ASSESSABLE, "Non évaluable (pas d'usage d'Internet depuis 3 mois)"
    NO_SKILLS = scoring.NO_SKILLS, "Aucune compétence numérique"
    LIMITED = scoring.LIMITED, "Compétences limitées (2 domaines sur 5)"
    NARROW = scoring.NARROW, "Compétences restreintes (3 domaines sur 5)"
    LOW = scoring.LOW, "Compétences faibles (4 domaines sur 5)"
    BASIC = scoring.BASIC, "Compétences de base"
    ABOVE_BASIC = scoring.ABOVE_BASIC, "Plus que les compétences de base"


class InseeClass(models.TextChoices):
    ILLECTRONISME = scoring.ILLECTRONISME, "Illectronisme"
    LOW_CAPACITY = scoring.CAPACITES_FAIBLES, "Capacités numériques faibles"
    AUTONOMOUS = scoring.AUTONOME, "Autonome"


class Area(models.TextChoices):
    INFORMATION = scoring.INFORMATION, "Chercher des informations"
    COMMUNICATION = scoring.COMMUNICATION, "Communiquer"
    CONTENT = scoring.CONTENT, "Créer des documents"
    SAFETY = scoring.SAFETY, "Se protéger"
    PROBLEM_SOLVING = scoring.PROBLEM_SOLVING, "Se débrouiller en ligne"


AUTONOMY_RANK = {value: rank for rank, value in enumerate(scoring.AUTONOMY_LEVELS, start=1)}


# What each theme means for the person, in very simple words (PDF and result page).
THEME_PLAIN_WORDS = {
    Thematique.PRENDRE_EN_MAIN_DU_MATERIEL: "Utiliser un téléphone, une tablette ou un ordinateur",
    Thematique.MAINTENANCE_DE_MATERIEL: "Installer et mettre à jour ses applications",
    Thematique.GERE_SES_CONTENUS_NUMERIQUES: "Ranger et retrouver ses photos et documents",
    Thematique.NAVIGATION_SUR_INTERNET: "Chercher des informations sur Internet",
    Thematique.EMAIL: "Envoyer et lire des e-mails",
    Thematique.BUREAUTIQUE: "Écrire un courrier ou un document",
    Thematique.RESEAUX_SOCIAUX: "Garder le contact avec ses proches",
    Thematique.SANTE: "Prendre rendez-vous et se soigner en ligne (Ameli, Doctolib…)",
    Thematique.BANQUE_ET_ACHATS_EN_LIGNE: "Faire ses achats et ses comptes en ligne",
    Thematique.SECURITE_NUMERIQUE: "Se protéger des arnaques sur Internet",
    Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES: "Faire ses démarches en ligne (CAF, impôts, retraite…)",
}


class NextStep(models.TextChoices):
    DIAGNOSTIC = scoring.DIAGNOSTIC, "Proposer un diagnostic numérique avec un médiateur"
    WORKSHOP = scoring.WORKSHOP, "Proposer un atelier"
    PARTNER = scoring.PARTNER, "Orienter vers un partenaire (accès à un équipement)"
    NOTHING = scoring.NOTHING, "Rien à proposer pour l'instant"
