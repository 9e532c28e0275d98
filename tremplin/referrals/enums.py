from django.db import models


class Status(models.TextChoices):
    """Where a referral stands: sent → accepted or declined (or expired unanswered) → person seen / not seen."""

    SENT = "envoyee", "Envoyée, en attente de réponse"
    ACCEPTED = "acceptee", "Acceptée par le lieu"
    DECLINED = "refusee", "Refusée par le lieu"
    SEEN = "personne_vue", "Personne reçue"
    NOT_SEEN = "personne_pas_venue", "Personne pas venue"
    EXPIRED = "expiree", "Expirée sans réponse"
    CANCELLED = "annulee", "Annulée"


OPEN_STATUSES = (Status.SENT, Status.ACCEPTED)
CLOSED_STATUSES = (Status.DECLINED, Status.SEEN, Status.NOT_SEEN, Status.EXPIRED, Status.CANCELLED)


class DeclineReason(models.TextChoices):
    FULL = "complet", "Plus de place pour le moment"
    NOT_OFFERED = "service_absent", "Nous ne proposons pas ce service"
    OUT_OF_AREA = "hors_territoire", "La personne habite hors de notre territoire"
    PUBLIC = "public", "Nous n'accueillons pas ce public"
    UNREACHABLE = "injoignable", "Nous n'avons pas pu joindre la personne"
    OTHER = "autre", "Autre raison"


class Origin(models.TextChoices):
    """Where the referral was made from."""

    RECORD = "fiche", "Fiche de la personne"
    SCREENING = "reperage", "Repérage au guichet"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
