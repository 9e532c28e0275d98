from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.index, name="index"),
    path("comparer/", views.compare, name="compare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/etat.json", views.state, name="state"),
    path("<int:pk>/courbe/", views.curve, name="curve"),
    path("<int:pk>/export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/export.geojson", views.export_geojson, name="export_geojson"),
    path("<int:pk>/communes.csv", views.export_communes_csv, name="export_communes_csv"),
]
