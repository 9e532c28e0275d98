"""TOTP second factor: enable, disable, and the verification step after the password (optional roles)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import current_code, make_device, wrong_code
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SECURITY = reverse("accounts:security")
ENABLE = reverse("accounts:totp_enable")
DISABLE = reverse("accounts:totp_disable")
VERIFY = reverse("accounts:verify")
HOME = reverse("home:index")


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(coordinator=True, email="camille@tremplin.test")


def sign_in(client, next_url=None):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": "camille@tremplin.test", "password": PASSWORD})


# --- Enabling -----------------------------------------------------------------------------------


def test_security_page_shows_the_factor_is_off(client, user):
    client.force_login(user)
    response = client.get(SECURITY)
    assert response.status_code == 200
    assert response.context["title"] == "Sécurité du compte"
    html = response.content.decode()
    assert "Désactivée" in html
    assert ENABLE in html


def test_enable_page_shows_a_qr_code_and_the_secret(client, user):
    client.force_login(user)
    response = client.get(ENABLE)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    html = response.content.decode()
    assert "<svg" in html and "<path" in html  # QR code drawn inline, not fetched elsewhere
    assert response.context["secret"].replace(" ", "") in device.config_url
    assert response.context["secret"] in html

    # Reloading keeps the same secret (the user may be scanning it).
    client.get(ENABLE)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_correct_code_confirms_the_device_and_verifies_the_session(client, user):
    client.force_login(user)
    client.get(ENABLE)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(ENABLE, {"code": current_code(device)}, follow=True)
    # Its recovery codes are shown once, on their own page, before anything else.
    assert response.redirect_chain[-1][0] == reverse("accounts:recovery_codes")
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert "La double authentification est activée" in response.content.decode()
    assert "Activée" in client.get(SECURITY).content.decode()


def test_wrong_code_does_not_confirm(client, user):
    client.force_login(user)
    client.get(ENABLE)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(ENABLE, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_code_must_have_six_digits(client, user):
    client.force_login(user)
    client.get(ENABLE)
    response = client.post(ENABLE, {"code": "12ab"})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_repeated_wrong_codes_are_throttled(client, user, clock):
    client.force_login(user)
    client.get(ENABLE)
    device = TOTPDevice.objects.get(user=user)
    client.post(ENABLE, {"code": wrong_code(device)})
    response = client.post(ENABLE, {"code": current_code(device)})  # right, but too soon
    assert "patientez quelques secondes" in response.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is False
    clock.shift(2)
    client.post(ENABLE, {"code": current_code(device)})
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is True


# --- Disabling ----------------------------------------------------------------------------------


def test_disabling_needs_a_current_code(client, user):
    device = make_device(user)
    client.force_login(user)
    client.post(VERIFY, {"code": current_code(device)})

    response = client.post(DISABLE, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()


def test_disabling_with_a_current_code_removes_the_device(client, user, clock):
    device = make_device(user)
    client.force_login(user)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(30)  # a code is accepted once: wait for the next one
    response = client.post(DISABLE, {"code": current_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == SECURITY
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert "Désactivée" in response.content.decode()

    # Next login: no code asked.
    client.post(reverse("accounts:logout"))
    response = sign_in(client)
    assert response.url == HOME


# --- Verification after the password -----------------------------------------------------------


def test_login_with_a_device_asks_for_a_code_before_anything_else(client, user, clock):
    device = make_device(user)
    response = sign_in(client, next_url="/territoires/")
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2Fterritoires%2F"

    # Every page sends back to the verification, remembering where the user was going.
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2F"
    assert client.get(SECURITY).url.startswith(VERIFY)

    response = client.get(VERIFY)
    assert response.status_code == 200
    assert response.context["title"] == "Vérification en deux étapes"

    response = client.post(VERIFY, {"code": wrong_code(device), "next": "/territoires/"})
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert client.get(HOME).status_code == 302

    clock.shift(2)  # past the throttling delay after a wrong code
    response = client.post(VERIFY, {"code": current_code(device), "next": "/territoires/"})
    assert response.status_code == 302
    assert response.url == "/territoires/"
    assert client.get(HOME).status_code == 200


def test_a_code_is_accepted_only_once(client, user, clock):
    device = make_device(user)
    code = current_code(device)
    sign_in(client)
    client.post(VERIFY, {"code": code})
    client.post(reverse("accounts:logout"))
    sign_in(client)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert client.get(HOME).status_code == 302


def test_verification_ignores_an_external_next(client, user):
    device = make_device(user)
    sign_in(client)
    response = client.post(VERIFY, {"code": current_code(device), "next": "https://evil.example/"})
    assert response.url == HOME


def test_login_without_device_asks_no_code(client, user):
    make_device(user, confirmed=False)  # enrolment started, never confirmed
    response = sign_in(client)
    assert response.url == HOME
    assert client.get(HOME).status_code == 200


def test_verification_is_not_inherited_from_an_earlier_login(client, user, clock):
    device = make_device(user)
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get(HOME).status_code == 200
    sign_in(client)  # signs in again in the same browser session
    assert client.get(HOME).status_code == 302


def test_logout_stays_possible_while_the_code_is_asked(client, user):
    make_device(user)
    sign_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
