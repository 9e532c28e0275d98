"""SMS providers behind one small interface, chosen by the setting TREMPLIN_SMS_BACKEND (e-mail goes through
Django's own EMAIL_BACKEND). Every backend returns the provider's message id or raises SmsDeliveryError."""

import json
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsDeliveryError(Exception):
    """The provider did not accept the message (the task retries, then shows the failure)."""


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164 (+33612345678)
    body: str
    reference: str  # our id, echoed by the provider in delivery reports


def to_e164(phone: str) -> str:
    """'0612345678' → '+33612345678'; numbers already international are kept."""
    phone = phone.replace(" ", "")
    if phone.startswith("0") and len(phone) == 10:
        return "+33" + phone[1:]
    return phone


class BaseSmsBackend:
    def send(self, message: SmsMessage) -> str:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Development: prints each SMS on the standard output (the worker's log)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> str:
        self.stream.write(f"SMS à {message.to} ({message.reference}) :\n{message.body}\n{'-' * 40}\n")
        self.stream.flush()
        return f"console-{message.reference}"


class FileSmsBackend(BaseSmsBackend):
    """Development: one text file per SMS in TREMPLIN_SMS_FILE_PATH (var/sms/ for the demo)."""

    def send(self, message: SmsMessage) -> str:
        folder = Path(settings.TREMPLIN_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{message.reference}.txt"
        (folder / name).write_text(f"À : {message.to}\n\n{message.body}\n", encoding="utf-8")
        return f"file-{name}"


# Messages "sent" by LocmemSmsBackend (tests), like django.core.mail.outbox.
outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> str:
        with _outbox_lock:
            outbox.append(message)
            return f"locmem-{len(outbox)}"


class HttpSmsBackend(BaseSmsBackend):
    """Production: JSON POST to the provider's TREMPLIN_SMS_URL with a bearer token.

    Request: {"to": "+33612345678", "text": "…", "sender": "Tremplin", "reference": "notification-12"}.
    Any 2xx answer is a success (its JSON "id", when given, is kept); anything else, a timeout or a
    network error raises SmsDeliveryError.
    """

    def __init__(self, url=None, token=None, sender=None, timeout=None):
        self.url = url or settings.TREMPLIN_SMS_URL
        self.token = token if token is not None else settings.TREMPLIN_SMS_TOKEN
        self.sender = sender or settings.TREMPLIN_SMS_SENDER
        self.timeout = timeout or settings.TREMPLIN_SMS_TIMEOUT

    def send(self, message: SmsMessage) -> str:
        if not self.url:
            raise SmsDeliveryError("Aucun prestataire SMS configuré (réglage TREMPLIN_SMS_URL vide).")
        if not self.url.startswith(("https://", "http://")):
            raise SmsDeliveryError("TREMPLIN_SMS_URL doit commencer par https:// ou http://.")
        payload = {"to": message.to, "text": message.body, "sender": self.sender, "reference": message.reference}
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:200].decode(errors="replace")
            raise SmsDeliveryError(f"Le prestataire SMS a répondu {error.code} : {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsDeliveryError(f"Prestataire SMS injoignable : {reason}") from error
        if not 200 <= status < 300:
            raise SmsDeliveryError(f"Le prestataire SMS a répondu {status}.")
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.TREMPLIN_SMS_BACKEND)()
