"""Messages to people about their registrations: channel choice, rendering, sending with retries, reminders.

`registration_notify` is called by tremplin.workshops.services inside their transaction. It records the
message (the journal) and, for SMS and e-mail, queues the send task once the transaction commits, so a slow
provider never blocks a page: the worker writes their text when it sends them (nothing to render while a
session is locked). Calls and letters are written at once and wait for a person of the team ("À appeler",
"Courriers").
"""

import datetime
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.message import make_msgid
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops.enums import RegistrationStatus, SessionStatus
from tremplin.workshops.models import Registration

from .addresses import postal_lines
from .backends import SmsMessage, get_sms_backend, to_e164
from .enums import ContactChannel, NotificationKind, NotificationStatus
from .models import Notification
from .plaintext import one_line, plain_text

logger = logging.getLogger(__name__)

SMS_MAX_LENGTH = 320  # two SMS
SUBJECT_MAX_LENGTH = 250  # Notification.subject
REMINDER_HOURS = (47, 49)  # reminders go to sessions starting 47 to 49 hours from now (runs every 10 minutes)

# Why a message is not sent automatically (shown on the "À appeler" list).
REASON_PREFERS_CALL = "Préfère être appelé(e)"
REASON_CALLBACK = "A demandé à être rappelé(e)"
REASON_LANDLINE_ONLY = "Ni mobile, ni e-mail, ni adresse postale : seulement un téléphone fixe"
REASON_NO_CONTACT = "Aucune coordonnée enregistrée : la prévenir autrement (au guichet, par un proche)"
REASON_REMINDER_NOT_BY_POST = "Rappel 48 h avant : un courrier arriverait trop tard"
REASON_PREFERS_LETTER = "Préfère le courrier"
REASON_LETTER_ONLY = "Ni mobile ni e-mail : convocation par courrier"
REASON_REQUEST = "Demande d'inscription faite en ligne : l'appeler, puis la valider sur la page de la séance"
REASON_REQUEST_NOT_BY_POST = "un courrier arriverait trop tard"


# A person who asked to be called back is called for these (not for a reminder or a change).
CALLBACK_KINDS = (NotificationKind.CONFIRMATION, NotificationKind.WAITLIST, NotificationKind.REQUEST)


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    status: str
    recipient: str
    reason: str = ""


def _call(beneficiary: Beneficiary, reason: str) -> ChannelChoice:
    phone = beneficiary.mobile_phone or beneficiary.landline_phone
    return ChannelChoice(ContactChannel.PHONE_CALL, NotificationStatus.TO_CALL, phone, reason)


def letter_address_lines(beneficiary: Beneficiary) -> list[str]:
    """The recipient block of the person's letters (NF Z 10-011), name first."""
    return postal_lines(
        name=beneficiary.display_name, postal_address=beneficiary.postal_address, commune=beneficiary.commune
    )


def _letter(beneficiary: Beneficiary, reason: str) -> ChannelChoice:
    address = "\n".join(letter_address_lines(beneficiary)[1:])
    return ChannelChoice(ContactChannel.LETTER, NotificationStatus.TO_PRINT, address, reason)


