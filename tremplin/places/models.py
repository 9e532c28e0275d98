"""The directory of places where people find help with digital tools: every field of the national schema
« lieux de médiation numérique » (TableSchema v1.0.2, `../shared/data/schema_mediation_numerique/`).

Multi-valued fields are stored as lists of the schema's official values (the export joins them with `|`).
Opening hours are kept as written (OSM `opening_hours` syntax) with `hours_valid` telling whether Tremplin could
read them: hours that cannot be read are shown « horaires à vérifier », never dropped.
A place may be linked to a network Site (a post office, a France services, an Étape numérique space, a partner
place), and to the organisation whose staff keep it up to date.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Commune


class PlaceQuerySet(models.QuerySet):
    def located(self):
        return self.filter(latitude__isnull=False, longitude__isnull=False)


class Place(models.Model):
    # Identity (schema: id, pivot = SIRET / RNA / RIDET, nom, structure_parente, typologie)
    external_id = models.CharField("identifiant (id)", max_length=100, unique=True)
    pivot = models.CharField("SIRET, RNA ou RIDET (pivot)", max_length=14)
    name = models.CharField("nom", max_length=250)
    parent_structure = models.CharField("structure parente", max_length=250, blank=True)
    typology = models.JSONField("typologie", default=list, blank=True)
    # Address
    address = models.CharField("adresse", max_length=300)
    address_complement = models.CharField("complément d'adresse", max_length=300, blank=True)
    postcode = models.CharField("code postal", max_length=5)
    city = models.CharField("commune", max_length=120)
    code_insee = models.CharField("code INSEE", max_length=5, blank=True, db_index=True)
    commune = models.ForeignKey(Commune, on_delete=models.SET_NULL, null=True, blank=True, related_name="places")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Contact
    phone = models.CharField("téléphone", max_length=40, blank=True)
    emails = models.JSONField("courriels", default=list, blank=True)
    website = models.JSONField("site web", default=list, blank=True)
    appointment_url = models.CharField("prise de rendez-vous", max_length=500, blank=True)
    # Hours: as written (OSM opening_hours), and whether they could be read
    hours = models.TextField("horaires (syntaxe OSM)", blank=True)
    hours_valid = models.BooleanField("horaires lisibles", default=True)
    # Presentation and source
    summary = models.CharField("présentation (résumé)", max_length=280, blank=True)
    description = models.TextField("présentation (détail)", blank=True)
    source = models.CharField("source", max_length=120, blank=True)
    mobility = models.JSONField("itinérance", default=list, blank=True)
    source_updated_on = models.DateField("date de mise à jour (date_maj)")
    # Offer (official values of the schema)
    services = models.JSONField("services", default=list)
    publics = models.JSONField("publics spécifiquement adressés", default=list, blank=True)
    specific_support = models.JSONField("prise en charge spécifique", default=list, blank=True)
    fees = models.JSONField("frais à charge", default=list, blank=True)
    national_programmes = models.JSONField("dispositifs et programmes nationaux", default=list, blank=True)
    labels = models.JSONField("formations et labels", default=list, blank=True)
    other_labels = models.CharField("autres formations et labels", max_length=500, blank=True)
    access_modes = models.JSONField("modalités d'accès", default=list, blank=True)
    support_modes = models.JSONField("modalités d'accompagnement", default=list, blank=True)
    accessibility_url = models.CharField("fiche Acceslibre", max_length=500, blank=True)
    # Tremplin's own links and bookkeeping
    site = models.OneToOneField(Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="place")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="places",
        verbose_name="organisation qui tient la fiche",
    )
    updated_at = models.DateTimeField("mise à jour dans Tremplin le", default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu de médiation numérique"
        verbose_name_plural = "lieux de médiation numérique"
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"]), models.Index(fields=["postcode"])]

    def __str__(self):
        return f"{self.name} ({self.city})"
