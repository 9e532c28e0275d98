"""Who may relax the mandatory second factor: the tests and `make demo` (which says so), never production."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from tests.conftest import ROOT


def setting_in(module: str, tmp_path, **env) -> str:
    """TREMPLIN_SECOND_FACTOR_RELAXED as a fresh interpreter reads it from `module` under `env`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TREMPLIN_SECOND_FACTOR"))}
    environ.update(
        DJANGO_SETTINGS_MODULE=module,
        TREMPLIN_VAR_DIR=str(tmp_path),
        SECRET_KEY="x" * 50,
        TREMPLIN_CONTACT_PHONE="01 02 03 04 05",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    code = "from django.conf import settings; print(settings.TREMPLIN_SECOND_FACTOR_RELAXED)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("value", ["1", "true", "oui"])
def test_production_enforces_it_whatever_the_environment_says(tmp_path, value):
    assert setting_in("tremplin.settings.prod", tmp_path, TREMPLIN_SECOND_FACTOR_RELAXED=value) == "False"


def test_base_settings_enforce_it_and_do_not_read_the_environment(tmp_path):
    assert setting_in("tremplin.settings.base", tmp_path) == "False"
    assert setting_in("tremplin.settings.base", tmp_path, TREMPLIN_SECOND_FACTOR_RELAXED="1") == "False"


def test_demo_settings_relax_it_unless_told_otherwise(tmp_path):
    assert setting_in("tremplin.settings.dev", tmp_path) == "True"
    assert setting_in("tremplin.settings.dev", tmp_path, TREMPLIN_SECOND_FACTOR_RELAXED="0") == "False"


@pytest.mark.django_db
def test_make_demo_says_when_the_second_factor_is_relaxed(settings, tmp_path):
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    notice = "la double authentification n'est pas imposée"

    settings.TREMPLIN_SECOND_FACTOR_RELAXED = True
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert notice in out.getvalue()
    assert "en production elle l'est toujours" in out.getvalue()

    settings.TREMPLIN_SECOND_FACTOR_RELAXED = False
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert notice not in out.getvalue()
