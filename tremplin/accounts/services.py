"""State changes on accounts: second factor (TOTP) enrolment, use and removal, journaled; lockout release.

Enrolment and removal of a second factor, refused codes and lockouts, recovery codes generated and used, TOTP
cards assigned are written to the account's security journal (SecurityEvent, read-only in the admin) and to the
`tremplin.security` logger.

Recovery codes are django-otp static tokens (one StaticDevice per account, beside its TOTP devices): 10
single-use codes, generated when an application is confirmed and again on request (the old ones are then
invalid), removed with the last TOTP device.
"""

import logging
from base64 import b32encode
from binascii import unhexlify
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import qrcode
from axes.utils import reset as axes_reset
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from . import second_factor
from .enums import SecurityAction
from .models import SecurityEvent, User

TOTP_DEVICE_NAME = "Application d'authentification"

security_log = logging.getLogger("tremplin.security")


WARNINGS = (SecurityAction.CODE_REFUSED, SecurityAction.LOCKED, SecurityAction.RECOVERY_CODE_USED)


def _journal(user: User, action: str, *, actor: User | None, ip_address: str | None, detail: str = "") -> SecurityEvent:
    event = SecurityEvent(user=user, action=action, actor=actor, ip_address=ip_address or None)
    event.full_clean()
    event.save()
    security_log.log(
        logging.WARNING if action in WARNINGS else logging.INFO,
        "%s: compte %s (n° %s), par %s, depuis %s%s",
        event.get_action_display(),
        user.email,
        user.pk,
        actor.email if actor else "—",
        ip_address or "?",
        f" ({detail})" if detail else "",
    )
    return event


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code typed for a confirmed device."""

    device: TOTPDevice | StaticDevice | None = None  # the device that accepted the code
    throttled: bool = False  # a wrong code a moment ago: the code was not even looked at
    locked_until: datetime | None = None  # too many wrong codes: the code was (or will be) refused until then
    recovery_codes_left: int | None = None  # a recovery code was accepted (and spent): how many remain

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
def totp_device_confirm(*, device: TOTPDevice, token: str, ip_address: str | None = None) -> list[str] | None:
    """Confirm a pending device with a code read from the application: its new recovery codes (shown once, as
    `abcd-efgh`), or None if the code is wrong. Journaled as the enrolment (the codes come with it)."""
    device = TOTPDevice.objects.select_for_update().select_related("user").get(pk=device.pk)
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Any other pending device of the same user is now useless.
    TOTPDevice.objects.filter(user_id=device.user_id, confirmed=False).delete()
    _journal(device.user, SecurityAction.TOTP_ENABLED, actor=device.user, ip_address=ip_address)
    return _recovery_codes_replace(device.user)


@transaction.atomic
def totp_check(*, user: User, token: str, ip_address: str | None = None, recovery_codes: bool = True) -> CodeCheck:
    """Check a code against the user's confirmed devices: TOTP (application, cards), then, with
    `recovery_codes`, their recovery codes. Each code is accepted once; a recovery code is spent (journaled).

    AXES_FAILURE_LIMIT wrong codes in a row lock the second factor for AXES_COOLOFF_TIME: meanwhile every
    code, even a right one, is refused without being looked at (and without moving the end of the lock).
    Once the lock is over, counting starts again from zero, as for passwords. Between two wrong codes,
    django-otp's throttling (1 s, 2 s, 4 s…) refuses codes too, without counting them. Wrong codes count on
    every device, recovery codes included, and a right code resets them all: one count per account.
    """
    devices = second_factor.code_devices(user, for_update=True)
    if until := second_factor.locked_until(devices):
        return CodeCheck(locked_until=until)
    for device in devices:
        if second_factor.lock_reached(device):  # a lock that is over: a new series of attempts
            device.throttle_reset()
    if totp_throttled(devices):
        return CodeCheck(throttled=True)
    code = second_factor.normalise_code(token)
    for device in devices:
        if second_factor.is_recovery_device(device) and not recovery_codes:
            continue
        if device.verify_token(code):
            for other in devices:
                if other is not device and other.throttling_failure_count:
                    other.throttle_reset()
            if not second_factor.is_recovery_device(device):
                return CodeCheck(device=device)
            left = device.token_set.count()
            _journal(user, SecurityAction.RECOVERY_CODE_USED, actor=user, ip_address=ip_address, detail=f"reste {left}")
            return CodeCheck(device=device, recovery_codes_left=left)
    if devices:
        _journal(user, SecurityAction.CODE_REFUSED, actor=user, ip_address=ip_address)
    if until := second_factor.locked_until(devices):
        _journal(user, SecurityAction.LOCKED, actor=user, ip_address=ip_address)
        return CodeCheck(locked_until=until)
    return CodeCheck()


def _drop_orphan_recovery_codes(user: User) -> None:
    """Recovery codes go with the last confirmed TOTP device: alone, they are no second factor."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def totp_device_delete(*, user: User, token: str, ip_address: str | None = None) -> CodeCheck:
    """Remove the user's TOTP devices (and recovery codes), if ``token`` is a current code of one of them."""
    check = totp_check(user=user, token=token, ip_address=ip_address, recovery_codes=False)
    if check.accepted:
        TOTPDevice.objects.filter(user=user).delete()
        _drop_orphan_recovery_codes(user)
        _journal(user, SecurityAction.TOTP_DISABLED, actor=user, ip_address=ip_address)
    return check