def choose_channel(beneficiary: Beneficiary, *, kind: str, callback_requested: bool = False) -> ChannelChoice:
    """The person's preferred channel when they can be reached on it; otherwise the first that works.

    Order of the fallback: SMS (a mobile), e-mail, letter (a postal address), a call (a landline), and a
    call with nobody reachable, so that no one is silently left without news. A reminder 48 h before is
    never a letter (it would arrive too late): it becomes a call when there is a phone number. Nor is the
    message of a request made on the public page, and a request that goes on the call list says so (the agent
    confirms it on the session page after the call).
    """
    mobile, email, address = beneficiary.mobile_phone, beneficiary.email, beneficiary.postal_address
    phone = mobile or beneficiary.landline_phone
    preferred = beneficiary.preferred_channel
    if callback_requested and phone and kind in CALLBACK_KINDS:
        choice = _call(beneficiary, REASON_CALLBACK)
    elif preferred == ContactChannel.SMS and mobile:
        choice = ChannelChoice(ContactChannel.SMS, NotificationStatus.QUEUED, mobile)
    elif preferred == ContactChannel.EMAIL and email:
        choice = ChannelChoice(ContactChannel.EMAIL, NotificationStatus.QUEUED, email)
    elif preferred == ContactChannel.PHONE_CALL and phone:
        choice = _call(beneficiary, REASON_PREFERS_CALL)
    elif preferred == ContactChannel.LETTER and address:
        choice = _letter(beneficiary, REASON_PREFERS_LETTER)
    elif mobile:
        choice = ChannelChoice(ContactChannel.SMS, NotificationStatus.QUEUED, mobile)
    elif email:
        choice = ChannelChoice(ContactChannel.EMAIL, NotificationStatus.QUEUED, email)
    elif address:
        choice = _letter(beneficiary, REASON_LETTER_ONLY)
    elif phone:
        choice = _call(beneficiary, REASON_LANDLINE_ONLY)
    else:
        choice = _call(beneficiary, REASON_NO_CONTACT)
    if kind == NotificationKind.REMINDER and choice.channel == ContactChannel.LETTER and phone:
        choice = _call(beneficiary, REASON_REMINDER_NOT_BY_POST)
    if kind == NotificationKind.REQUEST and choice.channel == ContactChannel.LETTER and phone:
        choice = _call(beneficiary, REASON_REQUEST_NOT_BY_POST)
    if kind == NotificationKind.REQUEST and choice.status == NotificationStatus.TO_CALL:
        choice = ChannelChoice(choice.channel, choice.status, choice.recipient, f"{REASON_REQUEST} ({choice.reason})")
    return choice


HOW_TOLD = {
    ContactChannel.SMS: "par SMS",
    ContactChannel.EMAIL: "par e-mail",
    ContactChannel.LETTER: "par un courrier à imprimer (liste « Courriers à imprimer »)",
    ContactChannel.PHONE_CALL: "par un appel à passer (liste « À appeler »)",
}


def how_told(beneficiary: Beneficiary, *, kind: str) -> str:
    """How the person will hear of a message of `kind`, said before an agent acts (confirmation pages)."""
    if not beneficiary.is_active or beneficiary.contact_refused:
        return "sans message : elle a refusé d'être contactée, prévenez-la de vive voix"
    choice = choose_channel(beneficiary, kind=kind)
    if choice.channel == ContactChannel.PHONE_CALL and not choice.recipient:
        return "sans message : aucune coordonnée enregistrée, prévenez-la au guichet ou par courrier"
    return HOW_TOLD[choice.channel]


def registration_link(registration: Registration) -> str:
    """Absolute address of the page where the person confirms or cancels, without an account."""
    return settings.TREMPLIN_PUBLIC_URL.rstrip("/") + reverse("workshops:manage", args=[registration.token])


def _message_context(registration: Registration, kind: str) -> dict:
    session = registration.session
    return {
        "kind": kind,
        "person": registration.beneficiary,
        # Cut to fit an SMS: cleaned first, so that markup never takes the place of letters (plaintext.py).
        "greeting_name": one_line(registration.beneficiary.greeting_name),
        "programme_title": one_line(session.programme.title),
        "registration": registration,
        "session": session,
        "programme": session.programme,
        "site": session.site,
        "session_cancelled": session.status == SessionStatus.CANCELLED,
        "link": registration_link(registration),
        "with_link": kind != NotificationKind.CANCELLATION,
        "contact_phone": settings.TREMPLIN_CONTACT_PHONE,
        "today": timezone.localdate(),
    }


def _render_sms(context: dict) -> str:
    """The SMS text, shortening the workshop title until it fits in two SMS (320 characters)."""
    text = ""
    for title_length, compact in ((60, False), (35, False), (20, False), (20, True)):
        text = render_to_string("notifications/sms.txt", {**context, "title_length": title_length, "compact": compact})
        text = one_line(text)
        if len(text) <= SMS_MAX_LENGTH:
            return text
    return text[: SMS_MAX_LENGTH - 1] + "…"


