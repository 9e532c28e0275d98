"""`make demo` shows the mandates at once: every state, their démarches and journal, a verified chain, and a
second factor for aidant@ that works (printed secret, recovery codes, `demo_code`)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.accounts.models import User
from tremplin.mandates import journal
from tremplin.mandates.enums import Status
from tremplin.mandates.habilitation import is_habilitated
from tremplin.mandates.models import JournalVerification, Mandate, MandateUse

pytestmark = pytest.mark.django_db


def test_demo_has_mandates_in_every_state_and_an_intact_journal(settings, tmp_path):
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    out = StringIO()
    call_command("setup_demo", stdout=out)
    output = out.getvalue()
    assert "Mandats de démonstration créés : 5" in output
    assert "codes de secours" in output

    now = timezone.now()
    assert Mandate.objects.valid().count() == 2
    ending = Mandate.objects.valid().order_by("ends_at").first()
    assert (ending.ends_at - now).days < 30  # the daily work warns about it
    assert set(Mandate.objects.values_list("status", flat=True)) == {
        Status.SIGNED,
        Status.EXPIRED,
        Status.REVOKED,
        Status.AWAITING_SIGNATURE,
    }
    assert MandateUse.objects.count() == 5
    assert journal.verify().intact
    assert JournalVerification.objects.get().intact

    aidant = User.objects.get(email="aidant@demo.tremplin.fr")
    mediator = User.objects.get(email="mediateur@demo.tremplin.fr")
    assert is_habilitated(aidant) and not is_habilitated(mediator)
    code_out = StringIO()
    call_command("demo_code", stdout=code_out)
    code = code_out.getvalue().split(" : ")[1][:6]
    assert TOTPDevice.objects.get(user=aidant).verify_token(code)

    verdict = StringIO()
    call_command("verify_journal", stdout=verdict)  # exits 1 (SystemExit) when broken
    assert "Journal des mandats intact" in verdict.getvalue()

    counts = (Mandate.objects.count(), MandateUse.objects.count())
    call_command("setup_demo", stdout=StringIO())
    assert (Mandate.objects.count(), MandateUse.objects.count()) == counts
