"""Demo people: a few dozen across the demo sites, with history; a second run creates nothing."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from tremplin.accounts.models import User
from tremplin.beneficiaries import perms
from tremplin.beneficiaries.models import Beneficiary
from tremplin.demo.beneficiaries import demo_beneficiaries_create
from tremplin.diagnostics import selectors
from tremplin.diagnostics.models import Diagnostic, Screening

pytestmark = pytest.mark.django_db


def test_demo_people_are_created_once_and_visible_to_the_demo_staff(settings, tmp_path):
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    out = StringIO()
    call_command("setup_demo", stdout=out)
    people = int(re.search(r"Personnes accompagnées de démonstration créées : (\d+)", out.getvalue()).group(1))
    assert 30 <= people <= 60
    assert Beneficiary.objects.count() >= people  # other demo parts (workshops) may add their own
    assert Screening.objects.filter(beneficiary__isnull=True).exists()
    assert Screening.objects.filter(beneficiary__isnull=False).exists()
    assert Diagnostic.objects.count() > people // 2
    assert selectors.count_out_of_illectronisme() > 0
    assert Beneficiary.objects.exclude(pseudonym="").exists()

    for email in ("mediateur@demo.tremplin.fr", "guichet@demo.tremplin.fr", "partenaire@demo.tremplin.fr"):
        assert perms.visible_beneficiaries(User.objects.get(email=email)).exists(), email

    counts = (Beneficiary.objects.count(), Screening.objects.count(), Diagnostic.objects.count())
    assert demo_beneficiaries_create() == 0
    assert (Beneficiary.objects.count(), Screening.objects.count(), Diagnostic.objects.count()) == counts
