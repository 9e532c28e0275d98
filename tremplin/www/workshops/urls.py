from django.urls import path

from . import views

app_name = "workshops"
urlpatterns = [
    path("", views.index, name="index"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/nouveau/", views.programme_edit, name="programme_create"),
    path("catalogue/<int:pk>/modifier/", views.programme_edit, name="programme_edit"),
    path("seances/nouvelle/", views.session_create, name="session_create"),
    path("seances/<int:pk>/", views.session_detail, name="session"),
    path("seances/<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("seances/<int:pk>/annuler/", views.session_cancel, name="session_cancel"),
    path("seances/<int:pk>/presences/", views.attendance, name="attendance"),
    path("seances/<int:pk>/feuille-de-presence.pdf", views.attendance_sheet_pdf, name="attendance_pdf"),
    path("seances/<int:pk>/participants.csv", views.participants_csv, name="participants_csv"),
    path("inscriptions/<int:pk>/annuler/", views.registration_cancel, name="registration_cancel"),
    path("inscriptions/<int:pk>/confirmer/", views.registration_request_confirm, name="registration_request_confirm"),
    path("inscriptions/<int:pk>/attestation.pdf", views.certificate_pdf, name="certificate"),
    path("personne/<int:pk>/", views.person_booking, name="person"),
    path("personne/<int:pk>/inscrire/<int:session_pk>/", views.person_book, name="person_book"),
    path("agenda/", views.calendar_week, name="calendar"),
    path("agenda/adresse/", views.calendar_feed, name="calendar_feed"),
    path("agenda/<uuid:token>.ics", views.ical, name="ical"),
    path("statistiques/", views.stats, name="stats"),
    # Public pages, no account: self-booking per place, and the link sent in every message.
    path("lieu/<int:site_id>/", views.public_booking, name="public"),
    path("inscription/<uuid:token>/", views.manage_registration, name="manage"),
]
