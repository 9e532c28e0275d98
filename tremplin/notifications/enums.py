from django.db import models

from tremplin.beneficiaries.enums import ContactChannel  # noqa: F401  (SMS, phone call, e-mail, letter)


class NotificationKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Confirmation d'inscription"
    WAITLIST = "waitlist", "Inscription sur liste d'attente"
    PROMOTION = "promotion", "Place libérée : inscription confirmée"
    REMINDER = "reminder", "Rappel 48 h avant"
    CHANGE = "change", "Changement de séance"
    CANCELLATION = "cancellation", "Annulation"
    REQUEST = "request", "Demande d'inscription en ligne à valider"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec d'envoi"
    TO_CALL = "to_call", "À appeler"
    CALLED = "called", "Appel fait"
    TO_PRINT = "to_print", "À imprimer"
    PRINTED = "printed", "Imprimé"
    # No longer needed before it was sent, called or printed (a request from the public page cancelled,
    # dropped or confirmed meanwhile): it leaves the team's lists.
    WITHDRAWN = "withdrawn", "Retiré : plus nécessaire"


# Statuses that wait for a person of the team (the mediator's lists).
ACTION_STATUSES = (NotificationStatus.TO_CALL, NotificationStatus.TO_PRINT, NotificationStatus.FAILED)
