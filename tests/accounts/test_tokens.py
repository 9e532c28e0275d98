"""API keys: checked once per period in a process, forgotten at once when a key or its user changes."""

import pytest

from tests.factories import UserFactory
from tremplin.accounts import tokens
from tremplin.accounts.tokens import api_token_create, api_token_revoke, user_for_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator_key():
    tokens._checked.clear()
    user = UserFactory(mediator=True)
    _, key = api_token_create(user=user)
    return user, key


def test_a_checked_key_is_not_read_again_within_the_delay(mediator_key, django_assert_num_queries):
    user, key = mediator_key
    with django_assert_num_queries(1):
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
    with django_assert_num_queries(1):
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
