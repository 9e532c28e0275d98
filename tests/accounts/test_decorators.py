"""second_factor_required: sensitive actions need a confirmed TOTP device used in this session."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.accounts.otp import current_code, make_device, mark_verified
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.urls")]

SENSITIVE = "/sensible/?ligne=2&vue=liste"
NEXT = "next=%2Fsensible%2F%3Fligne%3D2%26vue%3Dliste"


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(SENSITIVE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_user_without_device_is_sent_to_enable_it(client):
    client.force_login(UserFactory())
    response = client.get(SENSITIVE, follow=True)
    assert response.redirect_chain == [(f"{reverse('accounts:security')}?{NEXT}", 302)]
    html = response.content.decode()
    assert "réservée aux comptes protégés par la double authentification" in html
    # The way to enable the factor brings the user back to the action.
    assert f"{reverse('accounts:totp_enable')}?{NEXT.replace('&', '&amp;')}" in html


def test_unconfirmed_device_is_not_enough(client):
    user = UserFactory()
    make_device(user, confirmed=False)
    client.force_login(user)
    assert client.get(SENSITIVE).url == f"{reverse('accounts:security')}?{NEXT}"


def test_user_with_device_not_verified_in_this_session_is_sent_to_verification(client):
    user = UserFactory()
    make_device(user)
    client.force_login(user)
    response = client.get(SENSITIVE)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:verify')}?{NEXT}"


def test_verified_user_reaches_the_action(client):
    user = UserFactory()
    device = make_device(user)
    client.force_login(user)
    mark_verified(client, device)
    response = client.get(SENSITIVE)
    assert response.status_code == 200
    assert response.content == b"action sensible"


def test_full_journey_enable_then_back_to_the_action(client):
    user = UserFactory()
    client.force_login(user)
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 0, tzinfo=UTC), tick=False):
        security = client.get(SENSITIVE).url
        enable = client.get(security).context["enable_url"]
        page = client.get(enable).content.decode()
        assert 'name="next" value="/sensible/?ligne=2&amp;vue=liste"' in page  # carried by the form
        device = user.totpdevice_set.get()
        response = client.post(enable, {"code": current_code(device), "next": "/sensible/?ligne=2&vue=liste"})
        assert response.url == SENSITIVE
        assert client.get(SENSITIVE).status_code == 200
