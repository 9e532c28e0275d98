"""Which channel each person gets, what the message says, and what is queued when."""

import datetime
import zoneinfo

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.notifications.factories import RegistrationFactory, SessionFactory
from tremplin.beneficiaries.models import Beneficiary
from tremplin.frenchdates import french_date
from tremplin.notifications import backends, services
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification

MOBILE, LANDLINE, EMAIL, ADDRESS = "0612345678", "0296000000", "josiane@exemple.fr", "3 rue des Lilas\n22300 Lannion"


@pytest.mark.parametrize(
    ("preferred", "contacts", "kind", "expected_channel", "expected_status", "expected_reason"),
    [
        ("sms", {"mobile_phone": MOBILE, "email": EMAIL}, "confirmation", "sms", "queued", ""),
        ("sms", {"email": EMAIL}, "confirmation", "email", "queued", ""),  # SMS without a mobile
        ("email", {"email": EMAIL, "mobile_phone": MOBILE}, "confirmation", "email", "queued", ""),
        ("email", {"mobile_phone": MOBILE}, "confirmation", "sms", "queued", ""),  # e-mail without an address
        ("appel", {"landline_phone": LANDLINE, "email": EMAIL}, "confirmation", "appel", "to_call", "Préfère"),
        ("appel", {"email": EMAIL}, "confirmation", "email", "queued", ""),  # a call without a number
        ("courrier", {"postal_address": ADDRESS, "mobile_phone": MOBILE}, "confirmation", "courrier", "to_print", ""),
        ("courrier", {"mobile_phone": MOBILE}, "confirmation", "sms", "queued", ""),  # a letter without an address
        ("", {"mobile_phone": MOBILE, "email": EMAIL}, "confirmation", "sms", "queued", ""),
        ("", {"email": EMAIL, "postal_address": ADDRESS}, "confirmation", "email", "queued", ""),
        ("", {"postal_address": ADDRESS, "landline_phone": LANDLINE}, "confirmation", "courrier", "to_print", ""),
        ("", {"landline_phone": LANDLINE}, "confirmation", "appel", "to_call", "seulement un téléphone fixe"),
        ("", {}, "confirmation", "appel", "to_call", "Aucune coordonnée"),
        # A reminder by post would arrive too late: a call when there is a number, otherwise still a letter.
        (
            "courrier",
            {"postal_address": ADDRESS, "landline_phone": LANDLINE},
            "reminder",
            "appel",
            "to_call",
            "trop tard",
        ),
        ("courrier", {"postal_address": ADDRESS}, "reminder", "courrier", "to_print", ""),
        ("sms", {"mobile_phone": MOBILE}, "reminder", "sms", "queued", ""),
    ],
)
def test_channel_follows_preference_and_available_contacts(
    preferred, contacts, kind, expected_channel, expected_status, expected_reason
):
    person = Beneficiary(first_name="Josiane", last_name="Lebrun", preferred_channel=preferred, **contacts)
    choice = services.choose_channel(person, kind=kind)
    assert (choice.channel, choice.status) == (expected_channel, expected_status)
    assert expected_reason in choice.reason
    if expected_channel == "sms":
        assert choice.recipient == MOBILE
    elif expected_channel == "email":
        assert choice.recipient == EMAIL


@pytest.mark.parametrize(("kind", "expected"), [("confirmation", "appel"), ("waitlist", "appel"), ("reminder", "sms")])
def test_callback_requested_puts_the_confirmation_on_the_call_list(kind, expected):
    person = Beneficiary(first_name="Josiane", last_name="Lebrun", preferred_channel="sms", mobile_phone=MOBILE)
    choice = services.choose_channel(person, kind=kind, callback_requested=True)
    assert choice.channel == expected
    if expected == "appel":
        assert choice.reason == services.REASON_CALLBACK


@pytest.mark.django_db
def test_sms_is_recorded_then_sent_after_commit(django_capture_on_commit_callbacks):
    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
    # Nothing leaves before the caller's transaction commits.
    assert notification.status == NotificationStatus.QUEUED and backends.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1
    assert notification.sent_at is not None and notification.provider_message_id == "locmem-1"
    [sms] = backends.outbox
    assert sms.to == "+33612345678" and sms.body == notification.body
    assert str(registration.token) in sms.body and "Josiane" in sms.body


