"""Organisations and sites in the admin (17,000 sites: autocompletion, no full count, scoped)."""

from django.contrib import admin

from tremplin.accounts.perms import visible_sites

from .models import Organisation, Site


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "siret")
    list_filter = ("kind",)
    search_fields = ("name", "=siret")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "source", "external_id", "commune", "postcode", "city", "organisation")
    list_filter = ("kind", "source", "commune__departement__region", "commune__departement")
    search_fields = ("name", "=external_id", "=postcode", "city", "commune__name", "=commune__code_insee")
    list_select_related = ("commune", "organisation")
    autocomplete_fields = ("commune", "organisation")
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request):
        return visible_sites(request.user)
