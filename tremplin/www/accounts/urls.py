from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", views.PasswordResetView.as_view(), name="password_reset"),
    path("mot-de-passe/oublie/envoye/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("mot-de-passe/modifier/", views.PasswordChangeView.as_view(), name="password_change"),
    path("securite/", views.security, name="security"),
    path("securite/activer/", views.totp_enable, name="totp_enable"),
    path("securite/desactiver/", views.totp_disable, name="totp_disable"),
    path("securite/codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path("verification/", views.verify, name="verify"),
    path("verification/confirmer/", views.reverify, name="reverify"),
]
