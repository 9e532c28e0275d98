"""Production settings pass `manage.py check --deploy` without a warning, and behave as they say behind a proxy or
not: HTTPS redirect, HSTS, secure cookies, X-Forwarded-Proto believed only from a trusted proxy, CSP header."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def prod_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "TREMPLIN_", "REDIS_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tremplin.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        TREMPLIN_CONTACT_PHONE="01 02 03 04 05",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        ALLOWED_HOSTS="tremplin.example",
        TREMPLIN_VAR_DIR=str(tmp_path),
        # an empty database here (no cache table): the API's per-address limit, which counts in that cache, is off
        TREMPLIN_API_PUBLIC_RATE="",
    )
    env.update(extra)
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize(
    "extra",
    [{}, {"TREMPLIN_TRUSTED_PROXY_COUNT": "1", "SECURE_SSL_REDIRECT": "0"}],
    ids=["sans-proxy", "derriere-un-proxy-qui-redirige"],
)
def test_check_deploy_is_clean_with_production_settings(tmp_path, extra):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], prod_env(tmp_path, **extra))
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_check_deploy_warns_when_hsts_is_turned_off(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], prod_env(tmp_path, SECURE_HSTS_SECONDS="0")
    )
    assert result.returncode != 0 and "security.W004" in result.stderr


REQUESTS = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
# A page without static files (the manifest of collectstatic is not there): the API's description.
plain = client.get("/api/v1/openapi.json", HTTP_HOST="tremplin.example", HTTP_X_FORWARDED_PROTO="https")
secure = client.get("/api/v1/openapi.json", HTTP_HOST="tremplin.example", secure=True)
print(json.dumps({
    "proxy_header": settings.SECURE_PROXY_SSL_HEADER,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def requests_under(tmp_path, **extra) -> dict:
    result = run(["-c", REQUESTS], prod_env(tmp_path, **extra))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_proxy_a_forged_forwarded_proto_is_not_believed(tmp_path):
    answers = requests_under(tmp_path)
    assert answers["proxy_header"] is None
    # Plain HTTP, whatever the header says: sent to HTTPS.
    assert (
        answers["plain_status"] == 301 and answers["plain_location"] == "https://tremplin.example/api/v1/openapi.json"
    )
    assert answers["secure_status"] == 200
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in answers["csp"] and "frame-ancestors 'none'" in answers["csp"]
    assert answers["cookies_secure"] == [True, True]


def test_behind_the_trusted_proxy_its_forwarded_proto_is_believed(tmp_path):
    answers = requests_under(tmp_path, TREMPLIN_TRUSTED_PROXY_COUNT="1")
    assert answers["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert answers["plain_status"] == 200  # came in over HTTPS to the proxy: no redirect loop
    assert answers["hsts"].startswith("max-age=31536000")


def test_ssl_redirect_and_hsts_are_configurable(tmp_path):
    answers = requests_under(
        tmp_path,
        TREMPLIN_TRUSTED_PROXY_COUNT="1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="0",
    )
    assert answers["hsts"] == "max-age=600"
