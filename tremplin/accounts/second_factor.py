"""Second factor rules: who must enrol, what a signed-in session still owes, and the lockout after wrong codes.

Every sign-in, whatever its path (our login page, the Django admin's, `Client.force_login`, any future one),
goes through `django.contrib.auth.login`, which sends `user_logged_in`: `on_login` then forgets any code
entered earlier in the session and records whether the account has a confirmed device. A session that was
never through `on_login` (opened before this code, or by a path that skipped the signal) is checked on its
first request instead: nothing is let through on a missing mark.

SecondFactorMiddleware then sends a session that owes something to its page, and nowhere else:
- VERIFY: the account has a confirmed device and no code was entered in this session → the code page;
- ENROL: the account must have a second factor (`enrolment_required`) and has none → the enrolment page.
Signing out stays possible in both cases.

Freshness: acting on someone's behalf needs a code given within the last FRESHNESS (15 minutes), not just
once at sign-in. Every accepted code (sign-in verification, re-verification, enrolment, recovery code) goes
through `accept`, which stamps the session (SESSION_VERIFIED_AT); `verified_within` reads that stamp, and the
page `accounts:reverify` asks for a new code whenever a view needs a fresh one.

Codes come from the account's confirmed TOTP devices (an application, or a hardware TOTP card assigned with
`manage.py assign_totp_card`) or from its recovery codes (django-otp's static device, which exists only beside a
confirmed TOTP device): `code_devices` lists them all, and the lockout counts on all of them.
"""

import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from .enums import NATIONAL_ROLES

SESSION_KEY = "second_factor"  # what the account had at sign-in: HAS_DEVICE or NO_DEVICE
SESSION_VERIFIED_AT = "second_factor_verified_at"  # when the last code was accepted in this session (ISO 8601)
SESSION_NEW_RECOVERY_CODES = "second_factor_new_recovery_codes"  # generated, not yet shown (shown once)
HAS_DEVICE = "device"
NO_DEVICE = "none"

VERIFY = "verify"  # what a session may owe
ENROL = "enrol"

ROLE = "role"  # why enrolment is required: administrators, national managers, accounts with admin access
ALL_ROLES = "all_roles"  # every account, by TREMPLIN_SECOND_FACTOR_ALL_ROLES

# The only pages a session that owes a code, or an enrolment, may open (URL names).
ALLOWED_VIEWS = {
    VERIFY: frozenset({"accounts:verify", "accounts:reverify", "accounts:logout"}),
    ENROL: frozenset({"accounts:totp_enable", "accounts:logout"}),
}

TOTP_TOLERANCE = 1  # steps of 30 s accepted before and after the server's: a phone's clock may be a little off
FRESHNESS = timedelta(minutes=15)  # how long a code entered lets its holder act on someone's behalf

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Codes de secours"
TOTP_CARD_NAME = "Carte TOTP n° {serial}"


def enrolment_reason(user) -> str | None:
    """Why this account must have a second factor before using the platform (ROLE, ALL_ROLES), or None.

    Administrators, national managers and every account with access to the Django admin (is_staff,
    superuser): always, unless TREMPLIN_SECOND_FACTOR_RELAXED (tests and `make demo` only; the production
    settings force it off). Other roles: only when TREMPLIN_SECOND_FACTOR_ALL_ROLES is set.
    """
    if settings.TREMPLIN_SECOND_FACTOR_RELAXED:
        return None
    if user.role in NATIONAL_ROLES or user.is_staff or user.is_superuser:
        return ROLE
    return ALL_ROLES if settings.TREMPLIN_SECOND_FACTOR_ALL_ROLES else None


def enrolment_required(user) -> bool:
    return enrolment_reason(user) is not None


def _is_verified(user) -> bool:
    # request.user is django-otp's wrapped user, except just after login() replaced it (then: not verified).
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def on_login(sender, request, user, **kwargs) -> None:
    """Every sign-in starts without a second factor verified, and records whether one will be asked."""
    session = getattr(request, "session", None)
    if session is None:
        return
    if getattr(user, "otp_device", None) is None:  # not an OTP-aware login form that checked a code itself
        session.pop(DEVICE_ID_SESSION_KEY, None)
        session.pop(SESSION_VERIFIED_AT, None)
    else:
        session[SESSION_VERIFIED_AT] = timezone.now().isoformat()
    session.pop(SESSION_NEW_RECOVERY_CODES, None)
    session[SESSION_KEY] = HAS_DEVICE if user_has_device(user, confirmed=True) else NO_DEVICE


