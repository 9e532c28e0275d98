from django.urls import include, path

app_name = "activities"

urlpatterns = [
    path("", include("tremplin.www.activities.urls_records")),
    path("", include("tremplin.www.activities.urls_coop")),
]
