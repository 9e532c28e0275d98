"""Deployment settings (read from the environment): read replica, structured logs, sessions in Redis, backups.
See docs/DEPLOYMENT.md. Imported at the end of base.py (and again at the end of prod.py)."""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from tremplin.ops.logging import logging_settings

from .base import DATABASES, VAR_DIR, env_bool

# Read replica (PostgreSQL streaming replication): the dashboards, the exports and the public statistics read from
# it, everything else from the primary (tremplin/ops/routers.py says which views). Empty: everything on "default".
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_ROUTERS = ["tremplin.ops.routers.ReplicaRouter"]
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
    )
    if _replica["ENGINE"] != "django.db.backends.postgresql" or _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL : une réplique PostgreSQL d'une base principale PostgreSQL.")
    # The same connection options as the primary (prepared statements: base.py); the tests never use it.
    _replica["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica

# Logs: LOG_FORMAT=json writes one JSON object per line on the standard output (tremplin/ops/logging.py), the
# default in production (prod.py); "text" the plain messages on the standard error. LOG_LEVEL: WARNING by default.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
LOGGING = logging_settings(LOG_FORMAT, LOG_LEVEL)

# Sessions: in the database by default (every web process reads the same ones). With Redis (REDIS_URL), read from
# Redis and written to both ("cached_db"): fast, and a restart of Redis signs nobody out. 0 keeps them in the database.
if os.environ.get("REDIS_URL") and env_bool("TREMPLIN_SESSIONS_IN_REDIS", True):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Backups (`manage.py backup`): the folder of the timestamped files when --output is not given.
TREMPLIN_BACKUP_DIR = os.environ.get("TREMPLIN_BACKUP_DIR", str(VAR_DIR / "backups"))

# The load balancer's health probe (GET /api/v1/health) often comes in plain HTTP, straight to the process: answered
# there, not redirected to HTTPS (SECURE_SSL_REDIRECT, prod.py). Its Host must still be in ALLOWED_HOSTS.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
