from django.urls import path

from . import views

app_name = "territory"
urlpatterns = [
    path("", views.france, name="france"),
    path("region/<str:code>/", views.region, name="region"),
    path("departement/<str:code>/", views.departement, name="departement"),
    path("commune/<str:code_insee>/", views.commune, name="commune"),
    path("contours/<str:level>.geojson", views.contours, name="contours"),
    path("methode/", views.method, name="method"),
    path("indicateurs/", views.indicators, name="indicators"),
    path("indicateurs/import/", views.indicator_upload, name="indicator_upload"),
    path("indicateurs/<slug:code>/score/", views.indicator_scored, name="indicator_scored"),
]
