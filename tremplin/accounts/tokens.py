"""API keys: created for a user, shown once, stored as a SHA-256 hash, checked on every API call.

A key is 40 random URL-safe characters (240 bits): a fast hash is enough, no password hashing needed,
so checking a key costs one indexed query.
"""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User

KEY_BYTES = 30


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, label: str = "") -> tuple[ApiToken, str]:
    """A new key for `user`: the token row and the clear key (never stored, shown once)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken(user=user, label=label, key_hash=hash_key(key), prefix=key[:8])
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def user_for_key(key: str) -> User | None:
    """The active user owning this non-revoked key, or None."""
    if not key:
        return None
    # The user alone, through the token: one query on the unique key hash (so at most one row).
    try:
        return User.objects.get(is_active=True, api_tokens__key_hash=hash_key(key), api_tokens__revoked_at__isnull=True)
    except User.DoesNotExist:
        return None
