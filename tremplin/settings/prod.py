"""Production settings: base + strict security. SECRET_KEY, DATABASE_URL and TREMPLIN_CONTACT_PHONE must be set."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["SECRET_KEY"]
# Written on every message to the people: the number they call back. No placeholder in production.
TREMPLIN_CONTACT_PHONE = os.environ["TREMPLIN_CONTACT_PHONE"]
DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
