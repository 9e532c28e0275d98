from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "tremplin.notifications"
    verbose_name = "Messages aux personnes"
