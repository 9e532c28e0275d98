"""Enrolling and removing a second factor are journaled with who did it; the admin shows, never writes, the journal;
an administrator may remove a lost device but never sees nor creates a device's secret."""

import logging
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import current_code, make_device, mark_verified, wrong_code
from tests.factories import UserFactory
from tremplin.accounts.enums import SecurityAction
from tremplin.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def test_enrolment_and_removal_by_the_user_are_journaled(client, clock, caplog):
    user = UserFactory(coordinator=True, email="camille@tremplin.test")
    client.force_login(user)
    client.get(reverse("accounts:totp_enable"))
    device = TOTPDevice.objects.get(user=user)
    with caplog.at_level(logging.INFO, logger="tremplin.security"):
        client.post(reverse("accounts:totp_enable"), {"code": current_code(device)}, REMOTE_ADDR="192.0.2.10")
        clock.shift(30)
        client.post(reverse("accounts:totp_disable"), {"code": current_code(device)}, REMOTE_ADDR="192.0.2.11")
    events = SecurityEvent.objects.filter(user=user).order_by("at", "pk")
    assert [(e.action, e.actor, e.ip_address) for e in events] == [
        (SecurityAction.TOTP_ENABLED, user, "192.0.2.10"),
        (SecurityAction.TOTP_DISABLED, user, "192.0.2.11"),
    ]
    messages = [record.getMessage() for record in caplog.records if record.name == "tremplin.security"]
    assert len(messages) == 2
    assert messages[0].startswith("Double authentification activée: compte camille@tremplin.test")
    assert "par camille@tremplin.test, depuis 192.0.2.11" in messages[1]


def test_an_administrator_removes_a_lost_device_and_is_named_in_the_journal(client):
    user = UserFactory(mediator=True)
    device = make_device(user)
    administrator = UserFactory(administrator=True, email="admin@tremplin.test")
    client.force_login(administrator)
    response = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    event = SecurityEvent.objects.get(user=user)
    assert (event.action, event.actor) == (SecurityAction.TOTP_DISABLED, administrator)

    # The bulk action goes through the same journaled removal.
    devices = [make_device(UserFactory(partner=True)) for _ in range(2)]
    client.post(
        "/admin/otp_totp/totpdevice/",
        {"action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"},
    )
    assert not TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).exists()
    assert SecurityEvent.objects.filter(actor=administrator, action=SecurityAction.TOTP_DISABLED).count() == 3


def test_the_admin_never_shows_nor_creates_a_device_secret(client):
    device = make_device(UserFactory(coordinator=True))
    client.force_login(UserFactory(administrator=True))
    html = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    assert device.key not in html
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    assert client.get("/admin/otp_totp/totpdevice/add/").status_code == 403


@pytest.mark.parametrize("trait", ["administrator", "national"])
def test_the_journal_is_read_only_in_the_admin(client, trait):
    user = UserFactory(coordinator=True)
    event = SecurityEvent.objects.create(user=user, actor=user, action=SecurityAction.LOCKED, ip_address="192.0.2.1")
    client.force_login(UserFactory(**{trait: True}))
    assert client.get("/admin/accounts/securityevent/").status_code == 200
    assert client.get(f"/admin/accounts/securityevent/{event.pk}/change/").status_code == 200  # view only
    assert client.get("/admin/accounts/securityevent/add/").status_code == 403
    assert client.post(f"/admin/accounts/securityevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_a_wrong_code_removes_nothing_and_journals_no_removal(client, clock):
    """Removal needs a current code even in a session that gave one at sign-in."""
    user = UserFactory(coordinator=True)
    device = make_device(user)
    client.force_login(user)
    mark_verified(client, device)
    client.post(reverse("accounts:totp_disable"), {"code": wrong_code(device)})
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not SecurityEvent.objects.filter(action=SecurityAction.TOTP_DISABLED).exists()
