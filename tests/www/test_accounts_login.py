"""Sign-in with e-mail and password, wrong credentials, lockout (django-axes), sign-out."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/compte/connexion/"


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_asks_for_email_and_password(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert response.context["title"] == "Connexion"
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'type="email"' in html
    assert "Adresse e-mail" in html
    assert reverse("accounts:password_reset") in html


def test_login_with_email_and_password_goes_home(client):
    user = UserFactory(coordinator=True, email="camille@tremplin.test")
    response = client.post(LOGIN, {"username": "camille@tremplin.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home:index")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get(reverse("home:index")).status_code == 200  # no device: no code asked


def test_login_ignores_the_case_of_the_address(client):
    UserFactory(email="camille@tremplin.test")
    response = client.post(LOGIN, {"username": " Camille@Tremplin.TEST ", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)


def test_login_follows_a_local_next_but_not_an_external_one(client):
    UserFactory(email="camille@tremplin.test")
    response = client.post(f"{LOGIN}?next=/territoires/", {"username": "camille@tremplin.test", "password": PASSWORD})
    assert response.url == "/territoires/"
    client.logout()
    response = client.post(
        f"{LOGIN}?next=https://evil.example/", {"username": "camille@tremplin.test", "password": PASSWORD}
    )
    assert response.url == reverse("home:index")


def test_wrong_password_shows_a_french_error_and_does_not_sign_in(client):
    UserFactory(email="camille@tremplin.test")
    response = client.post(LOGIN, {"username": "camille@tremplin.test", "password": "pas-le-bon"})
    assert response.status_code == 200
    assert not signed_in(client)
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_unknown_address_gets_the_same_error(client):
    response = client.post(LOGIN, {"username": "personne@tremplin.test", "password": PASSWORD})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect" in response.content.decode()


def test_inactive_account_cannot_sign_in(client):
    UserFactory(email="parti@tremplin.test", is_active=False)
    response = client.post(LOGIN, {"username": "parti@tremplin.test", "password": PASSWORD})
    assert response.status_code == 200
    assert not signed_in(client)


def test_five_failures_lock_the_account_for_thirty_minutes(client):
    UserFactory(email="camille@tremplin.test")
    for attempt in range(4):
        # Case varies: still the same account for the lockout counter.
        username = "camille@tremplin.test" if attempt % 2 else "CAMILLE@tremplin.test"
        response = client.post(LOGIN, {"username": username, "password": f"faux-{attempt}"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "camille@tremplin.test", "password": "faux-5"})
    assert response.status_code == 429
    assert "accounts/locked_out.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "verrouillé pendant 30 minutes" in html
    assert "5 tentatives" in html

    # Even the right password is refused while the lock lasts.
    response = client.post(LOGIN, {"username": "camille@tremplin.test", "password": PASSWORD})
    assert response.status_code == 429
    assert not signed_in(client)


def test_lock_is_per_account(client):
    UserFactory(email="camille@tremplin.test")
    UserFactory(email="dominique@tremplin.test")
    for attempt in range(5):
        client.post(LOGIN, {"username": "camille@tremplin.test", "password": f"faux-{attempt}"})
    response = client.post(LOGIN, {"username": "dominique@tremplin.test", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)


def test_success_resets_the_failure_count(client):
    UserFactory(email="camille@tremplin.test")
    for attempt in range(4):
        client.post(LOGIN, {"username": "camille@tremplin.test", "password": f"faux-{attempt}"})
    assert client.post(LOGIN, {"username": "camille@tremplin.test", "password": PASSWORD}).status_code == 302
    client.post(reverse("accounts:logout"))
    for attempt in range(4):
        response = client.post(LOGIN, {"username": "camille@tremplin.test", "password": f"faux-{attempt}"})
    assert response.status_code == 200  # 4 failures since the success: not locked


def test_logout_is_a_post_and_signs_out(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert signed_in(client)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert not signed_in(client)


def test_pages_need_a_signed_in_user(client):
    response = client.get(reverse("beneficiaries:list"))  # the home page is public (find a workshop)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
