"""Reminders 48 h before: the command and the task pick confirmed registrations once, never twice."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.utils import timezone

from tests.notifications.factories import RegistrationFactory, SessionFactory
from tremplin.notifications import backends
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.notifications.tasks import reminders_send_task

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)


def run(*args) -> str:
    out = io.StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sessions():
    with time_machine.travel(NOW, tick=False):
        soon = SessionFactory(starts_at=NOW + datetime.timedelta(hours=48))
        later = SessionFactory(starts_at=NOW + datetime.timedelta(hours=60))
        cancelled = SessionFactory(starts_at=NOW + datetime.timedelta(hours=48), status="cancelled")
    return soon, later, cancelled


def test_send_reminders_is_idempotent(sessions, django_capture_on_commit_callbacks):
    soon, later, cancelled = sessions
    confirmed = RegistrationFactory(session=soon)
    RegistrationFactory(session=soon, status="waitlisted")
    RegistrationFactory(session=soon, status="cancelled")
    RegistrationFactory(session=cancelled)
    other = RegistrationFactory(session=later)

    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert run() == "1 rappel enregistré.\n"
        assert run() == "0 rappel enregistré.\n"
    with time_machine.travel(NOW + datetime.timedelta(minutes=50), tick=False):
        assert run() == "0 rappel enregistré.\n"  # still in the window: not sent again
    reminder = Notification.objects.get()
    assert (reminder.registration, reminder.kind, reminder.status) == (confirmed, "reminder", NotificationStatus.SENT)
    assert len(backends.outbox) == 1 and "rappel" in backends.outbox[0].body

    # Twelve hours later, the other session enters the window.
    with time_machine.travel(NOW + datetime.timedelta(hours=12), tick=False):
        assert run() == "1 rappel enregistré.\n"
    assert Notification.objects.filter(registration=other, kind=NotificationKind.REMINDER).count() == 1


def test_window_option_catches_up_missed_reminders(sessions):
    soon, later, _ = sessions
    RegistrationFactory(session=soon)
    RegistrationFactory(session=later)
    with time_machine.travel(NOW, tick=False):
        assert run("--from-hours", "0", "--to-hours", "72") == "2 rappels enregistrés.\n"
        assert run("--from-hours", "0", "--to-hours", "72") == "0 rappel enregistré.\n"
    with pytest.raises(CommandError):
        run("--from-hours", "10", "--to-hours", "5")


def test_reminder_task_does_the_same(sessions):
    soon, _, _ = sessions
    RegistrationFactory(session=soon)
    with time_machine.travel(NOW, tick=False):
        assert reminders_send_task.enqueue().return_value == 1
        assert reminders_send_task.enqueue().return_value == 0
    assert Notification.objects.filter(kind=NotificationKind.REMINDER).count() == 1


def test_database_refuses_a_second_reminder():
    registration = RegistrationFactory()
    fields = {"registration": registration, "beneficiary": registration.beneficiary, "channel": "sms"}
    Notification.objects.create(kind=NotificationKind.REMINDER, status=NotificationStatus.SENT, **fields)
    Notification.objects.create(kind=NotificationKind.CONFIRMATION, status=NotificationStatus.SENT, **fields)
    Notification.objects.create(kind=NotificationKind.CHANGE, status=NotificationStatus.SENT, **fields)
    Notification.objects.create(kind=NotificationKind.CHANGE, status=NotificationStatus.SENT, **fields)
    with pytest.raises(IntegrityError):
        Notification.objects.create(kind=NotificationKind.REMINDER, status=NotificationStatus.QUEUED, **fields)


def test_reminders_skip_sessions_already_started():
    RegistrationFactory(session=SessionFactory(starts_at=timezone.now() - datetime.timedelta(hours=1)))
    assert run("--from-hours", "0", "--to-hours", "49") == "0 rappel enregistré.\n"
