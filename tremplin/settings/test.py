"""Test settings: base + what makes the suite fast and self-contained."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, PASSWORD_HASHERS

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
# Most tests sign in national managers without a TOTP device: enrolment is not imposed here. The tests of the
# mandatory second factor set it back with the `settings` fixture (tests/accounts/test_second_factor_*.py).
TREMPLIN_SECOND_FACTOR_RELAXED = True
# SQLite: the test database is a file, not memory, so that a live server's threads and the test's threads each
# have their own connection and really write at the same time (tests/workshops/test_concurrent_http.py).
# One file per test process: several runs of the suite may share this checkout.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        Path(tempfile.gettempdir()) / f"tremplin-test-{os.getpid()}.sqlite3"
    )
WHITENOISE_USE_FINDERS = True  # tests and demo serve static files straight from the finders
