"""Reference territory in the admin: searchable, filterable, fast on 35,000 communes.

Querysets go through `tremplin.accounts.perms` (a national user sees everything, any other staff
member only their territory); foreign keys use autocompletion, never a 35,000-option select.
"""

from django.contrib import admin
from django.db.models import Count

from tremplin.accounts.perms import visible_communes, visible_departements, visible_qpvs

from .models import Commune, Departement, Epci, FormerCommune, Qpv, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "zone")
    list_filter = ("zone",)
    search_fields = ("=code", "name")
    ordering = ("code",)


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "zone")
    list_filter = ("zone", "region")
    search_fields = ("=code", "name")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)

    def get_queryset(self, request):
        return visible_departements(request.user).select_related("region")


@admin.register(Epci)
class EpciAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "commune_count")
    list_filter = ("kind",)
    search_fields = ("=code", "name")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(commune_count=Count("communes"))

    @admin.display(description="communes", ordering="commune_count")
    def commune_count(self, obj):
        return obj.commune_count


class FormerCommuneInline(admin.TabularInline):
    model = FormerCommune
    fk_name = "commune"
    extra = 0
    fields = ("code_insee", "name", "kind")


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = (
        "code_insee",
        "name",
        "kind",
        "departement",
        "population",
        "density_level",
        "postcodes",
        "post_office_km",
    )
    list_filter = ("kind", "density_level", "departement__region", "departement")
    search_fields = ("=code_insee", "name", "search_name", "postcodes")
    list_select_related = ("departement",)
    autocomplete_fields = ("departement", "epci", "parent")
    readonly_fields = ("search_name", "post_office_km")
    inlines = (FormerCommuneInline,)
    show_full_result_count = False
    list_per_page = 100

    def get_queryset(self, request):
        return visible_communes(request.user)


@admin.register(FormerCommune)
class FormerCommuneAdmin(admin.ModelAdmin):
    list_display = ("code_insee", "name", "kind", "commune")
    list_filter = ("kind",)
    search_fields = ("=code_insee", "name", "commune__name", "=commune__code_insee")
    list_select_related = ("commune",)
    autocomplete_fields = ("commune",)
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(commune__in=visible_communes(request.user))


@admin.register(Qpv)
class QpvAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "departement", "has_contour")
    list_filter = ("departement__region", "departement")
    search_fields = ("=code", "name", "communes__name")
    list_select_related = ("departement",)
    autocomplete_fields = ("departement", "communes")
    readonly_fields = ("contour",)

    def get_queryset(self, request):
        return visible_qpvs(request.user)

    @admin.display(description="contour", boolean=True)
    def has_contour(self, obj):
        return obj.contour is not None