@transaction.atomic
def totp_device_remove(*, device: TOTPDevice, by: User, ip_address: str | None = None) -> None:
    """An administrator removes a user's device (a lost or changed phone, a lost card): the user enrols again.
    The recovery codes go with the account's last device."""
    user = device.user
    device.delete()
    _drop_orphan_recovery_codes(user)
    if device.confirmed:
        _journal(user, SecurityAction.TOTP_DISABLED, actor=by, ip_address=ip_address)


# --- Recovery codes -------------------------------------------------------------------------------


def _recovery_codes_replace(user: User) -> list[str]:
    device, _ = StaticDevice.objects.select_for_update().get_or_create(
        user=user, defaults={"name": second_factor.RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    device.token_set.all().delete()
    tokens = set()
    while len(tokens) < second_factor.RECOVERY_CODE_COUNT:
        tokens.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in sorted(tokens))
    return [second_factor.format_recovery_code(token) for token in sorted(tokens)]


@transaction.atomic
def recovery_codes_generate(*, user: User, ip_address: str | None = None) -> list[str]:
    """New recovery codes for an account with a confirmed TOTP device (the old ones stop working), as shown
    once to their holder (`abcd-efgh`). Journaled."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError("Activez d'abord la double authentification : les codes de secours l'accompagnent.")
    codes = _recovery_codes_replace(user)
    _journal(user, SecurityAction.RECOVERY_CODES_GENERATED, actor=user, ip_address=ip_address)
    return codes


@transaction.atomic
def recovery_codes_regenerate(
    *, user: User, token: str, ip_address: str | None = None
) -> tuple[CodeCheck, list[str] | None]:
    """New recovery codes, if ``token`` is a current code of one of the user's TOTP devices (not a recovery
    code: one spent code must not buy ten). The check, and its lockout, as for any code."""
    check = totp_check(user=user, token=token, ip_address=ip_address, recovery_codes=False)
    if not check.accepted:
        return check, None
    return check, recovery_codes_generate(user=user, ip_address=ip_address)


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes this account has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- Hardware TOTP cards --------------------------------------------------------------------------

CARD_SEED_BYTES = (16, 40)  # RFC 4226: at least 128 bits; django-otp stores at most 40 bytes
CARD_SERIAL_MAX_LENGTH = 40  # the device's name holds at most 64 characters
CARD_PERIOD_MAX = 300  # seconds; cards sold today change their code every 30 or 60 s


@transaction.atomic
def totp_card_assign(
    *, user: User, serial: str, seed: str, period: int = 30, digits: int = 6, by: User | None = None
) -> tuple[TOTPDevice, bool]:
    """Give an account a hardware TOTP card (its serial number and seed come from the supplier's file): a
    confirmed TOTP device named "Carte TOTP n° <serial>", with the same one step of drift tolerated as an
    application. Returns the device and whether it was created: assigning the same card again to the same
    account changes nothing. A card belongs to one account: a serial already assigned to another account, or to
    this one with another seed, is refused. Journaled."""
    serial = serial.strip()
    if not serial or len(serial) > CARD_SERIAL_MAX_LENGTH:
        raise ValidationError(f"Indiquez le numéro de série de la carte (au plus {CARD_SERIAL_MAX_LENGTH} caractères).")
    key = "".join(seed.split()).lower()
    try:
        size = len(unhexlify(key))
    except ValueError:  # binascii.Error: not hexadecimal, or an odd number of digits
        raise ValidationError(
            "La graine de la carte doit être écrite en hexadécimal (chiffres 0 à 9 et lettres a à f), "
            "comme dans le fichier du fournisseur."
        ) from None
    low, high = CARD_SEED_BYTES
    if not low <= size <= high:
        raise ValidationError(
            f"La graine de la carte fait {size} octets : elle doit en faire de {low} à {high} "
            f"({2 * low} à {2 * high} caractères hexadécimaux)."
        )
    if digits not in (6, 8):
        raise ValidationError("Une carte affiche des codes de 6 ou 8 chiffres.")
    if not 1 <= period <= CARD_PERIOD_MAX:
        raise ValidationError(f"La période d'une carte est comprise entre 1 et {CARD_PERIOD_MAX} secondes.")
    name = second_factor.TOTP_CARD_NAME.format(serial=serial)
    existing = TOTPDevice.objects.select_for_update().filter(name=name).select_related("user").first()
    if existing is not None:
        if existing.user_id != user.pk:
            raise ValidationError(f"La carte n° {serial} est déjà attribuée à un autre compte ({existing.user.email}).")
        if existing.key.lower() != key or existing.step != period or existing.digits != digits:
            raise ValidationError(
                f"La carte n° {serial} est déjà attribuée à ce compte, avec d'autres réglages : retirez-la d'abord "
                "dans l'administration si elle doit être remplacée."
            )
        return existing, False
    device = TOTPDevice(
        user=user,
        name=name,
        key=key,
        step=period,
        digits=digits,
        tolerance=second_factor.TOTP_TOLERANCE,
        confirmed=True,
    )
    device.full_clean()
    device.save()
    _journal(user, SecurityAction.TOTP_CARD_ASSIGNED, actor=by, ip_address=None, detail=name)
    return device, True


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
