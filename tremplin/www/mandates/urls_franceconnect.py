"""FranceConnect identity check (mounted at /mandats/franceconnect/, namespace `mandates`).

The callback's address, /mandats/franceconnect/retour/ on the platform's public address, is the redirect URI
to declare at FranceConnect."""

from django.urls import path

from . import franceconnect

urlpatterns = [
    path("personne/<int:pk>/", franceconnect.franceconnect_start, name="franceconnect_start"),
    path("retour/", franceconnect.franceconnect_callback, name="franceconnect_callback"),
]
