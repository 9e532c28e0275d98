"""State changes on accounts: second factor (TOTP) enrolment, use and removal; lockout release."""

from base64 import b32encode
from collections.abc import Iterable

import qrcode
from axes.utils import reset as axes_reset
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from .models import User

TOTP_DEVICE_NAME = "Application d'authentification"


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, created when there is none.

    Reusing the pending device keeps the secret stable if the page is reloaded while the user is
    scanning the QR code.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a pending device with a code read from the application; False if the code is wrong."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Any other pending device of the same user is now useless.
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    return True


@transaction.atomic
def totp_match(*, user: User, token: str) -> TOTPDevice | None:
    """The confirmed device of ``user`` that accepts ``token`` (each code is accepted once), or None."""
    for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


@transaction.atomic
def totp_device_delete(*, user: User, token: str) -> bool:
    """Remove the user's TOTP devices, if ``token`` is a current code of one of them."""
    if totp_match(user=user, token=token) is None:
        return False
    TOTPDevice.objects.filter(user=user).delete()
    return True


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
    svg.set("style", "background-color: #fff")  # readable in the dark theme too
    svg.set("role", "img")
    svg.set("aria-label", "QR code à scanner avec votre application d'authentification")
    return image.to_string(encoding="unicode")


def account_unlock(*, user: User) -> int:
    """Forget the failed logins of this account (after its owner proved it through a reset e-mail)."""
    return axes_reset(username=user.email)
