"""The production settings (tremplin/settings/prod.py) for scripts/scale-proof.sh, with one change: the static files
are served from the finders instead of the hashed and compressed copies of `collectstatic` (100 MB, brotli: the
longest step of a proof that must stay short; the image builds them once, Dockerfile)."""

from tremplin.settings.prod import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