user_logged_in.connect(on_login, dispatch_uid="tremplin-second-factor-on-login")


def owed(request) -> str | None:
    """VERIFY, ENROL, or None when this request's session owes nothing."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or _is_verified(user):
        return None
    state = request.session.get(SESSION_KEY)
    if state not in (HAS_DEVICE, NO_DEVICE):  # never marked at sign-in: check now, once per session
        state = HAS_DEVICE if user_has_device(user, confirmed=True) else NO_DEVICE
        request.session[SESSION_KEY] = state
    if state == HAS_DEVICE:
        return VERIFY
    return ENROL if enrolment_required(user) else None


def owed_url(what: str, next_url: str) -> str:
    """The page that settles what is owed, coming back to `next_url` afterwards."""
    name = "accounts:verify" if what == VERIFY else "accounts:totp_enable"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def mark(request, state: str) -> None:
    """What the session now knows of the account's device (after enrolment, removal, or a stale mark)."""
    request.session[SESSION_KEY] = state


# --- Devices, codes and freshness ---------------------------------------------------------------


def code_devices(user, *, for_update: bool = False) -> list:
    """The devices whose codes this account may type: its confirmed TOTP devices (application, cards), then its
    recovery codes. Recovery codes alone are no second factor: without a confirmed TOTP device, nothing."""
    totp_devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    static_devices = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if for_update:
        totp_devices, static_devices = totp_devices.select_for_update(), static_devices.select_for_update()
    totp_devices = list(totp_devices)
    return [*totp_devices, *static_devices] if totp_devices else []


def is_recovery_device(device) -> bool:
    return isinstance(device, StaticDevice)


def normalise_code(text: str) -> str:
    """A code as typed, without spaces nor dashes, in lower case (`ABCD-EFGH ` → `abcdefgh`, `123 456` → `123456`)."""
    return re.sub(r"[\s-]+", "", text or "").lower()


def format_recovery_code(token: str) -> str:
    """A recovery code as shown to its holder: `abcdefgh` → `abcd-efgh`."""
    return f"{token[:4]}-{token[4:]}" if len(token) == 8 else token


def accept(request, device) -> None:
    """A code of `device` was just accepted: the session is verified, and fresh from now on."""
    otp_login(request, device)
    request.session[SESSION_VERIFIED_AT] = timezone.now().isoformat()


def verified_at(request) -> datetime | None:
    """When the last code accepted in this session was given, if this session is verified."""
    if not _is_verified(getattr(request, "user", None)):
        return None
    try:
        return datetime.fromisoformat(request.session.get(SESSION_VERIFIED_AT) or "")
    except (TypeError, ValueError):
        return None


def verified_within(request, minutes: float = FRESHNESS / timedelta(minutes=1)) -> bool:
    """Has this session's user given a second factor code in the last `minutes` (FRESHNESS by default)?

    False for a session verified before this stamp existed, or by a path that did not stamp it: the code is
    asked again (`accounts:reverify`), never assumed.
    """
    at = verified_at(request)
    if at is None:
        return False
    elapsed = timezone.now() - at
    return timedelta(0) <= elapsed <= timedelta(minutes=minutes)


def reverify_url(next_url: str) -> str:
    """The page that asks for a fresh code, coming back to `next_url` afterwards."""
    return f"{reverse('accounts:reverify')}?{urlencode({'next': next_url})}"


# --- Lockout after repeated wrong codes ---------------------------------------------------------
# As for passwords (django-axes): AXES_FAILURE_LIMIT wrong codes in a row lock the account's second factor
# for AXES_COOLOFF_TIME. Counted on the devices themselves (django-otp's throttling_failure_count, reset by a
# right code), so the lock follows the account, not an IP address: whoever types codes already has the
# password, and could change address.


def lock_reached(device) -> bool:
    """Has this device refused AXES_FAILURE_LIMIT codes in a row (locked now, or until its lock ended)?"""
    return (
        device.throttling_failure_count >= settings.AXES_FAILURE_LIMIT
        and device.throttling_failure_timestamp is not None
    )


def lock_end(device) -> datetime:
    return device.throttling_failure_timestamp + get_cool_off()


def locked_until(devices) -> datetime | None:
    """When the lock of these devices ends, if they are locked now."""
    now = timezone.now()
    return max((lock_end(d) for d in devices if lock_reached(d) and lock_end(d) > now), default=None)