def render_message(registration: Registration, kind: str, channel: str) -> tuple[str, str]:
    """(subject, body) in plain French for this channel. A call gets the SMS text as what to say;
    a letter gets its HTML (printed as a PDF by tremplin.notifications.letters)."""
    context = _message_context(registration, kind)
    with translation.override(settings.LANGUAGE_CODE), timezone.override(settings.TIME_ZONE):
        subject = one_line(render_to_string("notifications/email_subject.txt", context))[:SUBJECT_MAX_LENGTH]
        if channel == ContactChannel.EMAIL:
            return subject, plain_text(render_to_string("notifications/email.txt", context)).strip() + "\n"
        if channel == ContactChannel.LETTER:
            context["address_lines"] = letter_address_lines(registration.beneficiary)
            return subject, render_to_string("notifications/letter.html", context)
        return subject, _render_sms(context)


def registration_notify(
    *, registration: Registration, kind: NotificationKind | str, told_by=None
) -> Notification | None:
    """Record the message of `kind` for this registration and queue it on the person's channel.

    Called inside the caller's transaction; the send task is queued only when it commits. Returns None when
    nothing is to be sent: the person's record was deleted (anonymised), the person refused to be contacted
    (their latest "contact" consent; the team tells them in person), or the reminder already exists.

    `told_by`: the agent who has just spoken with the person on the phone (confirming their request after
    calling them). The calls still waiting for this registration are closed in their name, and a message that
    would go on the call list is recorded as that call, made ("Appel fait").
    """
    if told_by is not None:
        registration.notifications.filter(status=NotificationStatus.TO_CALL).update(
            status=NotificationStatus.CALLED, handled_by=told_by, handled_at=timezone.now()
        )
    beneficiary = registration.beneficiary
    if not beneficiary.is_active or beneficiary.contact_refused:
        return None
    if (
        kind == NotificationKind.REMINDER
        and Notification.objects.filter(registration=registration, kind=NotificationKind.REMINDER).exists()
    ):
        return None
    choice = choose_channel(beneficiary, kind=kind, callback_requested=registration.callback_requested)
    # A call or a letter is read by the team now; an SMS or an e-mail is written by the worker when it sends.
    subject, body = (
        ("", "") if choice.status == NotificationStatus.QUEUED else render_message(registration, kind, choice.channel)
    )
    notification = Notification(
        registration=registration,
        beneficiary=beneficiary,
        kind=kind,
        channel=choice.channel,
        status=choice.status,
        reason=choice.reason,
        recipient=choice.recipient[:254],
        subject=subject,
        body=body,
    )
    if told_by is not None and notification.status == NotificationStatus.TO_CALL:
        notification.status, notification.handled_by, notification.handled_at = (
            NotificationStatus.CALLED,
            told_by,
            timezone.now(),
        )
    if kind != NotificationKind.REMINDER:
        notification.save(force_insert=True)
    else:
        try:
            with transaction.atomic():  # only reminders can collide (one per registration)
                notification.save(force_insert=True)
        except IntegrityError:  # a concurrent reminder run recorded it first
            return None
    if notification.status == NotificationStatus.QUEUED:
        _enqueue_send(notification.pk)
    return notification


def registration_messages_withdraw(*, registration: Registration) -> int:
    """The messages about this registration still waiting (to send, to call, to print) are no longer needed: a
    request cancelled, dropped or confirmed meanwhile. They leave the team's lists, and the worker skips them."""
    waiting = (NotificationStatus.QUEUED, NotificationStatus.TO_CALL, NotificationStatus.TO_PRINT)
    return registration.notifications.filter(status__in=waiting).update(
        status=NotificationStatus.WITHDRAWN, handled_at=timezone.now()
    )


