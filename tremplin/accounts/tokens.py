"""API keys: created for a user, shown once, stored as a SHA-256 hash, checked on every API call.

A key is 40 random URL-safe characters (240 bits): a fast hash is enough, no password hashing needed,
so checking a key costs one indexed query. Each server process then keeps the answer for
TREMPLIN_API_KEY_CACHE_SECONDS (10 s): a partner tool sending many requests is checked once per
period. Revoking a key, or changing or deactivating a user, empties this memory in the process that does
it at once; the other processes forget within that delay. An expired key is refused at once everywhere (its
expiry is kept with the answer and compared on every call).

A key works until `expires_at` (TREMPLIN_API_TOKEN_DAYS by default). Its `last_used_at` is written at most once
per LAST_USED_PRECISION (a minute) per key and process, by a conditional UPDATE that other processes make a
no-op within that minute: a partner tool's thousand calls a minute cost one write, not a thousand.
"""

import copy
import dataclasses
import datetime
import hashlib
import secrets
import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import ApiToken, User

KEY_BYTES = 30
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class KeyExpired(Exception):
    """A known, non-revoked key whose expiry date has passed."""

    def __init__(self, expired_at: datetime.datetime):
        self.expired_at = expired_at
        super().__init__(expired_at)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, label: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new key for `user`, valid `days` days (TREMPLIN_API_TOKEN_DAYS by default): the token row and the clear
    key (never stored, shown once)."""
    days = settings.TREMPLIN_API_TOKEN_DAYS if days is None else days
    if days < 1:
        raise ValueError("Une clé d'API est valable au moins un jour.")
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken(
        user=user,
        label=label,
        key_hash=hash_key(key),
        prefix=key[:8],
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


@dataclasses.dataclass(frozen=True)
class CheckedKey:
    user: User
    token_id: int
    expires_at: datetime.datetime


_checked: dict[str, tuple[float, CheckedKey]] = {}  # key hash → (valid until, checked key), in this process
_used: dict[int, datetime.datetime] = {}  # token id → when this process last wrote its last_used_at
_checked_lock = threading.Lock()
MAX_CHECKED_KEYS = 1000


def check_key(key: str) -> tuple[User, int] | None:
    """The active user owning this non-revoked key and the key's id, or None; KeyExpired once it has expired.
    Each request gets its own copy of the user. Stamps the key's last use (at most once a minute)."""
    if not key:
        return None
    digest = hash_key(key)
    now = time.monotonic()
    with _checked_lock:
        known = _checked.get(digest)
    if known is None or known[0] <= now:
        # The token and its user: one query on the unique key hash (so at most one row).
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=digest, revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if token is None:
            return None  # a refusal is not remembered: a key created a moment ago works at once
        checked = CheckedKey(user=token.user, token_id=token.pk, expires_at=token.expires_at)
        if token.last_used_at is not None:
            with _checked_lock:
                if _used.get(token.pk) is None or _used[token.pk] < token.last_used_at:
                    _used[token.pk] = token.last_used_at
        if settings.TREMPLIN_API_KEY_CACHE_SECONDS > 0 and not _expired(checked):
            with _checked_lock:
                if len(_checked) >= MAX_CHECKED_KEYS:
                    _checked.clear()
                _checked[digest] = (now + settings.TREMPLIN_API_KEY_CACHE_SECONDS, checked)
    else:
        checked = known[1]
    if _expired(checked):
        raise KeyExpired(checked.expires_at)
    _stamp_use(checked.token_id)
    return copy.copy(checked.user), checked.token_id


def _expired(checked: CheckedKey) -> bool:
    return checked.expires_at <= timezone.now()


def _stamp_use(token_id: int) -> None:
    """Write `last_used_at` if this process has not in the last minute, and only if nobody else has either."""
    now = timezone.now()
    since = now - LAST_USED_PRECISION
    with _checked_lock:
        last = _used.get(token_id)
        if last is not None and last > since:
            return
        if len(_used) >= MAX_CHECKED_KEYS:
            _used.clear()
        _used[token_id] = now
    # update() sends no signal: the memory of checked keys stays as it is.
    ApiToken.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=since), pk=token_id).update(
        last_used_at=now
    )


def forget_checked_keys(**kwargs) -> None:
    """Empty this process's memory of checked keys: now, and again once the current transaction commits
    (a request running meanwhile may have read the rows as they were before)."""
    with _checked_lock:
        _checked.clear()
    transaction.on_commit(_checked.clear, robust=True)


for _model in (User, ApiToken):
    post_save.connect(forget_checked_keys, sender=_model, dispatch_uid=f"forget-checked-keys-save-{_model.__name__}")
    post_delete.connect(forget_checked_keys, sender=_model, dispatch_uid=f"forget-checked-keys-del-{_model.__name__}")
