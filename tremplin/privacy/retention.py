"""The retention periods of the register (docs/RGPD.md), enforced: one function per state change, each bounded in
memory (batches of TREMPLIN_RETENTION_BATCH_SIZE rows, one short transaction per batch), idempotent (a second run
finds nothing left to do), and counted in the run's journal (models.RetentionRun).

What is never touched here: the mandate journal (append-only, hash-chained, refused by the database's triggers:
docs/journal-des-mandats.md), the mandates and their uses (proof of what was done on the person's behalf), the
activities, screenings, diagnostics and bookings of anonymised people, and the statistics tables: an anonymised
person keeps their age band, gender, status and commune, so every dashboard total stays the same.

`retention_apply(dry_run=…, daily=…)` runs every step; `python manage.py apply_retention` calls it.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tremplin.accounts.models import ApiToken, SecurityEvent
from tremplin.activities.models import Participant
from tremplin.beneficiaries.models import AccessLog, Beneficiary, Consent
from tremplin.beneficiaries.services import beneficiary_anonymise
from tremplin.diagnostics.models import Diagnostic, Screening
from tremplin.mandates.models import IdentityCheck, Mandate, MandateUse
from tremplin.notifications.enums import NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.referrals.enums import OPEN_STATUSES
from tremplin.referrals.models import Referral
from tremplin.reporting.models import ShareLink
from tremplin.workshops.models import Registration

from .enums import ErasureReason
from .models import RetentionRun

# Messages whose content is no longer needed once old: every status but those still waiting to be sent, called or
# printed (their text is still to be used).
SETTLED_MESSAGE_STATUSES = (
    NotificationStatus.SENT,
    NotificationStatus.CALLED,
    NotificationStatus.PRINTED,
    NotificationStatus.WITHDRAWN,
    NotificationStatus.FAILED,
)
logger = logging.getLogger(__name__)
DB_SESSION_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def _days(name: str) -> int:
    from tremplin.settings import privacy as defaults

    return int(getattr(settings, name, getattr(defaults, name)))


def _batch() -> int:
    return _days("TREMPLIN_RETENTION_BATCH_SIZE")


def _cutoff(name: str, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(days=_days(name))


def _delete_in_batches(queryset: QuerySet, *, dry_run: bool) -> int:
    """Delete the rows of `queryset` a batch at a time (the queryset must no longer match a deleted row)."""
    if dry_run:
        return queryset.count()
    manager, done, size = queryset.model._default_manager, 0, _batch()
    while pks := list(queryset.order_by("pk").values_list("pk", flat=True)[:size]):
        with transaction.atomic():
            manager.filter(pk__in=pks).delete()
        done += len(pks)
    return done


def _update_in_batches(queryset: QuerySet, changes: dict, *, dry_run: bool) -> int:
    """Update the rows of `queryset` a batch at a time (the changes must take a row out of `queryset`)."""
    if dry_run:
        return queryset.count()
    manager, done, size = queryset.model._default_manager, 0, _batch()
    while pks := list(queryset.order_by("pk").values_list("pk", flat=True)[:size]):
        with transaction.atomic():
            done += manager.filter(pk__in=pks).update(**changes)
    return done


# --- people without activity ------------------------------------------------------------------------------------


def people_inactive(cutoff: datetime.datetime) -> QuerySet[Beneficiary]:
    """Active records with no trace of activity since `cutoff`: neither created nor changed, no accompaniment,
    workshop booking (made, or for a session), screening, diagnostic, consent, referral (sent, closed, or still
    open), mandate (prepared, or valid until after `cutoff`), démarche, identity check or message since then."""
    day = timezone.localtime(cutoff).date()
    person = OuterRef("pk")
    recent = [
        Participant.objects.filter(beneficiary=person, date__gte=day),
        Registration.objects.filter(beneficiary=person).filter(
            Q(created_at__gte=cutoff) | Q(session__starts_at__gte=cutoff)
        ),
        Screening.objects.filter(beneficiary=person, performed_at__gte=cutoff),
        Diagnostic.objects.filter(beneficiary=person, performed_at__gte=cutoff),
        Consent.objects.filter(beneficiary=person, recorded_at__gte=cutoff),
        Referral.objects.filter(beneficiary=person).filter(
            Q(created_at__gte=cutoff) | Q(closed_at__gte=cutoff) | Q(status__in=OPEN_STATUSES)
        ),
        Mandate.objects.filter(beneficiary=person).filter(Q(created_at__gte=cutoff) | Q(ends_at__gte=cutoff)),
        MandateUse.objects.filter(mandate__beneficiary=person, at__gte=cutoff),
        IdentityCheck.objects.filter(beneficiary=person, checked_at__gte=cutoff),
        Notification.objects.filter(beneficiary=person, created_at__gte=cutoff),
    ]
    queryset = Beneficiary.objects.active().filter(created_at__lt=cutoff, updated_at__lt=cutoff)
    for rows in recent:
        queryset = queryset.filter(~Exists(rows))
    return queryset


def person_retention_anonymise(*, pk: int, cutoff: datetime.datetime, inactive_days: int) -> bool:
    """Anonymise one person found inactive, if they still are once their record is locked (an activity recorded
    meanwhile keeps them). Journaled on the record by no one (`actor` None) with the reason « conservation »."""
    with transaction.atomic():
        locked = Beneficiary.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first()
        if locked is None or not people_inactive(cutoff).filter(pk=pk).exists():
            return False
        beneficiary_anonymise(
            beneficiary=Beneficiary(pk=pk),
            by=None,
            reason=ErasureReason.RETENTION,
            details={"inactive_days": inactive_days},
        )
    return True


def people_anonymise_inactive(*, now: datetime.datetime, dry_run: bool = False) -> int:
    inactive_days = _days("TREMPLIN_RETENTION_INACTIVE_DAYS")
    cutoff = now - datetime.timedelta(days=inactive_days)
    candidates = people_inactive(cutoff)
    if dry_run:
        return candidates.count()
    done, last, size = 0, 0, _batch()
    while pks := list(candidates.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size]):
        for pk in pks:
            try:
                done += person_retention_anonymise(pk=pk, cutoff=cutoff, inactive_days=inactive_days)
            except ValidationError as error:  # one odd record must not stop the others: said in the server's log
                logger.warning("Conservation : la fiche n° %s n'a pas pu être anonymisée : %s", pk, error)
        last = pks[-1]
    return done


# --- journals and logs ------------------------------------------------------------------------------------------


def access_logs_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Showings of people's records (beneficiaries.AccessLog) older than the access-log period."""
    return _delete_in_batches(
        AccessLog.objects.filter(at__lt=_cutoff("TREMPLIN_RETENTION_ACCESS_LOG_DAYS", now)), dry_run=dry_run
    )