def _enqueue_send(notification_id: int, *, run_after: datetime.datetime | None = None) -> None:
    from .tasks import notification_send_task

    def enqueue():
        task = notification_send_task
        if run_after is not None and task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        task.enqueue(notification_id)

    # robust: if the queue is unreachable, the page still works; the message stays "queued" (retry by hand).
    transaction.on_commit(enqueue, robust=True)


def retry_delay(attempt: int) -> datetime.timedelta:
    """Back-off after the n-th failed attempt: 1 min, 5 min, 25 min… (TREMPLIN_NOTIFY_RETRY_SECONDS × 5ⁿ⁻¹)."""
    return datetime.timedelta(seconds=settings.TREMPLIN_NOTIFY_RETRY_SECONDS * 5 ** (attempt - 1))


def _send_sms(notification: Notification) -> str:
    message = SmsMessage(
        to=to_e164(notification.recipient), body=notification.body, reference=f"notification-{notification.pk}"
    )
    return get_sms_backend().send(message)


def _send_email(notification: Notification, mail) -> str:
    """Send through `mail`, an e-mail connection opened here and left open: notification_send closes it once the
    message is recorded as sent."""
    domain = urlsplit(settings.TREMPLIN_PUBLIC_URL).hostname or "tremplin"
    message_id = make_msgid(idstring=f"notification-{notification.pk}", domain=domain)
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body,
        to=[notification.recipient],
        headers={"Message-ID": message_id},
        connection=mail,
    )
    mail.open()
    message.send(fail_silently=False)
    return message_id


def notification_send(*, notification_id: int) -> Notification | None:
    """Send one queued SMS or e-mail (in the task worker). A failure is retried later with a growing delay,
    up to TREMPLIN_NOTIFY_MAX_ATTEMPTS attempts; then the message is marked failed for the mediator."""
    notification = Notification.objects.with_context().filter(pk=notification_id).first()
    if notification is None or notification.status != NotificationStatus.QUEUED:
        return notification
    # Claim this attempt: if two tasks run for the same message, only one of them sends it.
    attempt = notification.attempts + 1
    claimed = Notification.objects.filter(
        pk=notification.pk, status=NotificationStatus.QUEUED, attempts=notification.attempts
    ).update(attempts=attempt, next_attempt_at=None)
    if not claimed:
        return None
    notification.attempts, notification.next_attempt_at = attempt, None
    if not notification.beneficiary.is_active:
        notification.status = NotificationStatus.FAILED
        notification.last_error = "La fiche de la personne a été supprimée : message non envoyé."
        notification.save(update_fields=["status", "last_error"])
        return notification
    written = []  # the text, written at the first attempt from the registration as it is now
    if not notification.body:
        notification.subject, notification.body = render_message(
            notification.registration, notification.kind, notification.channel
        )
        written = ["subject", "body"]
    # The e-mail connection is closed only once the message is recorded as sent: a worker killed while the server
    # takes its time to say goodbye (QUIT) leaves a message marked sent, that the task run again does not send twice
    # (tests/reliability/test_worker_killed.py). Left: the instant between the provider's "accepted" and this record.
    mail = get_connection(fail_silently=False) if notification.channel == ContactChannel.EMAIL else None
    try:
        return _attempt(notification, attempt, written, mail)
    finally:
        if mail is not None:
            try:
                mail.close()
            except Exception as error:  # noqa: BLE001 (the message is sent and recorded: only logged)
                logger.warning("Fermeture de la connexion SMTP du message %s : %s", notification.pk, error)


