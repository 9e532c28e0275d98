"""The send task on the real database queue, run by the real worker (`db_worker`): a failed SMS is queued
again with a delay (run_after), tried again when that time comes, and its outcome recorded."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.notifications.factories import RegistrationFactory
from tremplin.notifications import services
from tremplin.notifications.enums import NotificationKind, NotificationStatus

NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def run_worker():
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0)


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_failed_sms_is_retried_later_by_the_worker(settings, database_queue, sms_provider):
    settings.TREMPLIN_NOTIFY_RETRY_SECONDS = 60
    sms_provider.statuses = [503, 500]
    with time_machine.travel(NOW, tick=False):
        with transaction.atomic():  # the caller's transaction (a workshops service)
            notification = services.registration_notify(
                registration=RegistrationFactory(), kind=NotificationKind.CONFIRMATION
            )
            assert DBTaskResult.objects.count() == 0  # queued only on commit
        assert DBTaskResult.objects.ready().count() == 1
        run_worker()
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.QUEUED, 1)
    assert notification.next_attempt_at == NOW + datetime.timedelta(seconds=60)
    assert "503" in notification.last_error
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after == NOW + datetime.timedelta(seconds=60)

    with time_machine.travel(NOW + datetime.timedelta(seconds=30), tick=False):
        run_worker()  # too early: nothing runs
    assert len(sms_provider.requests) == 1

    with time_machine.travel(NOW + datetime.timedelta(seconds=61), tick=False):
        run_worker()  # second failure: the delay grows (×5)
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert notification.next_attempt_at == NOW + datetime.timedelta(seconds=61 + 300)

    with time_machine.travel(NOW + datetime.timedelta(seconds=400), tick=False):
        run_worker()
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 3)
    assert notification.provider_message_id == "sms-3" and len(sms_provider.requests) == 3
    assert not DBTaskResult.objects.filter(status="READY").exists()


@pytest.mark.django_db(transaction=True)
def test_worker_marks_failed_after_max_attempts(settings, database_queue, sms_provider):
    settings.TREMPLIN_NOTIFY_MAX_ATTEMPTS = 3
    sms_provider.statuses = [500, 500, 500, 500]
    with time_machine.travel(NOW, tick=False) as traveller:
        notification = services.registration_notify(
            registration=RegistrationFactory(), kind=NotificationKind.CONFIRMATION
        )
        for _ in range(4):
            run_worker()
            traveller.shift(datetime.timedelta(hours=1))
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.FAILED, 3)
    assert len(sms_provider.requests) == 3


@pytest.mark.django_db
def test_a_second_task_for_a_sent_message_does_nothing(sms_provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.registration_notify(
            registration=RegistrationFactory(), kind=NotificationKind.CONFIRMATION
        )
    services.notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, len(sms_provider.requests)) == ("sent", 1, 1)


@pytest.mark.django_db
def test_manual_retry_starts_a_fresh_series(settings, sms_provider, django_capture_on_commit_callbacks):
    from tests.factories import UserFactory

    settings.TREMPLIN_NOTIFY_MAX_ATTEMPTS = 2
    sms_provider.statuses = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.registration_notify(
            registration=RegistrationFactory(), kind=NotificationKind.CONFIRMATION
        )
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    mediator = UserFactory(mediator=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(notification=notification, user=mediator)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.handled_by) == ("sent", 1, mediator)
    assert not services.notification_retry(notification=notification, user=mediator)  # no longer failed
