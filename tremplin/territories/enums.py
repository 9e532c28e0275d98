from django.db import models


class DensityLevel(models.IntegerChoices):
    """INSEE grille communale de densité, 7 levels (rural = levels 5 to 7)."""

    LARGE_URBAN_CENTRE = 1, "Grand centre urbain"
    INTERMEDIATE_URBAN_CENTRE = 2, "Centre urbain intermédiaire"
    SMALL_TOWN = 3, "Petite ville"
    URBAN_BELT = 4, "Ceinture urbaine"
    RURAL_TOWN = 5, "Bourg rural"
    RURAL_DISPERSED = 6, "Rural à habitat dispersé"
    RURAL_VERY_DISPERSED = 7, "Rural à habitat très dispersé"


RURAL_LEVELS = (5, 6, 7)


class Zone(models.TextChoices):
    METRO = "metro", "Métropole"
    DROM = "drom", "Outre-mer (DROM)"
    COM = "com", "Outre-mer (COM)"


class CommuneKind(models.TextChoices):
    COMMUNE = "commune", "Commune"
    MUNICIPAL_DISTRICT = "arrondissement", "Arrondissement municipal"


class FormerCommuneKind(models.TextChoices):
    DELEGATED = "deleguee", "Commune déléguée"
    ASSOCIATED = "associee", "Commune associée"
    MERGED = "ancienne", "Ancienne commune fusionnée"


class IndicatorDirection(models.IntegerChoices):
    HIGHER_IS_MORE_FRAGILE = 1, "plus la valeur est haute, plus le territoire est fragile"
    HIGHER_IS_LESS_FRAGILE = -1, "plus la valeur est haute, moins le territoire est fragile"


class IndicatorOrigin(models.TextChoices):
    BUILTIN = "calcule", "Calculé par Tremplin"
    OFFICIAL = "officiel", "Fichier officiel"
    USER = "importe", "Fichier importé par un utilisateur"


class AreaLevel(models.TextChoices):
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"


class OutlineLevel(models.TextChoices):
    """Levels of the map outlines; the values are those of the contours URL."""

    DEPARTEMENT = "departements", "Départements"
    REGION = "regions", "Régions"
