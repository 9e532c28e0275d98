"""Structured logs: one JSON object per line on the standard output (LOG_FORMAT=json, the default in production),
what a platform's log collector (Scalingo, Clever Cloud, journald, Loki, Elasticsearch) reads without a parser.

Each line: time (UTC, ISO 8601), level, logger, message, process; the exception's traceback under "exception";
the fields a caller passed with `extra=` (JSON-serialisable ones as they are, others as text); for Django's
request errors the method, path and status; for gunicorn's access log (tremplin/ops/gunicorn.py) the method,
path, status, duration and client address. Query strings are never written (share tokens, search terms)."""

import datetime
import json
import logging

# The attributes every LogRecord has: anything else was given by the caller with `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


def _plain(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage() if record.name != "gunicorn.access" else "requête",
            "process": record.process,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            entry.update(
                method=atoms.get("m"),
                path=atoms.get("U"),
                status=_int(atoms.get("s")),
                duration_ms=round(_int(atoms.get("D")) / 1000, 1),
                bytes=_int(atoms.get("B")),
                client=atoms.get("h"),
            )
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_"):
                continue
            if key == "request":  # django.request, django.security: the request object
                entry["method"] = getattr(value, "method", None)
                entry["path"] = getattr(value, "path", None)
            elif key == "status_code":
                entry["status"] = value
            else:
                entry[key] = _plain(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def logging_settings(log_format: str, level: str) -> dict:
    """Django's LOGGING: the root logger's records as JSON lines on the standard output (log_format "json"), else
    as plain messages on the standard error (as before: `make demo`, the tests)."""
    if log_format == "json":
        handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    else:
        handler = {"class": "logging.StreamHandler"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "tremplin.ops.logging.JsonFormatter"}},
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
    }
