"""The mandates' daily work: each step idempotent, the journal verified once a day, the command's verdict."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from tests.mandates.factories import MandateFactory
from tremplin.mandates.daily import mandates_daily
from tremplin.mandates.enums import Status
from tremplin.mandates.models import JournalVerification

pytestmark = pytest.mark.django_db


def test_daily_work_is_idempotent_and_verifies_once_a_day():
    mandate = MandateFactory(starts_at=timezone.now() - timedelta(days=366))  # past its end, not yet expired
    first = mandates_daily()
    assert (first.expired, first.verification.intact) == (1, True)
    mandate.refresh_from_db()
    assert mandate.status == Status.EXPIRED
    again = mandates_daily()
    assert (again.expired, again.verification) == (0, None)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert mandates_daily().verification is not None
    assert JournalVerification.objects.count() == 2


def test_command_prints_the_verdict(capsys):
    call_command("mandates_daily")
    out = capsys.readouterr().out
    assert "Mandats expirés : 0" in out and "Journal des mandats intact : 0 entrées vérifiées." in out


def test_an_account_back_after_six_months_loses_its_habilitation_at_sign_in(client):
    from tests.mandates.factories import habilitated_mediator
    from tremplin.mandates.enums import HabilitationStatus
    from tremplin.mandates.models import Habilitation

    mediator = habilitated_mediator()
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        client.force_login(mediator)  # before any daily run
        habilitation = Habilitation.objects.get(user=mediator)
        assert habilitation.status == HabilitationStatus.SUSPENDED
        mediator.refresh_from_db()
        assert (timezone.now() - mediator.last_login).total_seconds() < 60  # Django's update still happens
