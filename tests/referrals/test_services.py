"""The referral lifecycle: creation, answers, forbidden transitions, reminder and expiry over time."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from tests.referrals.factories import OTHER_SERVICE, SERVICE
from tremplin.referrals import links, services
from tremplin.referrals.enums import DeclineReason, Origin, Status
from tremplin.referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def refer(world, **kwargs):
    data = {
        "beneficiary": world.person,
        "place": world.place,
        "service": SERVICE,
        "reason": "Demande de logement social en ligne",
        "note": "Malvoyante, préfère le téléphone",
        "origin": Origin.RECORD,
        "by": world.mediator,
    } | kwargs
    return services.referral_create(**data)


def test_create_tells_the_place_without_the_persons_name_or_contact(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        referral = refer(world)
    assert referral.status == Status.SENT and referral.from_organisation == world.laposte
    assert [e.status for e in referral.events.all()] == [Status.SENT]
    [message] = mail.outbox
    assert message.bcc == ["accueil@lieu.test"]
    text = message.subject + message.body
    assert f"n° {referral.pk}" in text and SERVICE in text
    # The signed link of this referral (its token is stamped with the second it was made: compare what it opens).
    [token] = re.findall(r"/orientations/lien/([^/\s]+)/", text)
    assert links.referral_for_token(token) == referral
    for secret in ("Odette", "Vasseur", "0612345678", "odette@exemple.fr", "Secrète", "Malvoyante", "logement"):
        assert secret not in text


def test_the_email_waits_for_the_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        refer(world)
    assert mail.outbox == []
    # The e-mail waits for the commit (on PostgreSQL a statistics refresh is queued for then too).
    sends = [c for c in callbacks if "statistics_refresh" not in c.__qualname__]
    assert len(sends) == 1
    sends[0]()
    assert len(mail.outbox) == 1


def test_create_refused_for_a_person_out_of_sight_or_a_service_the_place_lacks(world):
    with pytest.raises(ValidationError, match="pas suivie par votre équipe"):
        refer(world, by=world.stranger)
    with pytest.raises(ValidationError, match="ne propose pas le service"):
        refer(world, service=OTHER_SERVICE)
    assert Referral.objects.count() == 0


def test_accept_then_seen_with_every_event(world):
    referral = refer(world)
    services.referral_accept(referral=referral, by=world.partner)
    referral = services.referral_mark_seen(referral=referral, via_link=True)
    assert referral.status == Status.SEEN and referral.answered_at and referral.closed_at
    events = list(referral.events.all())
    assert [e.status for e in events] == [Status.SENT, Status.ACCEPTED, Status.SEEN]
    assert events[1].by == world.partner and not events[1].via_link
    assert events[2].by is None and events[2].via_link


@pytest.mark.parametrize(
    "steps, refused",
    [
        ([], services.referral_mark_seen),  # seen before being accepted
        ([services.referral_accept], services.referral_accept),  # accepted twice (two clicks)
        ([services.referral_mark_not_seen], None),
    ],
)
def test_transitions_outside_the_graph_are_refused_in_french(world, steps, refused):
    referral = refer(world)
    if refused is None:
        with pytest.raises(ValidationError, match="orientation acceptée"):
            services.referral_mark_not_seen(referral=referral, via_link=True)
        return
    for step in steps:
        step(referral=referral, via_link=True)
    with pytest.raises(ValidationError, match="Cette orientation|orientation acceptée"):
        refused(referral=referral, via_link=True)


def test_decline_needs_a_listed_reason_and_a_text_for_other(world):
    referral = refer(world)
    with pytest.raises(ValidationError):
        services.referral_decline(referral=referral, reason="nimporte", via_link=True)
    with pytest.raises(ValidationError, match="Précisez"):
        services.referral_decline(referral=referral, reason=DeclineReason.OTHER, text=" ", via_link=True)
    referral = services.referral_decline(
        referral=referral, reason=DeclineReason.FULL, text="Rappeler en mai", by=world.partner
    )
    assert (referral.status, referral.decline_reason, referral.decline_text) == (
        Status.DECLINED,
        "complet",
        "Rappeler en mai",
    )
    with pytest.raises(ValidationError, match="ne peut plus être annulée"):
        services.referral_cancel(referral=referral, by=world.mediator)


def test_only_the_places_partner_answers_and_only_the_referrer_cancels(world):
    referral = refer(world)
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=world.other_partner)
    with pytest.raises(PermissionDenied):
        services.referral_accept(referral=referral, by=world.mediator)
    with pytest.raises(PermissionDenied):
        services.referral_cancel(referral=referral, by=world.partner)
    with pytest.raises(PermissionDenied):
        services.referral_cancel(referral=referral, by=world.stranger)
    old_nonce = referral.link_nonce
    referral = services.referral_cancel(referral=referral, by=world.mediator)
    assert referral.status == Status.CANCELLED and referral.link_nonce != old_nonce


def test_the_decision_tells_the_referring_mediator(world, django_capture_on_commit_callbacks):
    referral = refer(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decline(referral=referral, reason=DeclineReason.OUT_OF_AREA, via_link=True)
    [message] = mail.outbox
    assert message.bcc == [world.mediator.email]
    assert "refusée" in message.body.lower() and "hors de notre territoire" in message.body
    assert "Odette" not in message.body and "Vasseur" not in message.body


def test_lifecycle_reminder_then_expiry_idempotent(world, django_capture_on_commit_callbacks):
    with time_machine.travel(START, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            referral = refer(world)
        token = links.make_token(referral)
    mail.outbox.clear()

    with time_machine.travel(START + datetime.timedelta(days=6, hours=23), tick=False):
        assert services.referrals_remind_and_expire() == {"reminded": 0, "expired": 0}
    with (
        time_machine.travel(START + datetime.timedelta(days=7), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.referrals_remind_and_expire() == {"reminded": 1, "expired": 0}
        assert services.referrals_remind_and_expire() == {"reminded": 0, "expired": 0}
    [reminder] = mail.outbox
    assert reminder.subject.startswith("Relance") and reminder.bcc == ["accueil@lieu.test"]
    referral.refresh_from_db()
    assert referral.reminded_at == START + datetime.timedelta(days=7) and referral.status == Status.SENT
    assert ReferralEvent.objects.filter(referral=referral, reminder=True).count() == 1
    mail.outbox.clear()

    with time_machine.travel(START + datetime.timedelta(days=20), tick=False):
        assert services.referrals_remind_and_expire() == {"reminded": 0, "expired": 0}
        assert links.referral_for_token(token) == referral  # the link still works
    with time_machine.travel(START + datetime.timedelta(days=21, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("referrals_daily")
            assert services.referrals_remind_and_expire() == {"reminded": 0, "expired": 0}
        assert links.referral_for_token(token) is None
    referral.refresh_from_db()
    assert referral.status == Status.EXPIRED and referral.closed_at
    assert [e.status for e in referral.events.all()] == [Status.SENT, Status.SENT, Status.EXPIRED]
    [told] = mail.outbox
    assert told.bcc == [world.mediator.email] and "expirée" in told.body.lower()


def test_an_answered_referral_is_neither_reminded_nor_expired(world):
    with time_machine.travel(START, tick=False):
        referral = refer(world)
        services.referral_accept(referral=referral, via_link=True)
    with time_machine.travel(START + datetime.timedelta(days=60), tick=False):
        assert services.referrals_remind_and_expire() == {"reminded": 0, "expired": 0}
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.reminded_at is None


def test_reminder_delays_come_from_the_settings(world, settings):
    settings.TREMPLIN_REFERRAL_REMIND_AFTER_DAYS = 2
    settings.TREMPLIN_REFERRAL_EXPIRE_AFTER_DAYS = 3
    with time_machine.travel(START, tick=False):
        referral = refer(world)
    with time_machine.travel(START + datetime.timedelta(days=2), tick=False):
        assert services.referrals_remind_and_expire()["reminded"] == 1
    with time_machine.travel(START + datetime.timedelta(days=5), tick=False):
        assert services.referrals_remind_and_expire()["expired"] == 1
    referral.refresh_from_db()
    assert referral.status == Status.EXPIRED


def test_a_place_that_cannot_be_told_is_refused(world):
    from tests.referrals.factories import PlaceFactory

    mute = PlaceFactory(emails=[], organisation=None, name="Sans contact")
    with pytest.raises(ValidationError, match="ne peut pas être prévenu"):
        refer(world, place=mute)
    account_only = PlaceFactory(emails=[], organisation=world.association)
    assert refer(world, place=account_only).status == Status.SENT
