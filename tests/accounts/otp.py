"""TOTP helpers shared by the account tests: a device, its current code, a verified session."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def make_device(user, *, confirmed: bool = True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=confirmed)


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator application shows now for this device."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{value:0{device.digits}d}"


def code_at(device: TOTPDevice, steps: int) -> str:
    """The code of `steps` 30-s steps away from now (a phone whose clock is that much ahead, or behind)."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 1) % 1_000_000:06d}"


def mark_verified(client, device: TOTPDevice) -> None:
    """As if the user had entered a code in this session (what django_otp.login stores)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
