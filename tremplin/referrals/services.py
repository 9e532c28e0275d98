"""State changes of a referral: one function each, keyword-only, atomic, each writing a ReferralEvent.

sent → accepted / declined / expired / cancelled; accepted → person seen / not seen / cancelled. Anything
else is refused with a French message. Concurrent clicks: the referral row is locked (`select_for_update`)
and its state read again before the change.

The e-mails leave the platform: they carry the referral's number, the service and a link, never the
person's name nor contact. They are sent after the commit.
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tremplin.activities.services import activity_for_source
from tremplin.beneficiaries.perms import can_view_beneficiary

from . import links, perms
from .enums import CLOSED_STATUSES, DeclineReason, Origin, Status
from .models import Referral, ReferralEvent

TRANSITIONS = {
    Status.SENT: {Status.ACCEPTED, Status.DECLINED, Status.EXPIRED, Status.CANCELLED},
    Status.ACCEPTED: {Status.SEEN, Status.NOT_SEEN, Status.CANCELLED},
}
REFUSED = {
    Status.ACCEPTED: "Cette orientation ne peut plus être acceptée : elle est « {current} ».",
    Status.DECLINED: "Cette orientation ne peut plus être refusée : elle est « {current} ».",
    Status.SEEN: "La venue ne peut être indiquée que sur une orientation acceptée (elle est « {current} »).",
    Status.NOT_SEEN: "La venue ne peut être indiquée que sur une orientation acceptée (elle est « {current} »).",
    Status.CANCELLED: "Cette orientation ne peut plus être annulée : elle est « {current} ».",
    Status.EXPIRED: "Cette orientation ne peut pas expirer : elle est « {current} ».",
}


def new_nonce() -> str:
    return secrets.token_hex(16)


def _send_after_commit(*, subject: str, body: str, to: list[str]) -> None:
    recipients = [address for address in to if address]
    if not recipients:
        return

    def send():
        EmailMessage(subject=subject, body=body, to=[], bcc=recipients).send()

    transaction.on_commit(send, robust=True)


def _event(referral: Referral, *, by=None, via_link=False, reminder=False, at=None) -> ReferralEvent:
    event = ReferralEvent(
        referral=referral, status=referral.status, by=by, via_link=via_link, reminder=reminder, at=at or timezone.now()
    )
    event.full_clean()
    event.save()
    return event


def _place_emails(place) -> list[str]:
    return [str(email) for email in (place.emails or []) if email]


def _email_to_place(referral: Referral, *, reminder: bool) -> None:
    context = {
        "referral": referral,
        "link": links.link_url(referral),
        "days": links.max_age().days,
        "reminder": reminder,
    }
    subject = ("Relance : " if reminder else "") + f"Orientation n° {referral.pk} — {referral.service}"
    body = render_to_string("referrals/emails/to_place.txt", context)
    _send_after_commit(subject=subject, body=body, to=_place_emails(referral.place))


def _email_to_referrer(referral: Referral) -> None:
    link = settings.TREMPLIN_PUBLIC_URL.rstrip("/") + reverse("referrals:detail", args=[referral.pk])
    body = render_to_string("referrals/emails/to_referrer.txt", {"referral": referral, "link": link})
    _send_after_commit(
        subject=f"Orientation n° {referral.pk} : {referral.get_status_display().lower()}",
        body=body,
        to=[referral.referred_by.email],
    )


def referral_create(*, beneficiary, place, service, reason, note="", origin=Origin.RECORD, by) -> Referral:
    """Refer `beneficiary` to `place` for `service`; tells the place (e-mail with the signed link, and the list
    of the partner accounts of the place's organisation)."""
    if not perms.can_refer(by, beneficiary) or not can_view_beneficiary(by, beneficiary):
        raise ValidationError("Vous ne pouvez pas orienter cette personne : elle n'est pas suivie par votre équipe.")
    if service not in (place.services or []):
        raise ValidationError({"service": f"Le lieu « {place.name} » ne propose pas le service « {service} »."})
    if not _place_emails(place) and not place.organisation_id:
        raise ValidationError(
            {"place": f"Le lieu « {place.name} » n'a ni courriel ni compte Tremplin : il ne peut pas être prévenu."}
        )
    with transaction.atomic():
        referral = Referral(
            beneficiary=beneficiary,
            from_organisation_id=beneficiary.organisation_id,  # the team that follows the person
            referred_by=by,
            place=place,
            service=service,
            origin=origin,
            reason=reason.strip(),
            note=note.strip(),
            status=Status.SENT,
            link_nonce=new_nonce(),
        )
        referral.full_clean()
        referral.save()
        _event(referral, by=by, at=referral.created_at)
        activity_for_source(source=referral)
        _email_to_place(referral, reminder=False)
    return referral


def _check_actor(referral: Referral, *, by, via_link: bool, side: str) -> None:
    if side == "system":  # the daily reminders and expiry
        return
    if via_link:
        if side != "place":
            raise PermissionDenied("Le lien reçu par e-mail ne permet pas cette action.")
        return
    if by is None:
        raise PermissionDenied("Action réservée à un compte Tremplin.")
    allowed = perms.can_answer(by, referral) if side == "place" else perms.can_cancel(by, referral)
    if not allowed:
        raise PermissionDenied("Vous ne pouvez pas modifier cette orientation.")


def _transition(referral_id: int, target: str, *, by=None, via_link=False, side="place", now=None, **changes):
    now = now or timezone.now()
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("place", "referred_by").get(pk=referral_id)
        _check_actor(referral, by=by, via_link=via_link, side=side)
        if target not in TRANSITIONS.get(referral.status, set()):
            raise ValidationError(REFUSED[target].format(current=referral.get_status_display().lower()))
        referral.status = target
        for name, value in changes.items():
            setattr(referral, name, value)
        if target in (Status.ACCEPTED, Status.DECLINED):
            referral.answered_at = now
        if target in CLOSED_STATUSES:
            referral.closed_at = now
            referral.link_nonce = new_nonce()  # every link sent before stops working
        referral.full_clean()
        referral.save()
        _event(referral, by=None if via_link else by, via_link=via_link, at=now)
        if side in ("place", "system"):
            _email_to_referrer(referral)
    return referral


def _pk(referral) -> int:
    return referral.pk if isinstance(referral, Referral) else int(referral)


def referral_accept(*, referral, by=None, via_link=False) -> Referral:
    return _transition(_pk(referral), Status.ACCEPTED, by=by, via_link=via_link)


def referral_decline(*, referral, reason, text="", by=None, via_link=False) -> Referral:
    if reason not in DeclineReason.values:
        raise ValidationError({"decline_reason": "Choisissez le motif du refus dans la liste."})
    if reason == DeclineReason.OTHER and not text.strip():
        raise ValidationError({"decline_text": "Précisez la raison du refus."})
    return _transition(
        _pk(referral), Status.DECLINED, by=by, via_link=via_link, decline_reason=reason, decline_text=text.strip()
    )


def referral_mark_seen(*, referral, by=None, via_link=False) -> Referral:
    return _transition(_pk(referral), Status.SEEN, by=by, via_link=via_link)


def referral_mark_not_seen(*, referral, by=None, via_link=False) -> Referral:
    return _transition(_pk(referral), Status.NOT_SEEN, by=by, via_link=via_link)


def referral_cancel(*, referral, by) -> Referral:
    return _transition(_pk(referral), Status.CANCELLED, by=by, side="referrer")


def referrals_remind_and_expire(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Remind once the referrals unanswered after the reminder delay; expire those still unanswered the expiry
    delay after their reminder. Idempotent: run it as often as you like (`manage.py referrals_daily`)."""
    now = now or timezone.now()
    remind_before = now - links.remind_after()
    expire_before = now - links.expire_after()
    counts = {"reminded": 0, "expired": 0}
    due = Referral.objects.filter(status=Status.SENT, reminded_at__isnull=True, created_at__lte=remind_before)
    for referral_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().select_related("place").get(pk=referral_id)
            if referral.status != Status.SENT or referral.reminded_at is not None:
                continue
            referral.reminded_at = now
            referral.save(update_fields=["reminded_at"])
            _event(referral, reminder=True, at=now)
            _email_to_place(referral, reminder=True)
            counts["reminded"] += 1
    due = Referral.objects.filter(status=Status.SENT, reminded_at__lte=expire_before)
    for referral_id in list(due.values_list("pk", flat=True)):
        try:
            _transition(referral_id, Status.EXPIRED, now=now, side="system")
        except ValidationError:
            continue  # answered meanwhile
        counts["expired"] += 1
    return counts
