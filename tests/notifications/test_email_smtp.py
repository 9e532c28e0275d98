"""E-mail through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd)."""

import pytest

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.notifications.conftest import free_port
from tests.notifications.factories import RegistrationFactory
from tremplin.notifications import services
from tremplin.notifications.enums import NotificationKind, NotificationStatus

pytestmark = pytest.mark.django_db


def by_email(**kwargs):
    person = BeneficiaryFactory(
        first_name="Josiane", last_name="Lebrun", email="josiane@exemple.fr", preferred_channel="email", **kwargs
    )
    return RegistrationFactory(beneficiary=person)


def test_confirmation_email_reaches_the_smtp_server(smtp_server, django_capture_on_commit_callbacks):
    registration = by_email()
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT

    [received] = smtp_server.messages
    message = received["message"]
    assert received["to"] == ["josiane@exemple.fr"]
    assert message["To"] == "josiane@exemple.fr"
    assert message["From"] == "Tremplin <ne-pas-repondre@tremplin.example>"
    assert message["Subject"].strip().startswith("Inscription confirmée — atelier « Créer son adresse e-mail »")
    assert message["Message-ID"].strip() == notification.provider_message_id
    body = message.get_content()
    assert body.startswith("Bonjour Josiane,")
    assert "Vous êtes inscrit(e) à l'atelier numérique « Créer son adresse e-mail »." in body
    assert "Où : BUREAU" in body and "2 rue de la Poste, 22300 Lannion" in body
    assert (
        "À apporter : votre téléphone portable et une pièce d'identité (sur place, nous prêtons : tablettes)." in body
    )
    assert f"http://127.0.0.1:8000/ateliers/inscription/{registration.token}/" in body
    assert "Appelez le 01 23 45 67 89" in body


def test_reminder_email_subject(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_notify(registration=by_email(), kind=NotificationKind.REMINDER)
    [received] = smtp_server.messages
    assert received["message"]["Subject"].strip().startswith("Rappel : votre atelier dans 2 jours")


def test_smtp_server_down_is_retried_then_failed(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.TREMPLIN_NOTIFY_MAX_ATTEMPTS = 3
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.registration_notify(registration=by_email(), kind=NotificationKind.CONFIRMATION)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 3
    assert "ConnectionRefusedError" in notification.last_error
