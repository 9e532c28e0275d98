"""Structured logs (tremplin/ops/logging.py): one JSON object per line, the default in production settings."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from tremplin.ops.logging import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


def record(name="tremplin.test", level=logging.WARNING, message="Envoi %s échoué", args=(12,), **extra):
    entry = logging.LogRecord(name, level, __file__, 1, message, args, None)
    entry.__dict__.update(extra)
    return entry


def test_a_record_is_one_json_line_with_its_extra_fields():
    line = JsonFormatter().format(record(notification=12, objet={1}))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "tremplin.test"
    assert entry["message"] == "Envoi 12 échoué"
    assert entry["notification"] == 12 and entry["objet"] == "{1}"  # what JSON cannot hold is written as text
    assert entry["time"].endswith("+00:00")


def test_an_exception_is_kept_whole_in_its_line():
    try:
        raise ValueError("valeur « refusée »")
    except ValueError:
        entry = record(level=logging.ERROR)
        entry.exc_info = sys.exc_info()
    parsed = json.loads(JsonFormatter().format(entry))
    assert "ValueError: valeur « refusée »" in parsed["exception"]


def test_gunicorn_access_lines_carry_the_request_without_its_query_string():
    atoms = {"m": "GET", "U": "/pilotage/", "q": "jeton=secret", "s": "200", "D": "15300", "B": "512", "h": "10.0.0.1"}
    entry = json.loads(
        JsonFormatter().format(record(name="gunicorn.access", level=logging.INFO, message="%(m)s", args=(atoms,)))
    )
    assert entry["method"] == "GET" and entry["path"] == "/pilotage/" and entry["status"] == 200
    assert entry["duration_ms"] == 15.3 and entry["client"] == "10.0.0.1"
    assert "secret" not in json.dumps(entry)


def test_production_settings_log_json_lines_to_the_standard_output():
    code = "import django, logging; django.setup(); logging.getLogger('tremplin').warning('essai %s', 1)"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tremplin.settings.prod",
        "SECRET_KEY": "essai",
        "TREMPLIN_CONTACT_PHONE": "01 00 00 00 00",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout.strip().splitlines()[-1])
    assert entry["message"] == "essai 1" and entry["logger"] == "tremplin" and entry["level"] == "WARNING"
    text = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**env, "LOG_FORMAT": "text"}, capture_output=True, text=True
    )
    assert text.stdout == "" and "essai 1" in text.stderr
