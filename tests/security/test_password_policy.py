"""Password policy (issue 15): 12 characters at least, not a common password, not only digits, not like the account's
own name or address (AUTH_PASSWORD_VALIDATORS), enforced on every path that sets a password: the reset link, the
change page, the admin's creation form and password form, and `manage.py changepassword`.

Each weak password below breaks exactly one rule: removing or bypassing any validator, on any path, fails a test.
"""

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD, UserFactory
from tremplin.accounts.enums import Role
from tremplin.accounts.models import User

pytestmark = pytest.mark.django_db

EMAIL = "dominique.kerjean@tremplin.test"
STRONG = "une-phrase-de-passe-solide-2026"
WEAK = {  # password → the rule it breaks (the start of Django's French message)
    "Kq7!pz-2": "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères.",
    "telechargement": "Ce mot de passe est trop courant.",
    "482915736051": "Ce mot de passe est entièrement numérique.",
    "dominique.kerjean": "Le mot de passe est trop semblable au champ «\u00a0adresse e-mail\u00a0».",
}


def _account(**kwargs):
    return UserFactory(email=EMAIL, first_name="Dominique", last_name="Kerjean", **kwargs)


def test_the_four_validators_are_configured_with_twelve_characters():
    names = [entry["NAME"].rsplit(".", 1)[1] for entry in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    [length] = [v for v in password_validation.get_default_password_validators() if hasattr(v, "min_length")]
    assert length.min_length == 12


@pytest.mark.parametrize(("password", "message"), WEAK.items())
def test_each_weak_password_breaks_its_rule_only(password, message):
    user = User(email=EMAIL, first_name="Dominique", last_name="Kerjean")
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password(password, user)
    assert error.value.messages == [message]
    password_validation.validate_password(STRONG, user)


def _text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def _refused(response, user, message, current=PASSWORD):
    assert response.status_code == 200, response.get("Location")
    assert message in _text(response)
    user.refresh_from_db()
    assert user.check_password(current), "le mot de passe a été changé malgré la règle"


@pytest.mark.parametrize(("password", "message"), WEAK.items())
def test_the_reset_link_refuses_a_weak_password(client, password, message):
    user = _account()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(user)])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    _refused(client.post(form_url, {"new_password1": password, "new_password2": password}), user, message)
    response = client.post(form_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)


@pytest.mark.parametrize(("password", "message"), WEAK.items())
def test_the_change_page_refuses_a_weak_password(client, password, message):
    user = _account()
    client.force_login(user)
    url = reverse("accounts:password_change")
    data = {"old_password": PASSWORD, "new_password1": password, "new_password2": password}
    _refused(client.post(url, data), user, message)
    response = client.post(url, {**data, "new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)


@pytest.mark.parametrize(("password", "message"), WEAK.items())
def test_the_admin_refuses_a_weak_password_for_a_new_account_and_for_an_existing_one(client, password, message):
    admin = UserFactory(administrator=True)
    client.force_login(admin)
    new = {
        "email": EMAIL,
        "first_name": "Dominique",
        "last_name": "Kerjean",
        "role": Role.COORDINATOR,
        "usable_password": "true",
        "password1": password,
        "password2": password,
    }
    response = client.post(reverse("admin:accounts_user_add"), new)
    assert response.status_code == 200 and not User.objects.filter(email=EMAIL).exists()
    assert message in _text(response)
    response = client.post(reverse("admin:accounts_user_add"), {**new, "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(email=EMAIL).check_password(STRONG)

    user = User.objects.get(email=EMAIL)  # the account just created: the rules apply to its password form too
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    data = {"usable_password": "true", "password1": password, "password2": password}
    _refused(client.post(url, data), user, message, current=STRONG)
    other = "une-autre-phrase-de-passe-2027"
    response = client.post(url, {**data, "password1": other, "password2": other})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(other)


def test_manage_py_changepassword_refuses_a_weak_password(monkeypatch):
    user = _account()
    typed = iter(["482915736051", "482915736051"] * 3)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda *a, **k: next(typed)
    )
    with pytest.raises(CommandError):
        call_command("changepassword", EMAIL)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    typed = iter([STRONG, STRONG])
    call_command("changepassword", EMAIL)
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_the_demo_password_follows_the_policy_for_every_demo_account():
    from tremplin.demo.management.commands.setup_demo import DEMO_PASSWORD

    for email in ("pilote@demo.tremplin.fr", "admin@demo.tremplin.fr", "mediateur@demo.tremplin.fr"):
        password_validation.validate_password(DEMO_PASSWORD, User(email=email, first_name="Camille"))
