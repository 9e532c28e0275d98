"""State changes on accounts: second factor (TOTP) enrolment, use and removal, journaled; lockout release.

Enrolment and removal of a second factor, refused codes and lockouts are written to the account's security
journal (SecurityEvent, read-only in the admin) and to the `tremplin.security` logger.
"""

import logging
from base64 import b32encode
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import qrcode
from axes.utils import reset as axes_reset
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from . import second_factor
from .enums import SecurityAction
from .models import SecurityEvent, User

TOTP_DEVICE_NAME = "Application d'authentification"

security_log = logging.getLogger("tremplin.security")


def _journal(user: User, action: str, *, actor: User | None, ip_address: str | None) -> SecurityEvent:
    event = SecurityEvent(user=user, action=action, actor=actor, ip_address=ip_address or None)
    event.full_clean()
    event.save()
    level = logging.WARNING if action in (SecurityAction.CODE_REFUSED, SecurityAction.LOCKED) else logging.INFO
    security_log.log(
        level,
        "%s: compte %s (n° %s), par %s, depuis %s",
        event.get_action_display(),
        user.email,
        user.pk,
        actor.email if actor else "—",
        ip_address or "?",
    )
    return event


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code typed for a confirmed device."""

    device: TOTPDevice | None = None  # the device that accepted the code
    throttled: bool = False  # a wrong code a moment ago: the code was not even looked at
    locked_until: datetime | None = None  # too many wrong codes: the code was (or will be) refused until then

    @property
    def accepted(self) -> bool:
        return self.device is not None


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, created when there is none.

    Reusing the pending device keeps the secret stable if the page is reloaded while the user is
    scanning the QR code.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=False, tolerance=second_factor.TOTP_TOLERANCE)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str, ip_address: str | None = None) -> bool:
    """Confirm a pending device with a code read from the application; False if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().select_related("user").get(pk=device.pk)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Any other pending device of the same user is now useless.
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    _journal(device.user, SecurityAction.TOTP_ENABLED, actor=device.user, ip_address=ip_address)
    return True


@transaction.atomic
def totp_check(*, user: User, token: str, ip_address: str | None = None) -> CodeCheck:
    """Check a code against the user's confirmed devices (each code is accepted once).

    AXES_FAILURE_LIMIT wrong codes in a row lock the second factor for AXES_COOLOFF_TIME: meanwhile every
    code, even a right one, is refused without being looked at (and without moving the end of the lock).
    Once the lock is over, counting starts again from zero, as for passwords. Between two wrong codes,
    django-otp's throttling (1 s, 2 s, 4 s…) refuses codes too, without counting them.
    """
    devices = list(TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True))
    if until := second_factor.locked_until(devices):
        return CodeCheck(locked_until=until)
    for device in devices:
        if second_factor.lock_reached(device):  # a lock that is over: a new series of attempts
            device.throttle_reset()
    if totp_throttled(devices):
        return CodeCheck(throttled=True)
    for device in devices:
        if device.verify_token(token):
            return CodeCheck(device=device)
    if devices:
        _journal(user, SecurityAction.CODE_REFUSED, actor=user, ip_address=ip_address)
    if until := second_factor.locked_until(devices):
        _journal(user, SecurityAction.LOCKED, actor=user, ip_address=ip_address)
        return CodeCheck(locked_until=until)
    return CodeCheck()


@transaction.atomic
def totp_device_delete(*, user: User, token: str, ip_address: str | None = None) -> CodeCheck:
    """Remove the user's TOTP devices, if ``token`` is a current code of one of them."""
    check = totp_check(user=user, token=token, ip_address=ip_address)
    if check.accepted:
        TOTPDevice.objects.filter(user=user).delete()
        _journal(user, SecurityAction.TOTP_DISABLED, actor=user, ip_address=ip_address)
    return check


@transaction.atomic
def totp_device_remove(*, device: TOTPDevice, by: User, ip_address: str | None = None) -> None:
    """An administrator removes a user's device (a lost or changed phone): the user enrols again."""
    user = device.user
    device.delete()
    if device.confirmed:
        _journal(user, SecurityAction.TOTP_DISABLED, actor=by, ip_address=ip_address)


def totp_throttled(devices: Iterable[TOTPDevice]) -> bool:
    """True when every device refuses codes for now, after too many recent wrong codes."""
    devices = list(devices)
    return bool(devices) and not any(device.verify_is_allowed()[0] for device in devices)


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as typed into an application by hand, in groups of four characters."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qrcode_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URL as an inline SVG QR code, generated here (no third-party service)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=10, border=4)
    svg = image.get_image()
    svg.set("width", "220")
    svg.set("height", "220")
    svg.set("class", "tremplin-qrcode")  # white background (tremplin.css, no inline style: CSP), for the dark theme
    svg.set("role", "img")
    svg.set("aria-label", "QR code à scanner avec votre application d'authentification")
    return image.to_string(encoding="unicode")


def account_unlock(*, user: User) -> int:
    """Forget the failed logins of this account (after its owner proved it through a reset e-mail)."""
    return axes_reset(username=user.email)
