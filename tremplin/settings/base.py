"""Base settings: everything comes from the environment, with defaults that let `make demo` run."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TREMPLIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Where the official open-data files are read from (tests and CI: ../shared/data).
TREMPLIN_DATA_DIR = os.environ.get("TREMPLIN_DATA_DIR", "")
TREMPLIN_CACHE_DIR = Path(os.environ.get("TREMPLIN_CACHE_DIR", VAR_DIR / "cache"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "dsfr",
    "django.forms",
    "widget_tweaks",
    "axes",
    "csp",
    "django_ratelimit",
    "ninja",  # the API docs' Swagger UI from our own static files (the CDN one is refused by the CSP)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "tremplin.accounts",
    "tremplin.territories",
    "tremplin.network",
    "tremplin.planning",
    "tremplin.beneficiaries",
    "tremplin.diagnostics",
    "tremplin.workshops",
    "tremplin.notifications",
    "tremplin.mandates",
    "tremplin.places",
    "tremplin.referrals",
    "tremplin.activities",
    "tremplin.reporting",
    "tremplin.opendata",
    "tremplin.privacy",
    "tremplin.www",
    "tremplin.demo",
    "tremplin.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tremplin.www.unavailable.DatabaseUnavailableMiddleware",  # database unreachable: a French 503, not a 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tremplin.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "tremplin.urls"
WSGI_APPLICATION = "tremplin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tremplin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tremplin.www.context_processors.navigation",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tremplin.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        # A kept connection is checked before the first query of each request: after a database restart a new one is
        # opened, instead of one request failing per kept connection (tests/reliability/test_database_restart.py).
        conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True),
    )
}
# Server-side parameters and prepared statements on PostgreSQL: a query run twice on a connection is parsed and
# planned once (bench/bench_booking.py: PostgreSQL CPU per booking 2.8 → 1.6 ms). Behind a transaction-pooling
# PgBouncer older than 1.21, set DATABASE_PREPARED_STATEMENTS=0.
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") != "0"
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
# SQLite (`make demo`, a small pilot): concurrent writes queue instead of failing with "database is locked".
# WAL: readers never wait for the writer. IMMEDIATE: a transaction takes the write lock at BEGIN, waiting for
# it up to SQLITE_BUSY_TIMEOUT seconds; without it a transaction that read first is refused at its first
# write when another one writes. One writer at a time, so bookings are serialised (tremplin/workshops/services.py).
# synchronous=NORMAL: a power cut may lose the last commits, never corrupts the file. Not on a network drive.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures (django-axes): 5 failures for one account from one address, 30 min.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# Reverse proxy. TREMPLIN_TRUSTED_PROXY_COUNT is the number of proxies of ours in front of the application
# (nginx: 1; a load balancer then nginx: 2), each adding the address it received the request from to
# X-Forwarded-For; they must be the only way in. 0 (default, no proxy): the connection's address, and the
# X-Forwarded-* headers are ignored. The login lockout and the rate limits count by tremplin.www.proxy.client_address.
TREMPLIN_TRUSTED_PROXY_COUNT = int(os.environ.get("TREMPLIN_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "tremplin.www.proxy.client_address"
RATELIMIT_IP_META_KEY = "tremplin.www.proxy.client_address"
RATELIMIT_VIEW = "tremplin.www.ratelimits.limited"  # the French page of a limited request (HTTP 429)
if TREMPLIN_TRUSTED_PROXY_COUNT > 0:
    # The proxy tells whether the client used HTTPS (it must set, not append, X-Forwarded-Proto).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Cache shared by every process (rate limits count the same requests in all the workers): the database by
# default (table created by the migration www 0001), Redis when REDIS_URL is set (redis://host:6379/0).
if REDIS_URL := os.environ.get("REDIS_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            # Django's database cache with an increment that is atomic and keeps the expiry (tremplin/www/cache.py).
            "BACKEND": "tremplin.www.cache.DatabaseCache",
            "LOCATION": "tremplin_cache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("TREMPLIN_CACHE_MAX_ENTRIES", "20000"))},
        }
    }
# django-ratelimit only knows memcached and django-redis by name; the two backends above increment atomically
# and keep the expiry (tests/www/test_proxy_ratelimit.py, tests/www/test_redis_cache.py).
# models.W040: the statistics aggregates' covering indexes (INCLUDE, PostgreSQL) are plain indexes on SQLite, the
# embedded default for small volumes, where the dashboards use the direct queries anyway (reporting/aggregates.py).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "models.W040"]
# Largest file accepted by an upload form (La Coop import, plan files…; tremplin/www/uploads.py), in bytes.
TREMPLIN_UPLOAD_MAX_BYTES = int(os.environ.get("TREMPLIN_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))

OTP_TOTP_ISSUER = "Tremplin"
# Second factor (django-otp TOTP, rules in tremplin/accounts/second_factor.py). A code is accepted one 30-s step
# before or after the server's clock (device.tolerance = 1); OTP_TOTP_SYNC off keeps that window where it is
# (it would otherwise follow the drift of each phone). The admin never shows a device's secret.
OTP_TOTP_SYNC = False
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Mandatory for administrators, national managers and accounts with admin access; for every role when set.
TREMPLIN_SECOND_FACTOR_ALL_ROLES = env_bool("TREMPLIN_SECOND_FACTOR_ALL_ROLES", False)
# True lets those accounts in without enrolling (tests, `make demo`, which says so). Never read from the
# environment here; tremplin/settings/prod.py forces False.
TREMPLIN_SECOND_FACTOR_RELAXED = False

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "tremplin" / "static",
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Tremplin <ne-pas-repondre@tremplin.example>")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Messages to people (tremplin.notifications): links, providers, retries.
# How long a server process trusts an API key it has checked (revocation elsewhere takes effect within it).
TREMPLIN_API_KEY_CACHE_SECONDS = float(os.environ.get("TREMPLIN_API_KEY_CACHE_SECONDS", "10"))
# Links in SMS, e-mails, letters: by default the address scripts/serve.sh serves (HOST, PORT).
TREMPLIN_PUBLIC_URL = os.environ.get("TREMPLIN_PUBLIC_URL") or (
    f"http://{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
)
TREMPLIN_CONTACT_PHONE = os.environ.get("TREMPLIN_CONTACT_PHONE", "01 23 45 67 89")  # written on every message
TREMPLIN_SMS_BACKEND = os.environ.get("TREMPLIN_SMS_BACKEND", "tremplin.notifications.backends.HttpSmsBackend")
TREMPLIN_SMS_URL = os.environ.get("TREMPLIN_SMS_URL", "")
TREMPLIN_SMS_TOKEN = os.environ.get("TREMPLIN_SMS_TOKEN", "")
TREMPLIN_SMS_SENDER = os.environ.get("TREMPLIN_SMS_SENDER", "Tremplin")
TREMPLIN_SMS_TIMEOUT = float(os.environ.get("TREMPLIN_SMS_TIMEOUT", "10"))
TREMPLIN_SMS_FILE_PATH = Path(os.environ.get("TREMPLIN_SMS_FILE_PATH", VAR_DIR / "sms"))
TREMPLIN_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("TREMPLIN_NOTIFY_MAX_ATTEMPTS", "4"))
TREMPLIN_NOTIFY_RETRY_SECONDS = int(os.environ.get("TREMPLIN_NOTIFY_RETRY_SECONDS", "60"))  # then ×5 each time

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 10
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts from our own origin only, never inline; no plugin, no <base>
# elsewhere, no framing (the public booking page, embeddable, widens frame-ancestors itself). Styles: the
# DSFR and Leaflet files are ours too. Images: data: for Leaflet's and the DSFR's inline icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Sites allowed to show the public booking page in a frame ("*": any site, the default; else a comma-separated
# list of origins such as https://www.mairie-exemple.fr).
TREMPLIN_EMBED_ANCESTORS = env_list("TREMPLIN_EMBED_ANCESTORS", "*")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

from .api import *  # noqa: E402,F403 (TREMPLIN_API_* settings: tokens, rate limits)
from .deployment import *  # noqa: E402,F403 (read replica, structured logs: docs/DEPLOYMENT.md)
from .franceconnect import *  # noqa: E402,F403 (FRANCECONNECT_* settings, read from the environment)
from .privacy import *  # noqa: E402,F403 (TREMPLIN_RETENTION_* settings: docs/RGPD.md)
from .referrals import *  # noqa: E402,F403 (TREMPLIN_REFERRAL_* settings)
