"""Objectives and teams, mounted at /pilotage/objectifs/ in the « reporting » namespace."""

from django.urls import path

from . import objectives

urlpatterns = [
    path("", objectives.objective_list, name="objectives"),
    path("nouveau/", objectives.objective_create, name="objective_create"),
    path("<int:pk>/", objectives.objective_detail, name="objective"),
    path("<int:pk>/modifier/", objectives.objective_update, name="objective_update"),
    path("<int:pk>/supprimer/", objectives.objective_delete, name="objective_delete"),
    path("equipes/", objectives.team_list, name="teams"),
    path("equipes/<int:pk>/", objectives.team_members, name="team_members"),
    path("equipes/membres/<int:pk>/depart/", objectives.team_member_leave, name="team_member_leave"),
]
