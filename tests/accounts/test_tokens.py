"""API keys: checked once per period in a process, forgotten at once when a key or its user changes; an expiry
(TREMPLIN_API_TOKEN_DAYS or `create_api_token --days`) after which the key is refused with a French 401; a
last-used date written at most once a minute per key."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tremplin.accounts import tokens
from tremplin.accounts.models import ApiToken
from tremplin.accounts.tokens import KeyExpired, api_token_create, api_token_revoke, check_key

pytestmark = pytest.mark.django_db


def user_for_key(key: str):
    """The user of a valid key, or None (refused or expired): what the API's authentication gets."""
    try:
        found = check_key(key)
    except KeyExpired:
        return None
    return None if found is None else found[0]


@pytest.fixture(autouse=True)
def _fresh_memory():
    tokens._checked.clear()
    tokens._used.clear()
    yield
    tokens._checked.clear()
    tokens._used.clear()


@pytest.fixture
def mediator_key():
    user = UserFactory(mediator=True)
    _, key = api_token_create(user=user)
    return user, key


def days(n):
    return pytest.approx(datetime.timedelta(days=n), abs=datetime.timedelta(seconds=5))


def sessions_call(client, key):
    return client.get("/api/v1/sessions", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_a_checked_key_is_not_read_again_within_the_delay(mediator_key, django_assert_num_queries):
    user, key = mediator_key
    with django_assert_num_queries(2):  # the key and its user; its first use stamped
        assert user_for_key(key) == user
    with django_assert_num_queries(0):
        again = user_for_key(key)
    assert again == user
    again.first_name = "Changé"  # each request has its own copy
    assert user_for_key(key).first_name == user.first_name


def test_the_delay_ends(mediator_key, django_assert_num_queries, monkeypatch):
    user, key = mediator_key
    user_for_key(key)
    later = tokens.time.monotonic() + 11
    monkeypatch.setattr(tokens.time, "monotonic", lambda: later)
    with django_assert_num_queries(1):  # read again; last use stamped less than a minute ago: not written
        assert user_for_key(key) == user


def test_revoking_a_key_or_deactivating_its_user_is_immediate_in_this_process(mediator_key):
    user, key = mediator_key
    assert user_for_key(key) == user
    user.is_active = False
    user.save()
    assert user_for_key(key) is None
    user.is_active = True
    user.save()
    token = user.api_tokens.get()
    assert user_for_key(key) == user
    api_token_revoke(token=token)
    assert user_for_key(key) is None
    assert not ApiToken.objects.active().filter(pk=token.pk).exists()


def test_unknown_keys_are_not_remembered(mediator_key, settings, django_assert_num_queries):
    for _ in range(2):
        with django_assert_num_queries(1):  # read again each time: a key created meanwhile would work
            assert user_for_key("pas-une-cle") is None
    assert user_for_key("") is None
    assert tokens._checked == {}
    settings.TREMPLIN_API_KEY_CACHE_SECONDS = 0
    tokens._checked.clear()
    user_for_key(mediator_key[1])
    assert tokens._checked == {}


# --- expiry ------------------------------------------------------------------------------------------


def test_a_key_expires_after_the_configured_days(settings):
    settings.TREMPLIN_API_TOKEN_DAYS = 30
    user = UserFactory(mediator=True)
    token, key = api_token_create(user=user)
    assert token.expires_at - token.created_at == days(30)
    week, _ = api_token_create(user=user, days=7)
    assert week.expires_at - week.created_at == days(7)
    with pytest.raises(ValueError, match="au moins un jour"):
        api_token_create(user=user, days=0)

    with time_machine.travel(token.expires_at - datetime.timedelta(minutes=1)):
        assert user_for_key(key) == user
    # Remembered a moment ago, but the expiry is compared on every call: refused at once.
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        assert user_for_key(key) is None
        with pytest.raises(KeyExpired) as refused:
            check_key(key)
        assert refused.value.expired_at == token.expires_at
        assert not ApiToken.objects.active().filter(pk=token.pk).exists()
        assert ApiToken.objects.expired().filter(pk=token.pk).exists()


def test_an_expired_key_gets_a_french_401_saying_so(client, mediator_key):
    user, key = mediator_key
    token = user.api_tokens.get()
    assert sessions_call(client, key).status_code == 200
    with time_machine.travel(token.expires_at + datetime.timedelta(hours=1)):
        response = sessions_call(client, key)
    assert response.status_code == 401
    expires = timezone.localtime(token.expires_at)
    assert response.json() == {
        "detail": f"Clé d'API expirée depuis le {expires:%d/%m/%Y à %H:%M}. "
        "Demandez une nouvelle clé à votre administrateur."
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    revoked, revoked_key = api_token_create(user=user)
    api_token_revoke(token=revoked)
    assert sessions_call(client, revoked_key).json() == {"detail": "Clé d'API manquante, invalide ou révoquée."}


def test_create_api_token_days_option():
    user = UserFactory(mediator=True)
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", email=user.email, days=10, verbosity=2, stdout=out, stderr=err)
    token = ApiToken.objects.get(user=user)
    assert token.prefix == out.getvalue().strip()[:8]
    assert token.expires_at - token.created_at == days(10)
    assert f"expire le {timezone.localtime(token.expires_at):%d/%m/%Y}" in err.getvalue()
    with pytest.raises(CommandError, match="au moins un jour"):
        call_command("create_api_token", email=user.email, days=0, stdout=out)


# --- last use ----------------------------------------------------------------------------------------


def test_last_use_is_written_at_most_once_a_minute(client, mediator_key, django_assert_num_queries):
    user, key = mediator_key
    token = user.api_tokens.get()
    assert token.last_used_at is None
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert sessions_call(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        tokens._checked.clear()  # even read again from the database (another process): not written again
        for _ in range(3):
            assert sessions_call(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + datetime.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        assert sessions_call(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == later


def test_another_process_does_not_write_the_same_minute_again(mediator_key):
    """Two processes: the second one's memory is empty, but the database says the key was used 20 s ago."""
    user, key = mediator_key
    token = user.api_tokens.get()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        user_for_key(key)
    tokens._checked.clear()
    tokens._used.clear()  # the other process
    with time_machine.travel(start + datetime.timedelta(seconds=20), tick=False):
        user_for_key(key)
    token.refresh_from_db()
    assert token.last_used_at == start


def test_a_refused_key_is_not_stamped(mediator_key):
    user, key = mediator_key
    token = user.api_tokens.get()
    api_token_revoke(token=token)
    assert user_for_key(key) is None
    token.refresh_from_db()
    assert token.last_used_at is None


def test_the_admin_lists_expiry_last_use_and_state_and_revokes(client, mediator_key):
    user, key = mediator_key
    token = user.api_tokens.get()
    used = timezone.now() - datetime.timedelta(days=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=used)
    old, _ = api_token_create(user=user, label="ancien outil")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(UserFactory(administrator=True))
    page = client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert "Expire le" in page and "Dernière utilisation" in page
    assert f"{token.prefix}…" in page and "expirée" in page and "active" in page
    assert client.get(reverse("admin:accounts_apitoken_add")).status_code == 403  # keys come from the command
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert user_for_key(key) is None
