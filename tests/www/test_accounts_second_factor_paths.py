"""The second factor cannot be skipped: whatever the login path, an account with a device owes a code first.

Paths: our login page, the Django admin's login page, `Client.force_login` (any other call of
django.contrib.auth.login), and a session that was never through a login this code saw. Password reset
signs nobody in.
"""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core import mail
from django.urls import reverse

from tests.accounts.otp import current_code, make_device
from tests.factories import PASSWORD, UserFactory
from tremplin.accounts.models import User
from tremplin.www.accounts.views import PasswordResetConfirmView

pytestmark = pytest.mark.django_db

EMAIL = "claude@tremplin.test"
VERIFY = reverse("accounts:verify")
HOME = reverse("home:index")


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def manager():
    """A national manager (staff: the Django admin is theirs too) with a confirmed device."""
    user = UserFactory(national=True, email=EMAIL)
    make_device(user)
    return user


def login_page(client, user):
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def admin_login(client, user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": user.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.url == "/admin/"
    return response


def force_login(client, user):
    client.force_login(user)


def unmarked_session(client, user):
    """A signed-in session written without django.contrib.auth.login (opened before this code existed)."""
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()


LOGIN_PATHS = [login_page, admin_login, force_login, unmarked_session]

# Every kind of page: ours, the Django admin, the account pages that are not the verification itself.
PAGES = [
    HOME,
    "/territoires/",
    "/personnes/",
    "/admin/",
    "/admin/accounts/user/",
    "/admin/territories/commune/",
    reverse("accounts:security"),
    reverse("accounts:totp_enable"),
    reverse("accounts:totp_disable"),
    reverse("accounts:password_change"),
]


def assert_only_the_code_page_opens(client, victim: User) -> None:
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(f"{VERIFY}?next="), (url, response.url)
    # An admin action sent anyway is not carried out.
    response = client.post(f"/admin/accounts/user/{victim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and response.url.startswith(VERIFY)
    assert User.objects.filter(pk=victim.pk).exists()
    assert client.get(VERIFY).status_code == 200


@pytest.mark.parametrize("sign_in", LOGIN_PATHS, ids=lambda f: f.__name__)
def test_a_device_owes_a_code_before_any_page_whatever_the_login_path(client, manager, sign_in, clock):
    victim = UserFactory(coordinator=True)
    sign_in(client, manager)
    assert_only_the_code_page_opens(client, victim)

    response = client.post(VERIFY, {"code": current_code(manager.totpdevice_set.get()), "next": "/admin/"})
    assert response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get(HOME).status_code == 200


def test_admin_login_sends_to_the_code_page_then_back_to_the_admin(client, manager, clock):
    admin_login(client, manager)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain == [(f"{VERIFY}?next=%2Fadmin%2F", 302)]
    assert response.context["title"] == "Vérification en deux étapes"


@pytest.mark.parametrize("sign_in", [login_page, admin_login, force_login], ids=lambda f: f.__name__)
def test_a_new_login_never_inherits_the_code_of_an_earlier_one(client, manager, sign_in, clock):
    login_page(client, manager)
    client.post(VERIFY, {"code": current_code(manager.totpdevice_set.get())})
    assert client.get("/admin/").status_code == 200
    sign_in(client, manager)  # the same browser session signs in again
    assert client.get("/admin/").url.startswith(VERIFY)


def test_another_account_signing_in_on_the_same_browser_owes_its_own_code(client, manager, clock):
    login_page(client, manager)
    client.post(VERIFY, {"code": current_code(manager.totpdevice_set.get())})
    other = UserFactory(administrator=True, email="admin@tremplin.test")
    make_device(other)
    admin_login(client, other)
    assert client.get("/admin/").url.startswith(VERIFY)


def test_without_a_device_no_code_is_asked_on_the_admin_path(client):
    user = UserFactory(national=True)  # settings.test relaxes mandatory enrolment: optional here
    admin_login(client, user)
    assert client.get("/admin/").status_code == 200


# --- Password reset signs nobody in -------------------------------------------------------------


def test_password_reset_does_not_sign_in_and_the_next_login_still_owes_a_code(client, manager, clock):
    assert PasswordResetConfirmView.post_reset_login is False
    client.post(reverse("accounts:password_reset"), {"email": EMAIL})
    link = re.search(r"https?://testserver(/compte/mot-de-passe/nouveau/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new_password = "une-autre-phrase-de-passe-2025"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.url == reverse("accounts:password_reset_complete")

    assert SESSION_KEY not in client.session
    assert client.get(reverse("beneficiaries:list")).url.startswith(reverse("accounts:login"))
    assert client.get("/admin/").url.startswith("/admin/login/")

    response = client.post(reverse("accounts:login"), {"username": EMAIL, "password": new_password})
    assert response.url == f"{VERIFY}?next=%2F"
    assert client.get("/admin/").url.startswith(VERIFY)
