"""Development settings (`make demo`): test settings + debug, Argon2, console e-mail, database tasks."""

import os

from .base import PASSWORD_HASHERS as BASE_HASHERS
from .test import *  # noqa: F403

DEBUG = os.environ.get("DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "tremplin-dev-only-not-secret")  # noqa: S105
PASSWORD_HASHERS = BASE_HASHERS
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TREMPLIN_SMS_BACKEND = os.environ.get("TREMPLIN_SMS_BACKEND", "tremplin.notifications.backends.FileSmsBackend")
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
