"""Dashboards, mounted at /pilotage/ in the « reporting » namespace."""

from django.urls import path

from . import dashboards

urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("departement/<str:code>/", dashboards.departement, name="departement"),
    path("lieu/<int:site_id>/", dashboards.site, name="site"),
    path("mediateur/<int:user_id>/", dashboards.mediator, name="mediator"),
    path("equipe/<int:team_id>/", dashboards.team, name="team"),
    path("organisation/<int:organisation_id>/", dashboards.organisation, name="organisation"),
    path("partages/", dashboards.shares, name="shares"),
    path("partages/nouveau/", dashboards.share_create, name="share_create"),
    path("partages/<int:link_id>/revoquer/", dashboards.share_revoke, name="share_revoke"),
]
