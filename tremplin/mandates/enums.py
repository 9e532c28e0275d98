"""Choices of mandates, habilitation and the journal (values are the national codes where one exists)."""

from datetime import timedelta

from django.db import models


class Category(models.TextChoices):
    """Démarche categories an authorisation covers: La Coop's administrative themes (coop-enums.md §B),
    the same ten families as Aidants Connect's démarches."""

    PAPERS = "papiers_elections_citoyennete", "Papiers - Élections - Citoyenneté"
    FAMILY = "famille_scolarite", "Famille - Scolarité"
    SOCIAL_HEALTH = "social_sante", "Social - Santé"
    WORK = "travail_formation", "Travail - Formation"
    HOUSING = "logement", "Logement"
    TRANSPORT = "transports_mobilite", "Transports - Mobilité"
    MONEY = "argent_impots", "Argent - Impôts"
    JUSTICE = "justice", "Justice"
    FOREIGNERS = "etrangers_europe", "Étrangers - Europe"
    LEISURE = "loisirs_sports_culture", "Loisirs - Sports - Culture"


# What each category covers, in plain words: the mandate form and the printed mandate.
CATEGORY_EXAMPLES = {
    Category.PAPERS: "carte d'identité, passeport, inscription sur les listes électorales, recensement citoyen",
    Category.FAMILY: "allocations familiales (CAF), inscription à l'école ou à la cantine, bourses scolaires",
    Category.SOCIAL_HEALTH: "Assurance maladie (ameli), carte Vitale, complémentaire santé solidaire, RSA, retraite",
    Category.WORK: "France Travail (inscription, actualisation), compte personnel de formation",
    Category.HOUSING: "aides au logement (APL), demande de logement social, chèque énergie",
    Category.TRANSPORT: "permis de conduire, carte grise, amendes, cartes de transport",
    Category.MONEY: "déclaration de revenus, impôts, prélèvement à la source, avis d'imposition",
    Category.JUSTICE: "extrait de casier judiciaire, aide juridictionnelle, pré-plainte en ligne",
    Category.FOREIGNERS: "titre de séjour, naturalisation, démarches de l'Union européenne",
    Category.LEISURE: "pass Culture, pass Sport, permis de chasse ou de pêche",
}


class Duration(models.TextChoices):
    DAY = "jour", "Une journée"
    MONTH = "mois", "Un mois"
    SIX_MONTHS = "six_mois", "Six mois"
    YEAR = "douze_mois", "Douze mois"


# Days a mandate lasts from its signature (Aidants Connect: 1, 31, 182, 365). A one-day mandate ends at midnight.
DURATION_DAYS = {Duration.DAY: 1, Duration.MONTH: 31, Duration.SIX_MONTHS: 182, Duration.YEAR: 365}
# "Long" mandates get a warning to the organisation's mediators this long before they end.
LONG_DURATIONS = (Duration.SIX_MONTHS, Duration.YEAR)
EXPIRY_WARNING = timedelta(days=30)
# A mandate may be renewed unless it expired or was revoked more than this long ago.
RENEWAL_WINDOW = timedelta(days=365)


class Status(models.TextChoices):
    """Where a mandate stands (stored; `valid` is also bounded by `ends_at`, see MandateQuerySet.valid)."""

    AWAITING_SIGNATURE = "a_signer", "À signer"
    SIGNED = "signe", "Signé"
    CANCELLED = "abandonne", "Abandonné avant signature"
    REVOKED = "revoque", "Révoqué"
    EXPIRED = "expire", "Expiré"
    RENEWED = "renouvele", "Renouvelé (remplacé par un nouveau mandat)"
    TRANSFERRED = "transfere", "Transféré à une autre organisation"


class SignatureMethod(models.TextChoices):
    PAPER = "papier", "Mandat imprimé, signé à la main"
    TABLET = "tablette", "Signé sur la tablette"


class IdentityMethod(models.TextChoices):
    FRANCECONNECT = "franceconnect", "FranceConnect"
    DOCUMENT = "piece", "Pièce d'identité présentée"


class IdentityDocument(models.TextChoices):
    """Which identity document the mediator saw (never a copy of it)."""

    ID_CARD = "cni", "Carte nationale d'identité"
    PASSPORT = "passeport", "Passeport"
    RESIDENCE_PERMIT = "titre_sejour", "Titre de séjour"
    DRIVING_LICENCE = "permis", "Permis de conduire"
    OTHER = "autre", "Autre document officiel avec photo"


class RevocationBy(models.TextChoices):
    ORGANISATION = "organisation", "Par l'organisation"
    PERSON = "personne", "À la demande de la personne"


class Outcome(models.TextChoices):
    """What came of a démarche done for the person."""

    DONE = "faite", "Faite"
    STARTED = "commencee", "Commencée, à terminer"
    NOT_DONE = "non_faite", "Pas pu être faite"


class HabilitationStatus(models.TextChoices):
    REQUESTED = "demandee", "Demandée"
    IN_TRAINING = "en_formation", "En formation"
    HABILITATED = "habilite", "Habilité"
    SUSPENDED = "suspendue", "Suspendue"
    WITHDRAWN = "retiree", "Retirée"


class TrainingModule(models.TextChoices):
    """The certifying training path of the programme's mediators (modules of the Aidants Connect training)."""

    FRAMEWORK = "cadre", "Cadre légal et éthique du mandat"
    TOOL = "outil", "Prise en main de l'outil et du mandat"
    SECURITY = "securite", "Sécurité, données personnelles et double authentification"
    PRACTICE = "pratique", "Mise en situation accompagnée"


class JournalAction(models.TextChoices):
    MANDATE_CREATED = "mandat_cree", "Mandat préparé"
    IDENTITY_CHECKED = "identite_verifiee", "Identité vérifiée"
    CONSENT_SIGNED = "consentement_signe", "Consentement signé"
    AUTHORISATION_GRANTED = "autorisation_donnee", "Autorisation donnée"
    AUTHORISATION_REVOKED = "autorisation_revoquee", "Autorisation révoquée"
    MANDATE_CANCELLED = "mandat_abandonne", "Mandat abandonné avant signature"
    MANDATE_USED = "mandat_utilise", "Démarche faite pour la personne"
    MANDATE_RENEWED = "mandat_renouvele", "Mandat renouvelé"
    MANDATE_REVOKED = "mandat_revoque", "Mandat révoqué"
    MANDATE_EXPIRED = "mandat_expire", "Mandat expiré"
    MANDATE_TRANSFERRED = "mandat_transfere", "Mandat transféré"
    EXPIRY_WARNED = "alerte_fin", "Alerte de fin de mandat envoyée"
    VERIFICATION_LOOKUP = "verification", "Consultation de la page de vérification"
    HABILITATION_CHANGED = "habilitation", "Habilitation modifiée"
