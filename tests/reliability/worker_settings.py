"""Settings of the workers tests/reliability/test_worker_killed.py starts: the test settings, on the database of
the running test (DATABASE_URL), with the database task queue and e-mail by SMTP to the test's server."""

import os

from tremplin.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["EMAIL_PORT"])
EMAIL_USE_TLS = EMAIL_USE_SSL = False
EMAIL_TIMEOUT = 30
