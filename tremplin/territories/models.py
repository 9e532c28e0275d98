"""Reference territory: régions, départements, EPCI, communes (COG), former communes, QPV."""

import unicodedata

from django.db import models
from django.db.models import Q

from .enums import (
    RURAL_LEVELS,
    AreaLevel,
    CommuneKind,
    DensityLevel,
    FormerCommuneKind,
    IndicatorDirection,
    IndicatorOrigin,
    OutlineLevel,
    Zone,
)


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    zone = models.CharField("zone", max_length=5, choices=Zone.choices, default=Zone.METRO)

    class Meta:
        verbose_name = "région"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField("code INSEE", max_length=3, primary_key=True)
    name = models.CharField("nom", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")
    zone = models.CharField("zone", max_length=5, choices=Zone.choices, default=Zone.METRO)

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Epci(models.Model):
    code = models.CharField("SIREN", max_length=9, primary_key=True)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=10, blank=True)

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name


class CommuneQuerySet(models.QuerySet):
    def actual(self):
        """Communes proper (Paris, Lyon, Marseille arrondissements excluded, to avoid double counts)."""
        return self.filter(kind=CommuneKind.COMMUNE)

    def rural(self):
        return self.filter(density_level__in=RURAL_LEVELS)

    def search(self, text: str):
        text = text.strip()
        if text.isdigit():
            if len(text) == 5:
                return self.filter(Q(code_insee=text) | Q(postcodes__contains=text))
            return self.filter(Q(code_insee__startswith=text) | Q(postcodes__contains=text))
        return self.filter(search_name__contains=normalize_search(text))


class Commune(models.Model):
    code_insee = models.CharField("code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=120)
    search_name = models.CharField(max_length=120, db_index=True, editable=False)
    kind = models.CharField("type", max_length=14, choices=CommuneKind.choices, default=CommuneKind.COMMUNE)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, related_name="communes")
    epci = models.ForeignKey(Epci, on_delete=models.SET_NULL, null=True, blank=True, related_name="communes")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="districts",
        help_text="Commune de rattachement d'un arrondissement municipal.",
    )
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    density_level = models.PositiveSmallIntegerField(
        "niveau de densité", choices=DensityLevel.choices, null=True, blank=True
    )
    postcodes = models.CharField("codes postaux", max_length=200, blank=True, help_text="Séparés par des espaces.")
    fragility_score = models.FloatField(
        "score de fragilité numérique (0 à 10)", null=True, blank=True, editable=False, db_index=True
    )
    fragility_indicators = models.PositiveSmallIntegerField(
        "indicateurs renseignés dans le score", default=0, editable=False
    )
    post_office_km = models.FloatField(
        "distance au bureau de poste le plus proche (km)", null=True, blank=True, editable=False
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]
        indexes = [models.Index(fields=["departement", "kind", "name"])]

    def __str__(self):
        return f"{self.name} ({self.code_insee})"

    def save(self, *args, **kwargs):
        self.search_name = normalize_search(self.name)
        super().save(*args, **kwargs)

    @property
    def is_rural(self) -> bool:
        return self.density_level in RURAL_LEVELS


class FormerCommune(models.Model):
    """An INSEE code that no longer designates a current commune (merger, delegated/associated commune)."""

    code_insee = models.CharField("ancien code INSEE", max_length=5, primary_key=True)
    name = models.CharField("nom", max_length=120, blank=True)
    kind = models.CharField("type", max_length=10, choices=FormerCommuneKind.choices)
    commune = models.ForeignKey(Commune, on_delete=models.CASCADE, related_name="former_communes")

    class Meta:
        verbose_name = "ancienne commune"
        ordering = ["code_insee"]

    def __str__(self):
        return f"{self.code_insee} → {self.commune_id}"


class Qpv(models.Model):
    code = models.CharField("code QPV", max_length=8, primary_key=True)
    name = models.CharField("nom", max_length=200)
    communes = models.ManyToManyField(Commune, related_name="qpvs", blank=True)
    departement = models.ForeignKey(Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="qpvs")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    contour = models.JSONField("contour (MultiPolygon GeoJSON)", null=True, blank=True)

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


