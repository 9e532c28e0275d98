"""The production settings (tremplin/settings/prod.py) for the servers the reliability tests start, with the
static files served from the finders: no collectstatic in a test (the 503 page links the DSFR stylesheet)."""

from tremplin.settings.prod import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
