"""Mandatory second factor: administrators, national managers and staff accounts enrol before anything else.

settings.test relaxes the rule (TREMPLIN_SECOND_FACTOR_RELAXED) for the rest of the suite; it is enforced
here, as in production.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import current_code, make_device
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "dominique@tremplin.test"
HOME = reverse("home:index")
ENABLE = reverse("accounts:totp_enable")
VERIFY = reverse("accounts:verify")
SECURITY = reverse("accounts:security")
LOGOUT = reverse("accounts:logout")

MANDATORY = {
    "administrateur": {"administrator": True},
    "pilote national": {"national": True},
    "coordinateur avec accès à l'administration": {"coordinator": True, "is_staff": True},
}
OPTIONAL = ["coordinator", "mediator", "counter_agent", "partner"]


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.TREMPLIN_SECOND_FACTOR_RELAXED = False
    settings.TREMPLIN_SECOND_FACTOR_ALL_ROLES = False
    return settings


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def sign_in(client, next_url=""):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": EMAIL, "password": PASSWORD})


def enrol(client, next_url=""):
    client.get(ENABLE)
    device = TOTPDevice.objects.get(user__email=EMAIL, confirmed=False)
    return client.post(ENABLE, {"code": current_code(device), "next": next_url}), device


def assert_sent_to_enrol(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{ENABLE}?next="), (url, response.url)


@pytest.mark.parametrize("traits", MANDATORY.values(), ids=MANDATORY.keys())
def test_mandatory_accounts_enrol_at_first_login_and_reach_nothing_before(client, traits, clock):
    user = UserFactory(email=EMAIL, **traits)
    response = sign_in(client, next_url="/territoires/")
    assert response.url == f"{ENABLE}?next=%2Fterritoires%2F"
    assert_sent_to_enrol(
        client,
        [
            HOME,
            "/territoires/",
            "/admin/",
            "/admin/accounts/user/",
            SECURITY,
            VERIFY,
            reverse("accounts:password_change"),
        ],
    )
    response = client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.url.startswith(ENABLE)

    page = client.get(f"{ENABLE}?next=/territoires/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "La double authentification est obligatoire pour votre compte" in html
    assert user.get_role_display() in html
    assert "les autres pages de Tremplin restent inaccessibles" in html
    assert f'action="{LOGOUT}"' in html
    assert f'href="{SECURITY}">Annuler' not in html  # no way out but enrolling or signing out

    response, device = enrol(client, next_url="/territoires/")
    assert response.url == "/territoires/"
    assert client.get(HOME).status_code == 200
    assert "Obligatoire pour votre compte" in client.get(SECURITY).content.decode()
    if user.is_staff:
        assert client.get("/admin/").status_code == 200

    # Next time: the code, not the enrolment.
    client.post(LOGOUT)
    clock.shift(30)
    assert sign_in(client).url == f"{VERIFY}?next=%2F"
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get(HOME).status_code == 200


def test_signing_out_stays_possible_before_enrolling(client):
    UserFactory(email=EMAIL, administrator=True)
    sign_in(client)
    response = client.post(LOGOUT)
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("login", ["admin", "force_login"])
def test_every_login_path_sends_a_mandatory_account_to_enrol(client, login):
    user = UserFactory(email=EMAIL, national=True)
    if login == "admin":
        client.post("/admin/login/?next=/admin/", {"username": EMAIL, "password": PASSWORD, "next": "/admin/"})
    else:
        client.force_login(user)
    assert client.get("/admin/").url == f"{ENABLE}?next=%2Fadmin%2F"


@pytest.mark.parametrize("trait", OPTIONAL)
def test_other_roles_may_enrol_but_need_not(client, trait):
    UserFactory(email=EMAIL, **{trait: True})
    assert sign_in(client).url == HOME
    assert client.get(HOME).status_code == 200
    assert client.get(SECURITY).status_code == 200
    page = client.get(ENABLE).content.decode()
    assert "obligatoire" not in page
    assert f'href="{SECURITY}">Annuler' in page


@pytest.mark.parametrize("trait", OPTIONAL)
def test_a_setting_makes_it_mandatory_for_every_role(client, enforced, trait):
    enforced.TREMPLIN_SECOND_FACTOR_ALL_ROLES = True
    UserFactory(email=EMAIL, **{trait: True})
    assert sign_in(client).url == f"{ENABLE}?next=%2F"
    assert_sent_to_enrol(client, [HOME, SECURITY])
    assert "chaque compte est protégé" in client.get(ENABLE).content.decode()


def test_relaxed_setting_lets_them_in_without_enrolling_but_still_asks_a_code_of_a_device(client, enforced, clock):
    enforced.TREMPLIN_SECOND_FACTOR_RELAXED = True
    user = UserFactory(email=EMAIL, administrator=True)
    assert sign_in(client).url == HOME
    assert client.get("/admin/").status_code == 200
    client.post(LOGOUT)
    make_device(user)
    assert sign_in(client).url == f"{VERIFY}?next=%2F"
    assert client.get("/admin/").url.startswith(VERIFY)


def test_a_mandatory_account_that_removes_its_device_enrols_a_new_one_at_once(client, clock):
    UserFactory(email=EMAIL, national=True)
    sign_in(client)
    _, device = enrol(client)
    clock.shift(30)
    response = client.post(reverse("accounts:totp_disable"), {"code": current_code(device)}, follow=True)
    assert response.redirect_chain[-1][0] == ENABLE
    assert "reste obligatoire pour votre compte" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert_sent_to_enrol(client, [HOME, "/admin/"])


def test_a_device_removed_by_an_administrator_means_enrolling_again(client, clock):
    user = UserFactory(email=EMAIL, national=True)
    make_device(user)
    sign_in(client)
    assert client.get(HOME).url.startswith(VERIFY)
    TOTPDevice.objects.filter(user=user).delete()  # lost phone: removed in the admin
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[-1][0] == f"{ENABLE}?next=%2F"


def test_enrolled_from_another_browser_meanwhile_this_one_owes_the_code(client, clock):
    user = UserFactory(email=EMAIL, administrator=True)
    sign_in(client)
    assert client.get(HOME).url.startswith(ENABLE)

    other = Client()
    other.force_login(user)
    _, device = enrol(other)

    response = client.get(HOME, follow=True)  # no redirect loop between the two pages
    assert response.redirect_chain[-1][0] == f"{VERIFY}?next=%2F"
    clock.shift(30)
    client.post(VERIFY, {"code": current_code(device)})
    assert client.get("/admin/").status_code == 200
