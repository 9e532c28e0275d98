from django.urls import path

from . import privacy, views

app_name = "beneficiaries"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("nouvelle/", views.person_create, name="create"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/modifier/", views.person_edit, name="edit"),
    path("<int:pk>/historique/", views.person_history, name="history"),
    path("<int:pk>/consentement/", views.person_consent, name="consent"),
    path("<int:pk>/fusionner/<int:other>/", views.person_merge, name="merge"),
    path("<int:pk>/supprimer/", views.person_delete, name="delete"),
    path("<int:pk>/donnees.json", privacy.person_data_json, name="data_json"),
    path("<int:pk>/donnees.pdf", privacy.person_data_pdf, name="data_pdf"),
]