@pytest.mark.django_db
def test_rolled_back_caller_sends_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    registration = RegistrationFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
        transaction.set_rollback(True)
    assert Notification.objects.count() == 0
    assert callbacks == [] and backends.outbox == []


@pytest.mark.django_db
def test_call_and_letter_wait_for_the_team(django_capture_on_commit_callbacks):
    caller = RegistrationFactory(beneficiary=BeneficiaryFactory(preferred_channel="appel", landline_phone=LANDLINE))
    writer = RegistrationFactory(beneficiary=BeneficiaryFactory(preferred_channel="courrier", postal_address=ADDRESS))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call = services.registration_notify(registration=caller, kind=NotificationKind.CONFIRMATION)
        letter = services.registration_notify(registration=writer, kind=NotificationKind.CONFIRMATION)
    assert callbacks == [] and backends.outbox == []
    assert (call.status, call.recipient) == (NotificationStatus.TO_CALL, LANDLINE)
    assert "Josiane" in call.body  # what to say on the phone
    assert letter.status == NotificationStatus.TO_PRINT and letter.body.startswith("<!DOCTYPE html>")


@pytest.mark.django_db
def test_anonymised_person_gets_nothing():
    registration = RegistrationFactory()
    Beneficiary.objects.filter(pk=registration.beneficiary_id).update(anonymised_at="2026-01-01T00:00:00Z")
    registration.refresh_from_db()
    assert services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION) is None
    assert Notification.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("kind", NotificationKind.values)
@pytest.mark.parametrize("session_cancelled", [False, True])
def test_sms_fits_in_two_messages_even_with_long_names(kind, session_cancelled):
    session = SessionFactory(
        programme__title="Faire ses démarches administratives en ligne : impôts, CAF, Ameli, France Travail et ANTS",
        site__name="BUREAU DE POSTE DE SAINT-QUAY-PORTRIEUX CENTRE ÉTAPE NUMÉRIQUE",
        site__city="Saint-Quay-Portrieux",
        status="cancelled" if session_cancelled else "planned",
    )
    registration = RegistrationFactory(session=session, beneficiary__first_name="Marie-Bernadette-Françoise")
    subject, body = services.render_message(registration, kind, "sms")
    assert len(body) <= services.SMS_MAX_LENGTH
    assert "Marie-" in body and body.endswith("Tél. 01 23 45 67 89")
    assert (str(registration.token) in body) is (kind != NotificationKind.CANCELLATION)
    assert "&#x27;" not in body and "&quot;" not in body  # plain text, not HTML-escaped


@pytest.mark.django_db
def test_link_is_absolute_on_the_public_address(settings, monkeypatch):
    settings.TREMPLIN_PUBLIC_URL = "https://tremplin.example.fr/"
    registration = RegistrationFactory()
    assert services.registration_link(registration).startswith("https://tremplin.example.fr/ateliers/")
    assert services.registration_link(registration) == (
        f"https://tremplin.example.fr/ateliers/inscription/{registration.token}/"
    )


@pytest.mark.django_db
def test_remote_session_and_cancellation_wording():
    registration = RegistrationFactory(session=SessionFactory(remote=True, status="cancelled"))
    subject, body = services.render_message(registration, NotificationKind.CANCELLATION, "email")
    assert subject.startswith("Atelier annulé")
    assert "à distance" in body and "désolés" in body
    assert str(registration.token) not in body


@pytest.mark.django_db
def test_deleting_a_person_wipes_their_messages_and_stops_pending_ones(django_capture_on_commit_callbacks):
    from tremplin.beneficiaries.services import beneficiary_anonymise

    registration = RegistrationFactory(callback_requested=True)
    with django_capture_on_commit_callbacks(execute=False):
        pending = services.registration_notify(registration=registration, kind=NotificationKind.PROMOTION)
        to_call = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
    assert pending.status == NotificationStatus.QUEUED and pending.recipient and not pending.body  # written at send
    assert to_call.status == NotificationStatus.TO_CALL and registration.beneficiary.first_name in to_call.body

    beneficiary_anonymise(beneficiary=registration.beneficiary, by=None)
    for message in (pending, to_call):
        message.refresh_from_db()
        assert (message.recipient, message.subject, message.body) == ("", "", "")
        assert message.status == NotificationStatus.FAILED and "suppression de ses données" in message.last_error
    assert services.notification_send(notification_id=pending.pk).body == ""  # never written, never sent


