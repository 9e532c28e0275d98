from django.urls import path

from . import coop_views

urlpatterns = [
    path("export.csv", coop_views.export_csv, name="export_csv"),
    path("export.xlsx", coop_views.export_xlsx, name="export_xlsx"),
    path("importer/", coop_views.import_page, name="coop_import"),
]
