"""Recovery codes: 10 single-use codes (django-otp static tokens), made when the application is confirmed and shown
once, typed in the code field of the verification pages instead of a TOTP code, each use journaled; new ones on
request (the old ones then stop working); gone with the last TOTP device."""

import logging
import re
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import current_code, wrong_code
from tests.factories import PASSWORD, UserFactory
from tremplin.accounts import second_factor, services
from tremplin.accounts.enums import SecurityAction
from tremplin.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db

EMAIL = "alix@tremplin.test"
HOME = reverse("home:index")
VERIFY = reverse("accounts:verify")
REVERIFY = reverse("accounts:reverify")
ENABLE = reverse("accounts:totp_enable")
CODES = reverse("accounts:recovery_codes")
SECURITY = reverse("accounts:security")
CODE_RE = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>")


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(mediator=True, email=EMAIL)


def sign_in(client):
    return client.post(reverse("accounts:login"), {"username": EMAIL, "password": PASSWORD})


def enrol(client, user, next_url=""):
    client.force_login(user)
    client.get(ENABLE)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENABLE, {"code": current_code(device), "next": next_url})
    return response, device


def shown_codes(response) -> list[str]:
    return CODE_RE.findall(response.content.decode())


@pytest.fixture
def enrolled(client, user, clock):
    """An account that enrolled its application, the codes it was shown, and its device; signed out."""
    response, device = enrol(client, user)
    codes = shown_codes(client.get(response.url))
    client.post(reverse("accounts:logout"))
    clock.shift(30)
    return codes, device


def test_confirming_the_application_shows_ten_codes_once(client, user, clock):
    response, _ = enrol(client, user)
    assert response.url == CODES
    page = client.get(CODES)
    assert page["Cache-Control"].startswith("max-age=0")
    codes = shown_codes(page)
    assert len(codes) == len(set(codes)) == 10
    assert "Ils ne seront plus affichés" in page.content.decode()
    # Stored as django-otp stores them, without the dash shown.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in codes}
    # Never again.
    again = client.get(CODES)
    assert shown_codes(again) == []
    assert "Il vous reste 10 codes de secours." in again.content.decode()
    assert "Codes de secours : 10 restants." in client.get(SECURITY).content.decode()
    # Part of the enrolment in the journal, not another event.
    assert list(SecurityEvent.objects.filter(user=user).values_list("action", flat=True)) == [
        SecurityAction.TOTP_ENABLED
    ]


def test_enrolling_on_the_way_to_a_page_goes_there_and_links_to_the_codes(client, user, clock):
    response, _ = enrol(client, user, next_url="/personnes/")
    assert response.url == "/personnes/"
    html = unescape(client.get("/personnes/").content.decode())
    assert "La double authentification est activée" in html
    assert f'<a href="{CODES}">Affichez-les maintenant</a>, ils ne le seront qu\'une fois.' in html
    assert len(shown_codes(client.get(CODES))) == 10


@pytest.mark.parametrize("typed", ["{code}", "{upper}", " {spaced} ", "{bare}"])
def test_a_recovery_code_signs_in_once_whatever_its_case_and_spaces(client, enrolled, clock, caplog, typed):
    codes, _ = enrolled
    code = codes[3]
    variants = {
        "code": code,
        "upper": code.upper(),
        "spaced": code.replace("-", " ").upper(),
        "bare": code.replace("-", ""),
    }
    sign_in(client)
    with caplog.at_level(logging.WARNING, logger="tremplin.security"):
        response = client.post(VERIFY, {"code": typed.format(**variants), "next": "/personnes/"}, follow=True)
    assert response.redirect_chain[0] == ("/personnes/", 302)
    assert client.get(HOME).status_code == 200
    html = response.content.decode()
    assert "Code de secours accepté : il ne servira plus. Il vous en reste 9." in html
    event = SecurityEvent.objects.get(user__email=EMAIL, action=SecurityAction.RECOVERY_CODE_USED)
    assert event.actor.email == EMAIL
    assert any("Code de secours utilisé" in r.getMessage() and "reste 9" in r.getMessage() for r in caplog.records)

    # Spent: the same code is refused next time.
    client.post(reverse("accounts:logout"))
    sign_in(client)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    assert client.get(HOME).status_code == 302
    assert client.post(VERIFY, {"code": codes[4]}).status_code == 200  # throttled a moment after a wrong code
    clock.shift(2)
    assert client.post(VERIFY, {"code": codes[4]}).status_code == 302


def test_a_recovery_code_makes_the_session_fresh_on_the_reverify_page(client, enrolled, clock):
    codes, device = enrolled
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(16 * 60)
    response = client.post(REVERIFY, {"code": codes[0], "next": "/personnes/"})
    assert response.url == "/personnes/"
    assert StaticToken.objects.filter(device__user__email=EMAIL).count() == 9