def security_logs_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """The accounts' security journal (SecurityEvent) and django-axes' login traces, older than their period."""
    from axes.models import AccessAttempt, AccessFailureLog
    from axes.models import AccessLog as LoginLog

    cutoff = _cutoff("TREMPLIN_RETENTION_SECURITY_LOG_DAYS", now)
    done = _delete_in_batches(SecurityEvent.objects.filter(at__lt=cutoff), dry_run=dry_run)
    for model in (LoginLog, AccessFailureLog, AccessAttempt):
        done += _delete_in_batches(model.objects.filter(attempt_time__lt=cutoff), dry_run=dry_run)
    return done


def message_contents_forget(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Recipient, subject, text and error of settled messages older than the period; the row (kind, channel,
    status, dates) stays for the team's history and the sending statistics."""
    old = Notification.objects.filter(
        created_at__lt=_cutoff("TREMPLIN_RETENTION_MESSAGE_CONTENT_DAYS", now), status__in=SETTLED_MESSAGE_STATUSES
    ).exclude(recipient="", subject="", body="", last_error="")
    return _update_in_batches(old, {"recipient": "", "subject": "", "body": "", "last_error": ""}, dry_run=dry_run)


def referral_texts_forget(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """The free texts of referrals closed long ago (what the place should know, the detail of a refusal): they may
    describe the person. Place, service, reason, outcome and dates stay for the referral statistics."""
    old = Referral.objects.filter(closed_at__lt=_cutoff("TREMPLIN_RETENTION_REFERRAL_TEXT_DAYS", now)).exclude(
        note="", decline_text=""
    )
    return _update_in_batches(old, {"note": "", "decline_text": ""}, dry_run=dry_run)


# --- keys and links -------------------------------------------------------------------------------------------


def _ended_before(model, cutoff: datetime.datetime) -> Q:
    """Revoked, or expired (when the model has an expiry), before `cutoff`."""
    ended = Q(revoked_at__lt=cutoff)
    if any(field.name == "expires_at" for field in model._meta.get_fields()):
        ended |= Q(expires_at__lt=cutoff)
    return ended


def api_tokens_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """API keys revoked or expired for longer than the period (they no longer open anything)."""
    cutoff = _cutoff("TREMPLIN_RETENTION_API_TOKEN_DAYS", now)
    return _delete_in_batches(ApiToken.objects.filter(_ended_before(ApiToken, cutoff)), dry_run=dry_run)


def share_links_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Dashboard share links revoked or expired for longer than the period."""
    cutoff = _cutoff("TREMPLIN_RETENTION_SHARE_LINK_DAYS", now)
    return _delete_in_batches(ShareLink.objects.filter(_ended_before(ShareLink, cutoff)), dry_run=dry_run)


def task_results_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Finished results of the worker's tasks (their arguments name messages and records by number)."""
    from django_tasks_db.models import DBTaskResult

    cutoff = _cutoff("TREMPLIN_RETENTION_TASK_RESULT_DAYS", now)
    return _delete_in_batches(DBTaskResult.objects.finished().filter(finished_at__lt=cutoff), dry_run=dry_run)


def sessions_purge(*, now: datetime.datetime, dry_run: bool = False) -> int:
    """Expired login sessions kept in the database (none to purge when sessions live in the cache)."""
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        return 0
    from django.contrib.sessions.models import Session

    return _delete_in_batches(Session.objects.filter(expire_date__lt=now), dry_run=dry_run)


# --- the run ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    one: str  # « 1 personne anonymisée »
    many: str  # « 12 personnes anonymisées »
    run: Callable[..., int]


STEPS = (
    Step("people_anonymised", "personne anonymisée", "personnes anonymisées", people_anonymise_inactive),
    Step("api_tokens_deleted", "clé d'API expirée supprimée", "clés d'API expirées supprimées", api_tokens_purge),
    Step(
        "share_links_deleted",
        "lien de partage expiré supprimé",
        "liens de partage expirés supprimés",
        share_links_purge,
    ),
    Step(
        "access_logs_deleted",
        "consultation de fiche supprimée du journal",
        "consultations de fiches supprimées du journal",
        access_logs_purge,
    ),
    Step(
        "security_logs_deleted",
        "trace de sécurité ou de connexion supprimée",
        "traces de sécurité ou de connexion supprimées",
        security_logs_purge,
    ),
    Step(
        "message_contents_forgotten",
        "contenu de message effacé",
        "contenus de messages effacés",
        message_contents_forget,
    ),
    Step(
        "referral_texts_forgotten",
        "texte d'orientation close effacé",
        "textes d'orientations closes effacés",
        referral_texts_forget,
    ),
    Step(
        "task_results_deleted",
        "résultat de tâche terminée supprimé",
        "résultats de tâches terminées supprimés",
        task_results_purge,
    ),
    Step(
        "sessions_deleted",
        "session de connexion expirée supprimée",
        "sessions de connexion expirées supprimées",
        sessions_purge,
    ),
)


class AlreadyRanToday(Exception):
    """A daily run already took today's row (here or on another machine)."""


def retention_apply(
    *, dry_run: bool = False, daily: bool = False, now: datetime.datetime | None = None
) -> RetentionRun:
    """Every step of the register, journaled in one RetentionRun (by the system actor « retention »). A daily run
    (the worker's loop) raises AlreadyRanToday when today's daily run was already taken; a dry run changes nothing
    but its own journal row (and is never the day's daily run)."""
    now = now or timezone.now()
    run = RetentionRun(day=timezone.localtime(now).date(), started_at=now, daily=daily and not dry_run, dry_run=dry_run)
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise AlreadyRanToday(f"La conservation des données est déjà passée le {run.day:%d/%m/%Y}.") from None
    counts = {}
    for step in STEPS:
        counts[step.key] = step.run(now=now, dry_run=dry_run)
        run.counts = counts
        run.save(update_fields=["counts"])  # a run stopped midway still says what it did
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run


def summary(counts: dict) -> str:
    """« 12 personnes anonymisées, 3 clés d'API expirées supprimées, … » (French: 0 and 1 are singular)."""
    parts = []
    for step in STEPS:
        count = counts.get(step.key, 0)
        parts.append(f"{count:,}".replace(",", "\u202f") + " " + (step.one if count <= 1 else step.many))
    return ", ".join(parts) + "."
