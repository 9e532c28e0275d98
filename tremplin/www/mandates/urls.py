from django.urls import include, path

app_name = "mandates"

urlpatterns = [
    path("", include("tremplin.www.mandates.urls_staff")),
    path("franceconnect/", include("tremplin.www.mandates.urls_franceconnect")),
    path("habilitations/", include("tremplin.www.mandates.urls_habilitations")),
    path("journal/", include("tremplin.www.mandates.urls_journal")),
]