def test_few_codes_left_says_so_and_points_to_new_ones(client, enrolled, clock):
    codes, _ = enrolled
    for spent, code in enumerate(codes[:10], start=1):
        sign_in(client)
        response = client.post(VERIFY, {"code": code}, follow=True)
        html = unescape(response.content.decode())
        left = 10 - spent
        if left == 0:
            assert "Code de secours accepté : c'était le dernier." in html
        else:
            assert f"Il vous en reste {left}." in html
        assert ("Générez-en de nouveaux dès maintenant" in html) is (left <= 3)
        client.post(reverse("accounts:logout"))
    assert SecurityEvent.objects.filter(action=SecurityAction.RECOVERY_CODE_USED).count() == 10
    assert services.recovery_codes_left(UserFactory._meta.model.objects.get(email=EMAIL)) == 0


def test_a_malformed_code_is_refused_in_french(client, enrolled):
    sign_in(client)
    response = client.post(VERIFY, {"code": "abc"})
    assert response.status_code == 200
    assert "ou l&#x27;un de vos codes de secours (8 lettres et chiffres" in response.content.decode()


def test_new_codes_need_a_current_code_and_invalidate_the_old_ones(client, user, enrolled, clock):
    old, device = enrolled
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(30)

    # A recovery code cannot buy new ones, nor can a wrong code.
    response = client.post(CODES, {"code": old[0].replace("-", "")})
    assert response.status_code == 200 and shown_codes(response) == []
    clock.shift(2)
    client.post(CODES, {"code": wrong_code(device)})
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert not SecurityEvent.objects.filter(action=SecurityAction.RECOVERY_CODES_GENERATED).exists()

    clock.shift(30)
    response = client.post(CODES, {"code": current_code(device)}, REMOTE_ADDR="192.0.2.4")
    assert response.url == CODES
    page = client.get(CODES)
    new = shown_codes(page)
    assert len(new) == 10 and not set(new) & set(old)
    assert "les anciens ne fonctionnent plus" in unescape(page.content.decode())
    event = SecurityEvent.objects.get(action=SecurityAction.RECOVERY_CODES_GENERATED)
    assert (event.user, event.actor, event.ip_address) == (user, user, "192.0.2.4")
    assert StaticDevice.objects.filter(user=user).count() == 1

    client.post(reverse("accounts:logout"))
    sign_in(client)
    assert "Code incorrect" in client.post(VERIFY, {"code": old[1]}).content.decode()
    clock.shift(2)
    assert client.post(VERIFY, {"code": new[1]}).status_code == 302


def test_wrong_recovery_codes_count_towards_the_lockout(client, enrolled, clock):
    codes, device = enrolled
    sign_in(client)
    for n in range(5):
        response = client.post(VERIFY, {"code": "zzzz-zzzz"})
        clock.shift(2**n)
    assert response.status_code == 429
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 429  # a right one too, while it lasts
    assert client.post(VERIFY, {"code": current_code(device)}).status_code == 429
    assert StaticToken.objects.filter(device__user__email=EMAIL).count() == 10


def test_a_right_code_resets_the_count_of_every_device(client, enrolled, clock):
    codes, device = enrolled
    sign_in(client)
    for n in range(4):
        client.post(VERIFY, {"code": wrong_code(device)})
        clock.shift(2**n)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert {d.throttling_failure_count for d in second_factor.code_devices(device.user)} == {0}


def test_recovery_codes_go_with_the_last_device(client, user, enrolled, clock):
    codes, device = enrolled
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(30)
    client.post(reverse("accounts:totp_disable"), {"code": current_code(device)})
    assert not StaticDevice.objects.filter(user=user).exists()
    client.post(reverse("accounts:logout"))
    assert sign_in(client).url == HOME  # no code asked any more, not even a recovery code

    # Removed by an administrator: the same.
    _, device = enrol(client, user)
    services.totp_device_remove(device=device, by=UserFactory(administrator=True))
    assert not StaticDevice.objects.filter(user=user).exists()


def test_an_account_without_a_second_factor_has_no_recovery_codes(client, user):
    client.force_login(user)
    response = client.get(CODES, follow=True)
    assert response.redirect_chain == [(SECURITY, 302)]
    assert "Les codes de secours accompagnent la double authentification" in unescape(response.content.decode())
    with pytest.raises(Exception, match="Activez d'abord"):
        services.recovery_codes_generate(user=user)


def test_the_admin_never_shows_the_recovery_codes(client, user, enrolled):
    client.force_login(UserFactory(administrator=True))
    device = StaticDevice.objects.get(user=user)
    html = client.get(f"/admin/otp_static/staticdevice/{device.pk}/change/").content.decode()
    tokens = list(StaticToken.objects.filter(device=device).values_list("token", flat=True))
    assert len(tokens) == 10
    for token in tokens:
        assert token not in html


def test_the_admin_has_no_recovery_code_pages(client, user, enrolled):
    """An administrator could otherwise add codes to someone's account, and sign in as them with the password."""
    client.force_login(UserFactory(administrator=True))
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/add/").status_code == 404
