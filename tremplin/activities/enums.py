"""Choices of activity records. The accompaniment values are La Coop's `TypeActivite`; the other kinds are
Tremplin's own (a diagnostic, a counter screening, a referral, a démarche done under a mandate), so that a person's
history is one timeline."""

from django.db import models

from tremplin.taxonomy.coop import (  # noqa: F401  (the record's choices, in one import)
    AdministrativeTheme,
    Autonomy,
    DurationBand,
    Equipment,
    PlaceType,
    StructureKind,
    Thematique,
    WorkshopLevel,
)


class Kind(models.TextChoices):
    INDIVIDUAL = "individuel", "Accompagnement individuel"
    COLLECTIVE = "collectif", "Atelier collectif"
    DIAGNOSTIC = "diagnostic", "Diagnostic numérique"
    MANDATE_USE = "demarche_mandat", "Démarche faite au nom de la personne (mandat)"
    SCREENING = "reperage", "Repérage au guichet"
    REFERRAL = "orientation", "Orientation vers un lieu partenaire"


# The kinds that accompany a person: they make a person « accompagnée » in every count (a screening detects, a
# referral sends elsewhere; both stay in the timeline and in the counts of activities, not of people accompanied).
ACCOMPANIMENT_KINDS = (Kind.INDIVIDUAL, Kind.COLLECTIVE, Kind.DIAGNOSTIC, Kind.MANDATE_USE)
# The kinds a mediator types in; the others are written by the service that did the thing.
RECORDED_KINDS = (Kind.INDIVIDUAL, Kind.COLLECTIVE)


class TerritoryType(models.TextChoices):
    """Where the activity took place, from its commune: a commune with a priority neighbourhood (QPV), a rural
    commune (INSEE density grid, levels 5 to 7), or another (urban) commune."""

    QPV = "qpv", "Commune avec un quartier prioritaire (QPV)"
    RURAL = "rural", "Commune rurale"
    URBAN = "urbain", "Commune urbaine (sans quartier prioritaire)"
