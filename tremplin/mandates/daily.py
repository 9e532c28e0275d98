"""What the worker does for mandates every day: expire mandates past their end, warn 30 days before a long one
ends, suspend habilitations unused for six months, and verify the journal's chain. Safe to run often: each step is
idempotent, and the chain is verified at most once per VERIFY_EVERY."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from . import journal, services
from .habilitation import habilitations_lapse_inactive
from .models import JournalVerification

VERIFY_EVERY = timedelta(hours=23)


@dataclass(frozen=True)
class DailyResult:
    expired: int
    warned: int
    lapsed: int
    verification: JournalVerification | None  # None: verified less than VERIFY_EVERY ago


def mandates_daily(*, now: datetime | None = None) -> DailyResult:
    now = now or timezone.now()
    expired = services.mandates_expire(now=now)
    warned = services.mandates_warn_expiry(now=now)
    lapsed = habilitations_lapse_inactive(now=now)
    last = JournalVerification.objects.order_by("-at", "-pk").first()
    verification = None
    if last is None or last.at <= now - VERIFY_EVERY:
        verification = journal.verification_record(now=now)
    return DailyResult(expired, warned, lapsed, verification)
