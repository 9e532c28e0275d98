"""SMS through the production HTTP backend, against a real fake provider listening on loopback."""

import pytest

from tests.notifications.factories import RegistrationFactory
from tremplin.notifications import services
from tremplin.notifications.backends import HttpSmsBackend, SmsDeliveryError, SmsMessage
from tremplin.notifications.enums import NotificationKind, NotificationStatus

pytestmark = pytest.mark.django_db


def notify(registration, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.registration_notify(registration=registration, kind=NotificationKind.CONFIRMATION)
    notification.refresh_from_db()
    return notification


def test_sms_is_posted_as_json_with_the_token(sms_provider, django_capture_on_commit_callbacks):
    registration = RegistrationFactory()
    notification = notify(registration, django_capture_on_commit_callbacks)
    assert notification.status == NotificationStatus.SENT
    assert notification.provider_message_id == "sms-1"
    [request] = sms_provider.requests
    assert request["path"] == "/sms"
    assert request["headers"]["Authorization"] == "Bearer jeton-de-test"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"]["to"] == "+33612345678"
    assert request["json"]["sender"] == "Tremplin"
    assert request["json"]["reference"] == f"notification-{notification.pk}"
    assert request["json"]["text"] == notification.body
    assert str(registration.token) in request["json"]["text"]


def test_failure_then_retry_then_success(sms_provider, django_capture_on_commit_callbacks):
    """The provider answers 503 first; the task tries again (at once with the test's immediate backend)."""
    sms_provider.statuses = [503]
    notification = notify(RegistrationFactory(), django_capture_on_commit_callbacks)
    assert len(sms_provider.requests) == 2
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 2
    assert "503" in notification.last_error  # the failed attempt stays in the journal
    assert notification.provider_message_id == "sms-2"


def test_provider_down_ends_failed_after_max_attempts(settings, sms_provider, django_capture_on_commit_callbacks):
    settings.TREMPLIN_NOTIFY_MAX_ATTEMPTS = 3
    sms_provider.statuses = [500, 502, 401, 200]
    notification = notify(RegistrationFactory(), django_capture_on_commit_callbacks)
    assert len(sms_provider.requests) == 3
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 3 and notification.sent_at is None
    assert "401" in notification.last_error


def test_backend_reports_non_2xx_timeouts_and_refused_connections(settings, sms_provider):
    message = SmsMessage(to="+33612345678", body="Bonjour", reference="essai")
    backend = HttpSmsBackend()
    assert backend.send(message) == "sms-1"
    sms_provider.statuses = [400]
    with pytest.raises(SmsDeliveryError, match="400"):
        backend.send(message)
    sms_provider.delay = 1.0
    with pytest.raises(SmsDeliveryError, match="injoignable"):
        HttpSmsBackend(timeout=0.2).send(message)
    sms_provider.delay = 0
    with pytest.raises(SmsDeliveryError, match="injoignable"):
        HttpSmsBackend(url="http://127.0.0.1:9/sms").send(message)
    settings.TREMPLIN_SMS_URL = ""
    with pytest.raises(SmsDeliveryError, match="TREMPLIN_SMS_URL"):
        HttpSmsBackend().send(message)


def test_file_backend_writes_one_file_per_sms(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.TREMPLIN_SMS_BACKEND = "tremplin.notifications.backends.FileSmsBackend"
    settings.TREMPLIN_SMS_FILE_PATH = tmp_path
    notification = notify(RegistrationFactory(), django_capture_on_commit_callbacks)
    [written] = tmp_path.iterdir()
    assert notification.status == NotificationStatus.SENT
    assert written.read_text(encoding="utf-8") == f"À : +33612345678\n\n{notification.body}\n"
