from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tremplin.accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        from . import tokens  # noqa: F401  (connects the reset of the checked API keys to user and key changes)
