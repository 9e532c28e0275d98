"""gunicorn's configuration in production: `gunicorn --config python:tremplin.ops.gunicorn tremplin.wsgi`
(Procfile, Containerfile, the systemd unit of docs/DEPLOYMENT.md). Everything can be changed by the environment.

- PORT (8000) on every address: behind the platform's router or a load balancer, the only way in;
- WEB_CONCURRENCY worker processes (2) of GUNICORN_THREADS threads (2) each (`gthread`: connections kept alive
  behind a proxy; docs/PERFORMANCE.md), restarted after about 2 000 requests (memory of long-lived processes);
- GUNICORN_TIMEOUT seconds (60) before a stuck request's worker is replaced (the PDF exports are the longest);
- the access log on the standard output, as JSON lines when LOG_FORMAT=json (the default in production), with the
  method, path (never the query string), status, duration and client address (tremplin/ops/logging.py).
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 (behind the router)
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "30"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
# No control socket ($HOME/.gunicorn/gunicorn.ctl): one per machine would be shared by two servers, and a
# container's home may be read-only. Signals (HUP, TERM) do the same.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "tremplin.ops.logging.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
