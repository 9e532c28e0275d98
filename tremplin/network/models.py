"""Organisations and the sites where mediation happens (post offices, France services, partner places)."""

from django.db import models

from tremplin.territories.models import Commune

from .enums import OrganisationKind, SiteKind, SiteSource


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200, unique=True)
    kind = models.CharField("type", max_length=20, choices=OrganisationKind.choices)
    siret = models.CharField("SIRET", max_length=14, blank=True)

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]

    def __str__(self):
        return self.name


class SiteQuerySet(models.QuerySet):
    def in_departements(self, codes):
        return self.filter(commune__departement__in=codes)

    def post_offices(self):
        return self.filter(kind=SiteKind.POST_OFFICE)

    def located(self):
        return self.filter(latitude__isnull=False, longitude__isnull=False)


class Site(models.Model):
    source = models.CharField("source", max_length=20, choices=SiteSource.choices)
    external_id = models.CharField("identifiant source", max_length=40)
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=40, choices=SiteKind.choices, db_index=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="sites"
    )
    address = models.CharField("adresse", max_length=300, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("localité", max_length=120, blank=True)
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="sites")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = "site"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="site_unique_source_id")]
        indexes = [models.Index(fields=["commune", "kind"]), models.Index(fields=["name"])]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"
