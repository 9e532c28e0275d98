"""Acting on someone's behalf needs a code given within the last 15 minutes: every accepted code stamps the session,
`second_factor.verified_within` reads the stamp, and `accounts:reverify` asks for a fresh code, then goes back."""

from datetime import UTC, datetime
from html import unescape
from urllib.parse import quote

import pytest
import time_machine
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from tests.accounts.otp import code_at, current_code, make_device, mark_verified, wrong_code
from tests.factories import PASSWORD, UserFactory
from tremplin.accounts import second_factor
from tremplin.urls import urlpatterns as project_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

EMAIL = "sacha@tremplin.test"
VERIFY = "/compte/verification/"
REVERIFY = "/compte/verification/confirmer/"
ACT = "/agir-pour/?personne=12&categorie=social-sante"


def fresh(request):
    return JsonResponse(
        {"fresh": second_factor.verified_within(request), "five": second_factor.verified_within(request, minutes=5)}
    )


def act_for(request):
    """What the act-for view does: no fresh code, no action."""
    if not second_factor.verified_within(request):
        return redirect(second_factor.reverify_url(request.get_full_path()))
    return HttpResponse("action au nom de la personne")


urlpatterns = [*project_urlpatterns, path("frais/", fresh), path("agir-pour/", act_for)]


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(mediator=True, email=EMAIL)


@pytest.fixture
def device(user):
    return make_device(user)


def sign_in(client):
    return client.post(reverse("accounts:login"), {"username": EMAIL, "password": PASSWORD})


def is_fresh(client, key="fresh"):
    return client.get("/frais/").json()[key]


def test_the_urls_and_the_window_the_act_for_view_relies_on():
    assert reverse("accounts:reverify") == REVERIFY
    assert reverse("accounts:verify") == VERIFY
    assert second_factor.FRESHNESS.total_seconds() == 15 * 60
    assert second_factor.reverify_url("/a/?b=1&c=2") == f"{REVERIFY}?next=%2Fa%2F%3Fb%3D1%26c%3D2"


def test_a_code_given_at_sign_in_is_fresh_for_15_minutes_not_16(client, device, clock):
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    assert is_fresh(client) is True
    clock.shift(14 * 60 + 50)
    assert is_fresh(client) is True
    assert is_fresh(client, "five") is False  # a shorter window, for a view that asks it
    clock.shift(70)  # 16 minutes after the code
    assert is_fresh(client) is False
    assert client.get("/").status_code == 200  # still signed in and verified: only the freshness is gone


def test_a_session_verified_without_a_stamp_is_not_fresh(client, user, device):
    client.force_login(user)
    mark_verified(client, device)  # verified, but nobody knows when
    assert is_fresh(client) is False
    assert client.get(ACT).url == f"{REVERIFY}?next={quote(ACT, safe='')}"


def test_no_code_no_freshness_and_a_new_login_forgets_it(client, user, device, clock):
    sign_in(client)
    assert client.get("/frais/").status_code == 302  # owes the code: sent to the code page
    client.post(VERIFY, {"code": current_code(device)})
    assert is_fresh(client) is True
    sign_in(client)  # the same browser signs in again
    clock.shift(30)
    client.post(VERIFY, {"code": current_code(device)})  # (the code page first; the window starts again)
    assert is_fresh(client) is True
    client.post(reverse("accounts:logout"))
    client.force_login(user)
    mark_verified(client, device)
    assert is_fresh(client) is False


def test_enrolment_confirmation_stamps_the_session(client, user, clock):
    client.force_login(user)
    client.get(reverse("accounts:totp_enable"))
    device = user.totpdevice_set.get()
    client.post(reverse("accounts:totp_enable"), {"code": current_code(device)})
    assert is_fresh(client) is True


def test_reverify_asks_a_code_even_when_verified_and_goes_back(client, device, clock):
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get(ACT).content == b"action au nom de la personne"

    clock.shift(16 * 60)
    response = client.get(ACT)
    assert response.url == f"{REVERIFY}?next={quote(ACT, safe='')}"
    page = client.get(response.url)
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert "Pour agir au nom d'une personne, confirmez votre code : il est demandé toutes les 15 minutes." in html
    assert 'name="code"' in html
    assert f'name="next" value="{ACT}"' in html

    response = client.post(REVERIFY, {"code": wrong_code(device), "next": ACT})
    assert response.status_code == 200
    assert "Code incorrect ou expiré" in response.content.decode()
    clock.shift(2)
    response = client.post(REVERIFY, {"code": current_code(device), "next": ACT})
    assert response.url == ACT
    assert client.get(ACT).status_code == 200

    # Already fresh: the page still asks (a code of a later step: each code serves once).
    clock.shift(30)
    assert 'name="code"' in client.get(f"{REVERIFY}?next=/").content.decode()
    assert client.post(REVERIFY, {"code": current_code(device), "next": "/"}).url == "/"


def test_reverify_tolerates_one_step_of_drift_not_two(client, device, clock):
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(16 * 60)
    assert client.post(REVERIFY, {"code": code_at(device, 2), "next": ACT}).status_code == 200
    clock.shift(2)
    assert client.post(REVERIFY, {"code": code_at(device, -1), "next": ACT}).url == ACT


def test_reverify_refuses_to_send_elsewhere(client, device, clock):
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(30)
    response = client.post(REVERIFY, {"code": current_code(device), "next": "https://evil.example/"})
    assert response.url == "/"


def test_reverify_opens_for_a_session_that_owes_its_first_code(client, device, clock):
    """The act-for view reached right after the password: one code settles both."""
    sign_in(client)
    response = client.get(ACT)
    assert response.url.startswith(f"{VERIFY}?next=")  # the middleware first
    assert client.get(f"{REVERIFY}?next=/").status_code == 200
    response = client.post(REVERIFY, {"code": current_code(device), "next": ACT})
    assert response.url == ACT
    assert client.get(ACT).status_code == 200
    assert client.get("/").status_code == 200


def test_reverify_follows_the_lockout(client, device, clock):
    sign_in(client)
    client.post(VERIFY, {"code": current_code(device)})
    clock.shift(16 * 60)
    for n in range(5):
        response = client.post(REVERIFY, {"code": wrong_code(device), "next": ACT})
        clock.shift(2**n)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Trop de codes erronés" in html and 'name="code"' not in html
    assert client.post(REVERIFY, {"code": current_code(device), "next": ACT}).status_code == 429
    assert client.get(ACT).url.startswith(REVERIFY)


def test_an_account_without_a_device_is_told_to_enrol_first(client, user):
    client.force_login(user)
    response = client.get(f"{REVERIFY}?next={quote(ACT, safe='')}")
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Activez d'abord la double authentification" in html
    assert "un code de double authentification vous est demandé toutes les 15 minutes" in html
    enable = f"{reverse('accounts:totp_enable')}?next={quote(ACT, safe='')}"
    assert f'href="{enable}"' in html
    assert 'name="code"' not in html


def test_enrolling_from_there_comes_back_to_the_action_fresh(client, user, clock):
    client.force_login(user)
    enable = client.get(ACT, follow=True).context["enable_url"]
    client.get(enable)
    device = user.totpdevice_set.get()
    response = client.post(enable, {"code": current_code(device), "next": ACT})
    assert response.url == ACT
    assert client.get(ACT).status_code == 200
