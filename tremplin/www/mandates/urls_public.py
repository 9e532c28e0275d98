"""The public verification page of mandates (no account), mounted at /verifier-un-mandat/."""

from django.urls import path

from . import public

app_name = "mandates_public"

urlpatterns = [
    path("", public.verify, name="verify"),
    path("<str:code>/", public.verify_code, name="verify_code"),
]
