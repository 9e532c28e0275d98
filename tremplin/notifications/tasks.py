from django_tasks import task

from .services import notification_send, reminders_send


@task()
def notification_send_task(notification_id: int) -> None:
    """Send one SMS or e-mail; a failure re-queues this task later (see services.notification_send)."""
    notification_send(notification_id=notification_id)


@task()
def reminders_send_task(from_hours: float = 47, to_hours: float = 49) -> int:
    """The 48-hour reminders, like `manage.py send_reminders` (idempotent, safe to run often)."""
    return reminders_send(from_hours=from_hours, to_hours=to_hours)
