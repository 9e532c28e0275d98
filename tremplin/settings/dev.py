"""Development settings (`make demo`): test settings + debug, Argon2, console e-mail, database tasks."""

import os

from .base import PASSWORD_HASHERS as BASE_HASHERS
from .base import env_bool
from .test import *  # noqa: F403

# The demo shows the real French error pages (DEBUG=1 make demo for Django's technical pages).
DEBUG = os.environ.get("DEBUG", "0") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "tremplin-dev-only-not-secret")  # noqa: S105
PASSWORD_HASHERS = BASE_HASHERS
# The demo accounts sign in without enrolling a second factor (setup_demo says so); a code is still asked of an
# account that has one. TREMPLIN_SECOND_FACTOR_RELAXED=0 make demo tries the real rule.
TREMPLIN_SECOND_FACTOR_RELAXED = env_bool("TREMPLIN_SECOND_FACTOR_RELAXED", True)
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TREMPLIN_SMS_BACKEND = os.environ.get("TREMPLIN_SMS_BACKEND", "tremplin.notifications.backends.FileSmsBackend")
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
