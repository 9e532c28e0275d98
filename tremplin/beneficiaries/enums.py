"""Choices for people records. Values are the official codes of La Coop de la médiation numérique
(`coop-enums.md` §1.9) where a national taxonomy exists, so our statistics stay comparable."""

from django.db import models


class Gender(models.TextChoices):
    MALE = "masculin", "Masculin"
    FEMALE = "feminin", "Féminin"
    UNDISCLOSED = "non_communique", "Non communiqué"


class AgeBand(models.TextChoices):
    """Derived from the birth year, never typed (Coop `TrancheAge`, in the Coop's display order)."""

    SEVENTY_PLUS = "soixante_dix_plus", "70 ans et plus"
    SIXTY_SIXTY_NINE = "soixante_soixante_neuf", "60 - 69 ans"
    FORTY_FIFTY_NINE = "quarante_cinquante_neuf", "40 - 59 ans"
    TWENTY_FIVE_THIRTY_NINE = "vingt_cinq_trente_neuf", "25 - 39 ans"
    EIGHTEEN_TWENTY_FOUR = "dix_huit_vingt_quatre", "18 - 24 ans"
    TWELVE_SEVENTEEN = "douze_dix_huit", "12 - 17 ans"
    UNDER_TWELVE = "moins_de_douze", "Moins de 12 ans"
    UNDISCLOSED = "non_communique", "Non communiqué"


class SocialStatus(models.TextChoices):
    RETIRED = "retraite", "Retraité"
    UNEMPLOYED = "sans_emploi", "Sans emploi"
    EMPLOYED = "en_emploi", "En emploi"
    IN_EDUCATION = "scolarise", "Scolarisé"
    UNDISCLOSED = "non_communique", "Non communiqué ou hétérogène"


class ContactChannel(models.TextChoices):
    SMS = "sms", "SMS"
    PHONE_CALL = "appel", "Appel téléphonique"
    EMAIL = "email", "E-mail"
    LETTER = "courrier", "Courrier postal"


class ConsentKind(models.TextChoices):
    DATA_PROCESSING = "traitement_donnees", "Enregistrement de ses informations dans Tremplin"
    CONTACT = "contact", "Être contacté(e) (rappels, invitations aux ateliers)"
    PARTNER_SHARING = "partage_partenaire", "Transmission de ses coordonnées à une structure partenaire"


class JournalAction(models.TextChoices):
    CREATED = "creation", "Création de la fiche"
    UPDATED = "modification", "Modification de la fiche"
    CONSENT = "consentement", "Consentement enregistré"
    MERGED = "fusion", "Fusion avec un doublon"
    MERGED_INTO = "fusionnee", "Fiche fusionnée dans une autre"
    ANONYMISED = "anonymisation", "Suppression (anonymisation)"
    TRANSFERRED = "transfert", "Suivi transféré à une autre organisation"


class AccessPurpose(models.TextChoices):
    RECORD = "fiche", "Consultation de la fiche"
    DIAGNOSTIC = "diagnostic", "Consultation d'un diagnostic"
    SUMMARY_PDF = "synthese_pdf", "Téléchargement de la synthèse"
    SCREENING = "reperage", "Consultation d'un repérage"
    LIST = "liste", "Liste ou recherche des personnes"
    DUPLICATES = "doublons", "Fiches qui se ressemblent"
    BOOKING = "inscription", "Inscription à un atelier"
    SESSION = "seance", "Liste des inscrits d'une séance"
    ATTENDANCE = "presences", "Feuille de présence (tablette)"
    ATTENDANCE_PDF = "presences_pdf", "Feuille de présence imprimée"
    PARTICIPANTS_CSV = "inscrits_csv", "Liste des inscrits (CSV)"
    CERTIFICATE = "attestation", "Attestation de participation"
    CALL_LIST = "a_appeler", "Liste des personnes à appeler"
    LETTERS = "courriers", "Liste des courriers à imprimer"
    LETTER_PDF = "courrier_pdf", "Courrier imprimé"
    FAILED_SENDS = "echecs", "Échecs d'envoi des messages"
    API = "api", "Réponse de l'API"
    MANDATE = "mandat", "Mandat (préparation, signature, démarches)"
    MANDATE_PDF = "mandat_pdf", "Mandat ou reçu imprimé"
    IDENTITY = "identite", "Vérification d'identité (FranceConnect)"
    REFERRAL = "orientation", "Orientation (lieu partenaire)"
    REFERRAL_LINK = "orientation_lien", "Orientation (lien partenaire)"
    ACTIVITY = "activite", "Compte rendu d'activité"
    ACTIVITIES_EXPORT = "activites_export", "Export des activités (CSV, XLSX)"
