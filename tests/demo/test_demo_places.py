"""`make demo` shows the directory and the referral loop: the association's permanences near the mediator's
offices, kept by partenaire@, and referrals in every state seen from both sides."""

from io import StringIO

import pytest
from django.core.management import call_command

from tremplin.accounts.models import User
from tremplin.places.models import Place
from tremplin.referrals.enums import Status
from tremplin.referrals.models import Referral
from tremplin.referrals.perms import received_referrals, sent_referrals

pytestmark = pytest.mark.django_db


def test_demo_has_places_and_referrals_in_every_state(settings, tmp_path):
    settings.TREMPLIN_DATA_DIR = ""
    settings.VAR_DIR = tmp_path
    settings.TREMPLIN_CACHE_DIR = tmp_path / "cache"
    out = StringIO()
    call_command("setup_demo", stdout=out)
    assert "Orientations de démonstration créées : 4" in out.getvalue()
    partner = User.objects.get(email="partenaire@demo.tremplin.fr")
    mediator = User.objects.get(email="mediateur@demo.tremplin.fr")
    assert Place.objects.filter(organisation=partner.organisation).count() == 2
    assert sorted(Referral.objects.values_list("status", flat=True)) == sorted(
        [Status.SENT, Status.ACCEPTED, Status.SEEN, Status.DECLINED]
    )
    assert received_referrals(partner).count() == 4
    assert sent_referrals(mediator).count() == 4
    call_command("setup_demo", stdout=StringIO())
    assert Referral.objects.count() == 4 and Place.objects.count() == 2
