"""Test settings: base + what makes the suite fast and self-contained."""

import os

from .base import *  # noqa: F403
from .base import PASSWORD_HASHERS

SECRET_KEY = os.environ.get("SECRET_KEY", "tremplin-test-only-not-secret")  # noqa: S105
# Argon2 stays available (and is what production uses); tests hash faster with MD5 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
TREMPLIN_SMS_BACKEND = "tremplin.notifications.backends.LocmemSmsBackend"
AXES_FAILURE_LIMIT = 5
WHITENOISE_USE_FINDERS = True  # tests and demo serve static files straight from the finders
