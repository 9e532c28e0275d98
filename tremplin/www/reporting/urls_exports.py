"""Exports of a dashboard view, mounted at /pilotage/ in the « reporting » namespace (same query string as the page:
tremplin.reporting.filters)."""

from django.urls import path

from . import exports

urlpatterns = [
    path("export.csv", exports.export_csv, name="export_csv"),
    path("export.xlsx", exports.export_xlsx, name="export_xlsx"),
    path("rapport.pdf", exports.funder_report, name="funder_report"),
    path("donnees-ouvertes.csv", exports.opendata_csv, name="opendata_csv"),
]
