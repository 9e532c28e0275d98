"""The signed link of a referral, sent to the place by e-mail: it works without an account and expires.

The token signs the referral's id and its `link_nonce` (renewed when the referral closes, which kills every link
sent before). Its lifetime is the reminder delay plus the expiry delay: the time the place has to answer.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .enums import OPEN_STATUSES
from .models import Referral

SALT = "tremplin.referrals.link"


def setting(name: str):
    """A TREMPLIN_REFERRAL_* setting, defaulting to tremplin/settings/referrals.py."""
    from tremplin.settings import referrals as defaults

    return getattr(settings, name, getattr(defaults, name))


def remind_after() -> datetime.timedelta:
    return datetime.timedelta(days=setting("TREMPLIN_REFERRAL_REMIND_AFTER_DAYS"))


def expire_after() -> datetime.timedelta:
    return datetime.timedelta(days=setting("TREMPLIN_REFERRAL_EXPIRE_AFTER_DAYS"))


def max_age() -> datetime.timedelta:
    return remind_after() + expire_after()


def make_token(referral: Referral) -> str:
    return signing.dumps({"r": referral.pk, "n": referral.link_nonce}, salt=SALT, compress=False)


def link_url(referral: Referral) -> str:
    return settings.TREMPLIN_PUBLIC_URL.rstrip("/") + reverse("referrals:link", args=[make_token(referral)])


def referral_for_token(token: str, *, queryset=None) -> Referral | None:
    """The open referral a token was made for, or None (tampered, expired, renewed nonce, referral closed)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age())
        pk, nonce = int(data["r"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    queryset = Referral.objects.all() if queryset is None else queryset
    referral = queryset.filter(pk=pk, link_nonce=nonce).first()
    if referral is None or referral.status not in OPEN_STATUSES:
        return None
    return referral
