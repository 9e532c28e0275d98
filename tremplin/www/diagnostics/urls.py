from django.urls import path

from . import views

app_name = "diagnostics"
urlpatterns = [
    path("reperage/", views.screening_new, name="screening"),
    path("reperage/<int:pk>/", views.screening_result, name="screening_result"),
    path("personne/<int:person_pk>/nouveau/", views.diagnostic_new, name="new"),
    path("<int:pk>/", views.diagnostic_detail, name="detail"),
    path("<int:pk>/synthese.pdf", views.diagnostic_pdf, name="pdf"),
]