class IndicatorQuerySet(models.QuerySet):
    def scored(self):
        return self.filter(scored=True)

    def with_coverage(self):
        """Each indicator with `coverage`: the number of communes that have a value."""
        return self.annotate(
            coverage=models.Count("values", filter=Q(values__commune__isnull=False, values__value__isnull=False))
        )


class Indicator(models.Model):
    """A measure known per commune (and sometimes per EPCI): built in, read from an official file, or imported."""

    code = models.SlugField("code", max_length=60, primary_key=True)
    label = models.CharField("libellé", max_length=200)
    source = models.CharField("source", max_length=300, blank=True)
    unit = models.CharField("unité", max_length=30, blank=True)
    direction = models.SmallIntegerField(
        "sens", choices=IndicatorDirection.choices, default=IndicatorDirection.HIGHER_IS_MORE_FRAGILE
    )
    origin = models.CharField("origine", max_length=10, choices=IndicatorOrigin.choices)
    scored = models.BooleanField("compte dans le score", default=False)
    position = models.PositiveSmallIntegerField("ordre d'affichage", default=100)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = "indicateur"
        ordering = ["position", "code"]

    def __str__(self):
        return self.label


class IndicatorValue(models.Model):
    """One indicator's value for one commune or one EPCI; `value` is None when missing, with the reason."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, null=True, blank=True, related_name="indicator_values"
    )
    epci = models.ForeignKey(Epci, on_delete=models.CASCADE, null=True, blank=True, related_name="indicator_values")
    value = models.FloatField("valeur", null=True, blank=True)
    missing_reason = models.CharField("raison de l'absence", max_length=120, blank=True)
    percentile = models.FloatField("centile national", null=True, blank=True, editable=False)
    points = models.SmallIntegerField("points (−3 à +3)", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "valeur d'indicateur"
        verbose_name_plural = "valeurs d'indicateurs"
        constraints = [
            models.UniqueConstraint(fields=["indicator", "commune"], name="indicator_value_unique_commune"),
            models.UniqueConstraint(fields=["indicator", "epci"], name="indicator_value_unique_epci"),
            models.CheckConstraint(
                condition=Q(commune__isnull=False, epci__isnull=True) | Q(commune__isnull=True, epci__isnull=False),
                name="indicator_value_one_territory",
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.commune_id or self.epci_id} = {self.value}"


class AreaFragility(models.Model):
    """Fragility of an EPCI, département or région: per indicator (population-weighted mean of its communes,
    percentile among areas of the same level, points) and overall (`indicator` empty, `score` 0–10)."""

    level = models.CharField("échelon", max_length=12, choices=AreaLevel.choices)
    code = models.CharField("code", max_length=9)
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    percentile = models.FloatField(null=True, blank=True)
    points = models.SmallIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "fragilité d'un territoire"
        verbose_name_plural = "fragilité des territoires"
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self):
        return f"{self.level} {self.code} {self.indicator_id or 'score'}"


class MapOutline(models.Model):
    """Simplified outlines of the départements or régions for the maps: one GeoJSON FeatureCollection per level
    (features with `code` and `nom`), stored at import so that every process serves it without the data files."""

    level = models.CharField("échelon", max_length=12, choices=OutlineLevel.choices, primary_key=True)
    geojson = models.TextField("contours (FeatureCollection GeoJSON)")
    sha256 = models.CharField("SHA-256 du contenu", max_length=64)
    feature_count = models.PositiveIntegerField("nombre de contours")
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    class Meta:
        verbose_name = "contours pour les cartes"
        verbose_name_plural = "contours pour les cartes"

    def __str__(self):
        return f"{self.get_level_display()} ({self.feature_count})"


def normalize_search(text: str) -> str:
    """Lower-case, accents and punctuation removed: « Saint-Étienne » and « st etienne » meet."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    for char in "-'’.,()/":
        text = text.replace(char, " ")
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in text.split()]
    return " ".join(words)
