"""API keys: created for a user, shown once, stored as a SHA-256 hash, checked on every API call.

A key is 40 random URL-safe characters (240 bits): a fast hash is enough, no password hashing needed,
so checking a key costs one indexed query. Each server process then keeps the answer for
TREMPLIN_API_KEY_CACHE_SECONDS (10 s): a partner tool sending many requests is checked once per
period. Revoking a key, or changing or deactivating a user, empties this memory in the process that does
it at once; the other processes forget within that delay.
"""

import copy
import hashlib
import secrets
import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
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


_checked: dict[str, tuple[float, User]] = {}  # key hash → (valid until, user), in this process
_checked_lock = threading.Lock()
MAX_CHECKED_KEYS = 1000


def user_for_key(key: str) -> User | None:
    """The active user owning this non-revoked key, or None. Each request gets its own copy of the user."""
    if not key:
        return None
    digest = hash_key(key)
    now = time.monotonic()
    with _checked_lock:
        known = _checked.get(digest)
    if known is not None and known[0] > now:
        return copy.copy(known[1])
    # The user alone, through the token: one query on the unique key hash (so at most one row).
    try:
        user = User.objects.get(is_active=True, api_tokens__key_hash=digest, api_tokens__revoked_at__isnull=True)
    except User.DoesNotExist:
        return None  # a refusal is not remembered: a key created a moment ago works at once
    if settings.TREMPLIN_API_KEY_CACHE_SECONDS > 0:
        with _checked_lock:
            if len(_checked) >= MAX_CHECKED_KEYS:
                _checked.clear()
            _checked[digest] = (now + settings.TREMPLIN_API_KEY_CACHE_SECONDS, user)
    return copy.copy(user)


def forget_checked_keys(**kwargs) -> None:
    """Empty this process's memory of checked keys: now, and again once the current transaction commits
    (a request running meanwhile may have read the rows as they were before)."""
    with _checked_lock:
        _checked.clear()
    transaction.on_commit(_checked.clear, robust=True)


for _model in (User, ApiToken):
    post_save.connect(forget_checked_keys, sender=_model, dispatch_uid=f"forget-checked-keys-save-{_model.__name__}")
    post_delete.connect(forget_checked_keys, sender=_model, dispatch_uid=f"forget-checked-keys-del-{_model.__name__}")