@pytest.mark.django_db
def test_a_person_who_refuses_contact_gets_no_message_until_they_accept_again():
    from tremplin.beneficiaries.enums import ConsentKind
    from tremplin.beneficiaries.services import beneficiary_merge, consent_record

    registration = RegistrationFactory()
    person = registration.beneficiary
    consent_record(beneficiary=person, kind=ConsentKind.CONTACT, given=False, by=None)
    assert Beneficiary.objects.get(pk=person.pk).contact_refused
    for kind in (NotificationKind.CONFIRMATION, NotificationKind.REMINDER, NotificationKind.CANCELLATION):
        assert services.registration_notify(registration=registration, kind=kind) is None
    assert not Notification.objects.exists()
    assert registration not in services.reminders_due(from_hours=-1000, to_hours=1000)

    consent_record(beneficiary=person, kind=ConsentKind.CONTACT, given=True, by=None)
    assert not Beneficiary.objects.get(pk=person.pk).contact_refused
    assert services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION) is not None

    # A merge keeps the latest answer of the two records.
    duplicate = BeneficiaryFactory(organisation=person.organisation)
    consent_record(beneficiary=duplicate, kind=ConsentKind.CONTACT, given=False, by=None)
    assert beneficiary_merge(kept=person, duplicate=duplicate, by=None).contact_refused


# --- issue 10: plain text only ------------------------------------------------------------------------------

CONTROL_CHARACTERS = [chr(c) for c in [*range(0, 10), *range(11, 32), *range(127, 160)]] + ["\u202e", "\u2066"]


@pytest.mark.django_db
@pytest.mark.parametrize("channel", ["sms", "email"])
def test_messages_are_plain_text_without_markup_or_control_characters(channel):
    session = SessionFactory(
        programme__title="<b>Créer</b> son e-mail\x07\r\nBcc: pirate@exemple.fr",
        programme__equipment="<img src=x onerror=alert(1)>votre téléphone\x1b[31m",
        site__name="Bureau <i>principal</i>\u202e",
    )
    registration = RegistrationFactory(
        session=session,
        beneficiary__first_name="<script>alert(1)</script>Josiane\x01\x85",  # no NUL: PostgreSQL refuses it
    )
    subject, body = services.render_message(registration, NotificationKind.CONFIRMATION, channel)
    for text in (subject, body):
        assert "<" not in text and ">" not in text and "&lt;" not in text and "&gt;" not in text
        assert "onerror" not in text and "alert(1)</" not in text
        assert not [c for c in CONTROL_CHARACTERS if c in text], text
    assert "\n" not in subject and "\r" not in subject
    assert "alert(1)Josiane" in body and "Créer son e-mail" in body
    if channel == "email":
        assert "votre téléphone" in body and "Bureau principal" in body
        assert body.count("\n") > 5  # the e-mail keeps its lines


@pytest.mark.django_db
def test_dates_written_to_people_say_1er():
    starts = datetime.datetime(2030, 10, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    registration = RegistrationFactory(
        session=SessionFactory(starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    )
    subject, sms = services.render_message(registration, NotificationKind.CONFIRMATION, "sms")
    _, email = services.render_message(registration, NotificationKind.CONFIRMATION, "email")
    assert "le 1er octobre à 10h00" in subject
    assert "mardi 1er octobre à 10h00" in sms
    assert "Quand : mardi 1er octobre 2030 de 10h00 à 12h00" in email
    for text in (subject, sms, email):
        assert " 1 octobre" not in text


def test_french_date_writes_1er_only_for_the_first_and_keeps_escapes():
    assert french_date(datetime.date(2026, 12, 1), "l j F Y") == "mardi 1er décembre 2026"
    assert french_date(datetime.date(2026, 12, 2), "l j F Y") == "mercredi 2 décembre 2026"
    assert french_date(datetime.date(2026, 12, 11), "j F") == "11 décembre"
    moment = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)  # 1 December in Paris
    assert french_date(moment, r"j F \à H\hi") == "1er décembre à 00h30"
    assert french_date(None) == ""
