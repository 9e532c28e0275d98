from django.db import models

# Themes, levels and the autonomy scale are the national taxonomies already used by the diagnostic.
from tremplin.taxonomy.coop import Autonomy, Thematique, WorkshopLevel  # noqa: F401


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Prévue"
    CANCELLED = "cancelled", "Annulée"
    DONE = "done", "Réalisée"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Inscrit"
    WAITLISTED = "waitlisted", "Sur liste d'attente"
    CANCELLED = "cancelled", "Annulé"
    # Made on the public page: holds no seat until the person confirms it by the link of their own message
    # (or an agent does, after calling them).
    REQUESTED = "requested", "Demande à confirmer"


# The statuses that hold a seat or a waitlist place (a request holds neither).
HOLDING_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED)


class RegistrationSource(models.TextChoices):
    STAFF = "staff", "Inscrit par un agent"
    PUBLIC = "public", "Inscription en ligne par la personne"
    API = "api", "Outil partenaire (API)"


class Attendance(models.TextChoices):
    PRESENT = "present", "Présent"
    EXCUSED = "excused", "Excusé"
    ABSENT = "absent", "Absent"


# Days of the week as a French label says them (Python's %A follows the machine's locale, English here).
DAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
