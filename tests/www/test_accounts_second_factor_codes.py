"""Codes: one 30-s step of clock drift tolerated, no more; lockout after repeated wrong codes, as for passwords."""

import logging
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import code_at, current_code, make_device, mark_verified, wrong_code
from tests.factories import PASSWORD, UserFactory
from tremplin.accounts.enums import SecurityAction
from tremplin.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db

EMAIL = "camille@tremplin.test"
HOME = reverse("home:index")
VERIFY = reverse("accounts:verify")
ENABLE = reverse("accounts:totp_enable")
DISABLE = reverse("accounts:totp_disable")
START = datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC)  # 10 h 00 min 10 s in Paris, 10 s into a 30-s step


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(coordinator=True, email=EMAIL)


@pytest.fixture
def device(user):
    return make_device(user)


def sign_in(client):
    return client.post(reverse("accounts:login"), {"username": EMAIL, "password": PASSWORD})


def fail(client, device, times, url=VERIFY, clock=None, **extra):
    """`times` wrong codes, each after django-otp's growing pause (1 s, 2 s, 4 s…) so that each one counts."""
    response = None
    for _ in range(times):
        before = TOTPDevice.objects.get(pk=device.pk).throttling_failure_count
        response = client.post(url, {"code": wrong_code(device)}, **extra)
        clock.shift(2**before)
    return response


# --- Clock drift ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_a_code_one_step_away_is_accepted_two_steps_away_refused(client, user, device, clock, steps, accepted):
    sign_in(client)
    response = client.post(VERIFY, {"code": code_at(device, steps)})
    assert (response.status_code == 302) is accepted
    assert (client.get(HOME).status_code == 200) is accepted
    if not accepted:
        assert "Code incorrect ou expiré" in response.content.decode()


def test_the_window_does_not_follow_a_phone_that_runs_fast(client, user, device, clock):
    sign_in(client)
    client.post(VERIFY, {"code": code_at(device, 1)})  # one step ahead: accepted
    client.post(reverse("accounts:logout"))
    clock.shift(30)
    sign_in(client)
    # Two steps ahead of the server now: refused (it would pass if the window had moved with the phone).
    client.post(VERIFY, {"code": code_at(device, 2)})
    assert client.get(HOME).status_code == 302


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (2, False)])
def test_enrolment_tolerates_the_same_drift(client, user, clock, steps, accepted):
    client.force_login(user)
    client.get(ENABLE)
    device = TOTPDevice.objects.get(user=user)
    assert device.tolerance == 1
    client.post(ENABLE, {"code": code_at(device, steps)})
    assert TOTPDevice.objects.get(pk=device.pk).confirmed is accepted


# --- Lockout ---------------------------------------------------------------------------------------


def test_five_wrong_codes_lock_the_second_factor_for_thirty_minutes(client, user, device, clock):
    sign_in(client)
    response = fail(client, device, 4, clock=clock)
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()

    response = client.post(VERIFY, {"code": wrong_code(device)})  # the fifth, at 10 h 00 min 25 s
    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop de codes erronés" in html
    assert "après 5 codes erronés de suite" in html
    assert "bloquée pendant 30 minutes" in html
    assert "jusqu&#x27;à 10 h 31" in html  # over at 10 h 30 min 25 s: the next minute is shown
    assert 'name="code"' not in html  # nothing to type while it lasts
    assert 'action="/compte/deconnexion/"' in html

    # A right code is refused while the lock lasts, even after signing in again.
    clock.shift(29 * 60)
    response = client.post(VERIFY, {"code": current_code(device)})
    assert response.status_code == 429
    assert client.get(HOME).status_code == 302
    assert client.get(VERIFY).status_code == 429
    client.post(reverse("accounts:logout"))
    sign_in(client)
    assert client.post(VERIFY, {"code": current_code(device)}).status_code == 429

    clock.shift(60)  # 10 h 30 min 25 s: over
    response = client.post(VERIFY, {"code": current_code(device)})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_the_lock_ends_at_the_same_time_however_many_codes_are_sent_meanwhile(client, user, device, clock):
    sign_in(client)
    fail(client, device, 5, clock=clock)
    for _ in range(10):
        client.post(VERIFY, {"code": wrong_code(device)})
        clock.shift(60)
    clock.move_to(datetime(2025, 3, 14, 9, 30, 26, tzinfo=UTC))
    assert client.post(VERIFY, {"code": current_code(device)}).status_code == 302


def test_after_the_lock_counting_starts_again(client, user, device, clock):
    sign_in(client)
    fail(client, device, 5, clock=clock)
    clock.shift(31 * 60)
    response = fail(client, device, 4, clock=clock)
    assert response.status_code == 200  # four wrong codes since the lock: not locked again
    assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 429


def test_a_right_code_resets_the_count(client, user, device, clock):
    sign_in(client)
    fail(client, device, 4, clock=clock)
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))
    sign_in(client)
    assert fail(client, device, 4, clock=clock).status_code == 200


def test_the_lock_follows_the_account_not_the_address(client, user, device, clock):
    """Whoever types codes already has the password: changing address must not give more tries."""
    sign_in(client)
    for n in range(5):
        response = fail(client, device, 1, clock=clock, REMOTE_ADDR=f"192.0.2.{n + 1}")
    assert response.status_code == 429


def test_removing_the_second_factor_is_locked_too(client, user, device, clock):
    client.force_login(user)
    mark_verified(client, device)
    fail(client, device, 5, url=DISABLE, clock=clock)
    response = client.post(DISABLE, {"code": current_code(device)})
    assert response.status_code == 429
    assert "Trop de codes erronés" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_failures_and_lockout_are_journaled_for_the_administrators(client, user, device, clock, caplog):
    sign_in(client)
    with caplog.at_level(logging.WARNING, logger="tremplin.security"):
        fail(client, device, 5, clock=clock, REMOTE_ADDR="192.0.2.7")
    events = list(SecurityEvent.objects.filter(user=user).order_by("at", "pk"))
    assert [e.action for e in events] == [SecurityAction.CODE_REFUSED] * 5 + [SecurityAction.LOCKED]
    assert {(e.actor, e.ip_address) for e in events} == {(user, "192.0.2.7")}
    assert (
        sum(
            "Vérification verrouillée" in record.getMessage() and EMAIL in record.getMessage()
            for record in caplog.records
        )
        == 1
    )

    administrator = UserFactory(administrator=True)
    client.force_login(administrator)
    html = client.get("/admin/accounts/securityevent/", {"action": SecurityAction.LOCKED}).content.decode()
    assert "Vérification verrouillée (trop de codes erronés)" in html
    assert str(user) in html and "192.0.2.7" in html
    # The device's own count of wrong codes in a row is shown beside it.
    html = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/").content.decode()
    count = re.search(r'field-throttling_failure_count.*?class="readonly">(\d+)<', html, re.DOTALL)
    assert count and count.group(1) == "5"


def test_a_lock_that_ends_tomorrow_gives_the_date(client, user, device):
    with time_machine.travel(datetime(2025, 3, 14, 22, 50, 10, tzinfo=UTC), tick=False) as clock:  # 23 h 50, Paris
        sign_in(client)
        response = fail(client, device, 5, clock=clock)
    assert response.status_code == 429
    assert "jusqu&#x27;au 15/03/2025 à 0 h 21" in response.content.decode()
