"""Habilitation of mediators, mounted at /mandats/habilitations/ (namespace `mandates`)."""

from django.urls import path

from . import habilitations as views

urlpatterns = [
    path("", views.habilitation_list, name="habilitation_list"),
    path("mon-habilitation/", views.habilitation_mine, name="habilitation_mine"),
    path("<int:user_id>/", views.habilitation_detail, name="habilitation_detail"),
    path("<int:user_id>/demander/", views.habilitation_action, {"action": "request"}, name="habilitation_request"),
    path("<int:user_id>/formation/", views.habilitation_action, {"action": "step"}, name="habilitation_step"),
    path("<int:user_id>/habiliter/", views.habilitation_action, {"action": "grant"}, name="habilitation_grant"),
    path("<int:user_id>/suspendre/", views.habilitation_action, {"action": "suspend"}, name="habilitation_suspend"),
    path("<int:user_id>/reverifier/", views.habilitation_action, {"action": "recheck"}, name="habilitation_recheck"),
    path("<int:user_id>/retirer/", views.habilitation_action, {"action": "withdraw"}, name="habilitation_withdraw"),
]
