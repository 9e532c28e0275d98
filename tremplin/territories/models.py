"""Reference territory: régions, départements, EPCI, communes (COG), former communes, QPV."""

import unicodedata

from django.db import models
from django.db.models import Q

from .enums import RURAL_LEVELS, CommuneKind, DensityLevel, FormerCommuneKind, Zone


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
    postcodes = models.CharField(
        "codes postaux", max_length=200, blank=True, help_text="Séparés par des espaces."
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
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, null=True, blank=True, related_name="qpvs"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    contour = models.JSONField("contour (MultiPolygon GeoJSON)", null=True, blank=True)

    class Meta:
        verbose_name = "quartier prioritaire (QPV)"
        verbose_name_plural = "quartiers prioritaires (QPV)"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"


def normalize_search(text: str) -> str:
    """Lower-case, accents and punctuation removed: « Saint-Étienne » and « st etienne » meet."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    for char in "-'’.,()/":
        text = text.replace(char, " ")
    words = ["saint" if w == "st" else "sainte" if w == "ste" else w for w in text.split()]
    return " ".join(words)
