"""Public statistics and share links, mounted at /statistiques/ (no login)."""

from django.urls import path

from . import public

app_name = "public_stats"

urlpatterns = [
    path("", public.national, name="national"),
    path("partage/<str:token>/", public.share, name="share"),
    path("contours/departements.geojson", public.contours, name="contours"),
]
