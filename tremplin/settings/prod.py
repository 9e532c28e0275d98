"""Production settings: base + strict security. SECRET_KEY, DATABASE_URL and TREMPLIN_CONTACT_PHONE must be set."""

import os

from .base import *  # noqa: F403
from .base import SILENCED_SYSTEM_CHECKS, env_bool

SECRET_KEY = os.environ["SECRET_KEY"]
# Written on every message to the people: the number they call back. No placeholder in production.
TREMPLIN_CONTACT_PHONE = os.environ["TREMPLIN_CONTACT_PHONE"]
DEBUG = False
# The second factor is mandatory for administrators, national managers and staff accounts, whatever the
# environment says (tests/accounts/test_second_factor_settings.py).
TREMPLIN_SECOND_FACTOR_RELAXED = False
# HTTPS only. Behind a reverse proxy, set TREMPLIN_TRUSTED_PROXY_COUNT (base.py): Django then believes the proxy's
# X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER); without it every request looks like plain HTTP and the redirect loops.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # 0 when the proxy itself redirects HTTP to HTTPS
if not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W008"]  # the operator says the proxy redirects
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Logs: JSON lines on the standard output unless LOG_FORMAT says otherwise (tremplin/settings/deployment.py).
if "LOG_FORMAT" not in os.environ:
    LOG_FORMAT = "json"
    LOGGING = logging_settings(LOG_FORMAT, LOG_LEVEL)  # noqa: F405
