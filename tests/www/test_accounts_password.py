"""Password reset by e-mail, and password change for a signed-in user."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une-autre-phrase-de-passe-2025"


def reset_link(message) -> str:
    match = re.search(r"https?://testserver(/compte/mot-de-passe/nouveau/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def ask_reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_reset_page_is_in_french(client):
    response = client.get(reverse("accounts:password_reset"))
    assert response.status_code == 200
    assert response.context["title"] == "Mot de passe oublié"
    assert "Adresse e-mail" in response.content.decode()


def test_reset_sends_a_french_email_with_a_link(client):
    UserFactory(email="camille@tremplin.test", first_name="Camille")
    response = ask_reset(client, "camille@tremplin.test")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@tremplin.test"]
    assert message.subject == "Tremplin : réinitialisation de votre mot de passe"
    assert "Bonjour Camille," in message.body
    assert "valable 3 jours" in message.body
    assert reset_link(message)


def test_reset_does_not_tell_whether_the_address_exists(client):
    response = ask_reset(client, "inconnu@tremplin.test")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_inactive_account_gets_no_reset_email(client):
    UserFactory(email="parti@tremplin.test", is_active=False)
    ask_reset(client, "parti@tremplin.test")
    assert mail.outbox == []


def test_reset_link_sets_a_new_password_once(client):
    user = UserFactory(email="camille@tremplin.test")
    ask_reset(client, "camille@tremplin.test")
    link = reset_link(mail.outbox[0])

    response = client.get(link, follow=True)  # Django hides the token behind a redirect
    assert response.status_code == 200
    assert response.context["validlink"] is True
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)

    # The new password signs in; the link is spent.
    login = client.post(reverse("accounts:login"), {"username": "camille@tremplin.test", "password": NEW_PASSWORD})
    assert login.status_code == 302
    client.post(reverse("accounts:logout"))
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False
    assert "n'est plus valable" in response.content.decode()


def test_reset_refuses_a_weak_password(client):
    user = UserFactory(email="camille@tremplin.test")
    ask_reset(client, "camille@tremplin.test")
    response = client.get(reset_link(mail.outbox[0]), follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "court", "new_password2": "court"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_lifts_a_lockout(client):
    UserFactory(email="camille@tremplin.test")
    login = reverse("accounts:login")
    for attempt in range(5):
        response = client.post(login, {"username": "camille@tremplin.test", "password": f"faux-{attempt}"})
    assert response.status_code == 429

    ask_reset(client, "camille@tremplin.test")
    response = client.get(reset_link(mail.outbox[0]), follow=True)
    client.post(response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = client.post(login, {"username": "camille@tremplin.test", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_signed_in_user_changes_password(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:password_change")
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["title"] == "Changer de mot de passe"

    response = client.post(
        url, {"old_password": "pas-le-bon", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]

    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("accounts:security")
    assert "Votre mot de passe a été modifié." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "_auth_user_id" in client.session  # still signed in


def test_password_change_needs_a_signed_in_user(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