def _attempt(notification: Notification, attempt: int, written: list[str], mail) -> Notification:
    """One try with the provider, and its outcome recorded (sent; or failed, to try again later)."""
    try:
        if notification.channel == ContactChannel.SMS:
            provider_id = _send_sms(notification)
        elif notification.channel == ContactChannel.EMAIL:
            provider_id = _send_email(notification, mail)
        else:
            raise ValueError(f"Le canal « {notification.get_channel_display()} » ne s'envoie pas automatiquement.")
    except Exception as error:  # any provider failure: recorded, retried, then shown to the mediator
        logger.warning("Envoi du message %s échoué (essai %s) : %s", notification.pk, attempt, error)
        notification.last_error = f"{type(error).__name__} : {error}"[:2000]
        if attempt >= settings.TREMPLIN_NOTIFY_MAX_ATTEMPTS:
            notification.status = NotificationStatus.FAILED
        else:
            notification.next_attempt_at = timezone.now() + retry_delay(attempt)
        notification.save(update_fields=["status", "last_error", "next_attempt_at", *written])
        if notification.status == NotificationStatus.QUEUED:
            _enqueue_send(notification.pk, run_after=notification.next_attempt_at)
        return notification
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.provider_message_id = (provider_id or "")[:200]
    notification.save(update_fields=["status", "sent_at", "provider_message_id", *written])
    return notification


@transaction.atomic
def notification_retry(*, notification: Notification, user) -> bool:
    """Send a failed message again (button on "Échecs d'envoi"): a fresh series of attempts."""
    updated = Notification.objects.filter(pk=notification.pk, status=NotificationStatus.FAILED).update(
        status=NotificationStatus.QUEUED, attempts=0, next_attempt_at=None, handled_by=user, handled_at=timezone.now()
    )
    if updated:
        _enqueue_send(notification.pk)
    return bool(updated)


@transaction.atomic
def notifications_call_done(*, notifications, user) -> int:
    """ "Appel fait" for one row of the call list: the person was told, in one call, every message of the row
    (who and when are kept on each). Those already done are left as they are. Returns how many were marked."""
    return Notification.objects.filter(
        pk__in=[notification.pk for notification in notifications], status=NotificationStatus.TO_CALL
    ).update(status=NotificationStatus.CALLED, handled_by=user, handled_at=timezone.now())


@transaction.atomic
def letters_mark_printed(*, notifications, user) -> int:
    """Letters printed (and posted or handed over): they leave the "Courriers à imprimer" list."""
    now = timezone.now()
    return Notification.objects.filter(pk__in=[n.pk for n in notifications], status=NotificationStatus.TO_PRINT).update(
        status=NotificationStatus.PRINTED, handled_by=user, handled_at=now, sent_at=now
    )


def reminders_due(*, now: datetime.datetime | None = None, from_hours: float = 47, to_hours: float = 49):
    """Confirmed registrations of planned sessions starting between `from_hours` and `to_hours` from now
    that have no reminder yet."""
    now = now or timezone.now()
    return (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            session__status=SessionStatus.PLANNED,
            session__starts_at__gte=now + datetime.timedelta(hours=from_hours),
            session__starts_at__lt=now + datetime.timedelta(hours=to_hours),
            beneficiary__anonymised_at__isnull=True,
            beneficiary__contact_refused=False,
        )
        .exclude(notifications__kind=NotificationKind.REMINDER)
        .select_related("beneficiary", "session__programme", "session__site")
        .order_by("session__starts_at", "pk")
    )


def reminders_send(
    *, now: datetime.datetime | None = None, from_hours: float = REMINDER_HOURS[0], to_hours: float = REMINDER_HOURS[1]
) -> int:
    """Queue the 48-hour reminders (idempotent: at most one reminder per registration, enforced by the
    database). Returns how many were recorded."""
    count = 0
    for registration in reminders_due(now=now, from_hours=from_hours, to_hours=to_hours):
        with transaction.atomic():
            if registration_notify(registration=registration, kind=NotificationKind.REMINDER) is not None:
                count += 1
    return count


def notifications_forget(*, beneficiary) -> int:
    """A person's deletion: wipe what their messages say about them, and stop those not yet delivered."""
    messages = Notification.objects.filter(beneficiary=beneficiary)
    messages.filter(
        status__in=[NotificationStatus.QUEUED, NotificationStatus.TO_CALL, NotificationStatus.TO_PRINT]
    ).update(
        status=NotificationStatus.FAILED,
        last_error="Message annulé : la personne a demandé la suppression de ses données.",
    )
    return messages.update(recipient="", subject="", body="")
