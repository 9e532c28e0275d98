from django.contrib import admin
from django.urls import include, path

from tremplin.api.api import api

admin.site.site_header = "Tremplin — administration"
admin.site.site_title = "Tremplin"

urlpatterns = [
    path("", include("tremplin.www.home.urls")),
    path("compte/", include("tremplin.www.accounts.urls")),
    path("territoires/", include("tremplin.www.territory.urls")),
    path("recherche/", include("tremplin.www.search.urls")),
    path("personnes/", include("tremplin.www.beneficiaries.urls")),
    path("diagnostic/", include("tremplin.www.diagnostics.urls")),
    path("planification/", include("tremplin.www.planning.urls")),
    path("ateliers/", include("tremplin.www.workshops.urls")),
    path("messages/", include("tremplin.www.notifications.urls")),
    path("mandats/", include("tremplin.www.mandates.urls")),
    path("lieux/", include("tremplin.www.places.urls")),
    path("orientations/", include("tremplin.www.referrals.urls")),
    path("activites/", include("tremplin.www.activities.urls")),
    path("pilotage/", include("tremplin.www.reporting.urls")),
    path("statistiques/", include("tremplin.www.reporting.urls_public")),
    path("verifier-un-mandat/", include("tremplin.www.mandates.urls_public")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
