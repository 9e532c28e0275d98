from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tremplin.accounts"
    verbose_name = "Comptes et rôles"

    def ready(self):
        # second_factor: every sign-in, whatever its path, owes a code or an enrolment (user_logged_in).
        # tokens: the memory of checked API keys is emptied when users and keys change.
        from . import second_factor, tokens  # noqa: F401
