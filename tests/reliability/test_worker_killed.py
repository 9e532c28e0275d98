"""A task worker killed (SIGKILL) in the middle of a task (issue 15, section 4), with real parts: `manage.py
task_worker` processes on the test database, e-mails through Django's SMTP backend to a real SMTP server (aiosmtpd)
that can be made to hang at a chosen step.

- killed before the message was accepted (the server hangs at RCPT): the task is run again by another worker and
  the message delivered once;
- killed after the message was accepted, while the server hangs at the end of the conversation (QUIT): the task
  is run again, and the message is not delivered a second time;
- every task ends successful and every message is marked sent.
"""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.notifications.factories import RegistrationFactory
from tests.reliability.stack import ROOT, free_port
from tremplin.notifications import services
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.notifications.tasks import notification_send_task

SEND_TASKS = DBTaskResult.objects.filter(task_path=notification_send_task.module_path)
HOLD_SECONDS = 60  # longer than the test: a held conversation ends only with the worker's death


class HangingSmtp:
    """An SMTP server's handler that records the messages accepted, and hangs once at RCPT for the recipients in
    `hang_at_rcpt`, or at QUIT after accepting a message for one in `hang_at_quit`."""

    def __init__(self):
        self.delivered: list[tuple[str, str]] = []  # (recipient, Message-ID)
        self.hang_at_rcpt: set[str] = set()
        self.hang_at_quit: set[str] = set()
        self.hanging: list[tuple[str, str]] = []  # (step, recipient)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        if address in self.hang_at_rcpt:
            self.hang_at_rcpt.discard(address)
            self.hanging.append(("RCPT", address))
            await asyncio.sleep(HOLD_SECONDS)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        for recipient in envelope.rcpt_tos:
            self.delivered.append((recipient, message["Message-ID"].strip()))
        session.tremplin_delivered = list(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        for recipient in getattr(session, "tremplin_delivered", []):
            if recipient in self.hang_at_quit:
                self.hang_at_quit.discard(recipient)
                self.hanging.append(("QUIT", recipient))
                await asyncio.sleep(HOLD_SECONDS)
        return "221 Bye"


def database_url() -> str:
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    return f"postgres://{credentials}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def start_worker(smtp_port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.reliability.worker_settings",
        DATABASE_URL=database_url(),
        EMAIL_PORT=str(smtp_port),
        PYTHONPATH=str(ROOT),
    )
    command = [sys.executable, "manage.py", "task_worker", "--no-reload", "--no-startup-delay"]
    command += ["--interval", "0.1", "--recovery-interval", "0.5", "-v", "2"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} : pas arrivé en {timeout} s\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_task_is_run_again_without_sending_twice(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    started = time.monotonic()
    smtp = HangingSmtp()
    smtp_port = free_port()
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    log = tmp_path / "workers.log"
    workers: list[subprocess.Popen] = []
    addresses = [f"personne{i}@exemple.fr" for i in range(4)]
    before_accepted, after_accepted = addresses[0], addresses[1]
    smtp.hang_at_rcpt.add(before_accepted)
    smtp.hang_at_quit.add(after_accepted)
    try:
        notifications = []
        for address in addresses:  # one message each, queued in this order when each transaction commits
            person = BeneficiaryFactory(email=address, preferred_channel="email", mobile_phone="")
            with transaction.atomic():
                notifications.append(
                    services.registration_notify(
                        registration=RegistrationFactory(beneficiary=person), kind=NotificationKind.CONFIRMATION
                    )
                )
        assert SEND_TASKS.ready().count() == len(addresses)

        # Killed before the server accepted the message.
        workers.append(start_worker(smtp_port, log))
        wait_for(lambda: ("RCPT", before_accepted) in smtp.hanging, 30, "envoi suspendu à RCPT", log)
        workers[-1].send_signal(signal.SIGKILL)
        workers[-1].wait()
        assert SEND_TASKS.running().count() == 1  # left RUNNING by the dead worker
        assert smtp.delivered == []

        # Killed after the server accepted the message, while it takes its time to say goodbye.
        workers.append(start_worker(smtp_port, log))
        wait_for(lambda: ("QUIT", after_accepted) in smtp.hanging, 30, "fin de conversation suspendue (QUIT)", log)
        workers[-1].send_signal(signal.SIGKILL)
        workers[-1].wait()
        assert [to for to, _ in smtp.delivered].count(after_accepted) == 1

        # A third worker finishes the work: what the dead ones left is run again.
        workers.append(start_worker(smtp_port, log))
        wait_for(lambda: SEND_TASKS.successful().count() == len(addresses), 30, "toutes les tâches finies", log)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
        controller.stop()
        if connection.vendor == "sqlite":
            shutil.rmtree(f"{connection.settings_dict['NAME']}.workers", ignore_errors=True)

    # Each message delivered exactly once, and recorded as sent with the id the server received.
    assert sorted(to for to, _ in smtp.delivered) == sorted(addresses)
    received = dict(smtp.delivered)
    for notification in notifications:
        notification.refresh_from_db()
        assert notification.status == NotificationStatus.SENT
        assert notification.provider_message_id == received[notification.recipient]
    # The two tasks the killed workers were running were run again, by another worker.
    runs = {
        Notification.objects.get(pk=task.args_kwargs["args"][0]).recipient: task.worker_ids for task in SEND_TASKS.all()
    }
    assert len(runs[before_accepted]) == 2 and len(runs[after_accepted]) == 2
    assert all(len(set(worker_ids)) == len(worker_ids) for worker_ids in runs.values())
    assert "remise en file" in log.read_text(errors="replace")
    print(f"\ntest entier {time.monotonic() - started:.0f} s")
