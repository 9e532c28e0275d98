from django.db import models


class ErasureReason(models.TextChoices):
    """Why a person's record was anonymised: written as a code in the record's journal (never a free text)."""

    REQUEST = "demande_personne", "La personne a demandé l'effacement de ses données"
    NOT_NEEDED = "fiche_inutile", "La fiche n'a plus lieu d'être (créée par erreur, personne qui ne vient plus)"
    RETENTION = "conservation", "Durée de conservation dépassée : aucune activité pendant la période fixée"
