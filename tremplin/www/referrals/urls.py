from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("nouvelle/", views.referral_create, name="create"),
    path("statistiques/", views.referral_stats, name="stats"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/fiche.pdf", views.referral_sheet, name="sheet"),
    path("<int:pk>/repondre/", views.referral_answer, name="answer"),
    path("<int:pk>/annuler/", views.referral_cancel, name="cancel"),
    path("lien/<str:token>/", views.referral_link, name="link"),
]
