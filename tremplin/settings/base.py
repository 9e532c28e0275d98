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
    "django_otp",
    "django_otp.plugins.otp_totp",
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
    "tremplin.opendata",
    "tremplin.www",
    "tremplin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tremplin.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
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

OTP_TOTP_ISSUER = "Tremplin"

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
TREMPLIN_PUBLIC_URL = os.environ.get("TREMPLIN_PUBLIC_URL", "http://127.0.0.1:8000")  # links in SMS, e-mails, letters
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
