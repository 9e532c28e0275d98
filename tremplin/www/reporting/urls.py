from django.urls import include, path

app_name = "reporting"

urlpatterns = [
    path("", include("tremplin.www.reporting.urls_dashboards")),
    path("", include("tremplin.www.reporting.urls_exports")),
    path("objectifs/", include("tremplin.www.reporting.urls_objectives")),
]
