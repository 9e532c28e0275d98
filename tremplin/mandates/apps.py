from django.apps import AppConfig


class MandatesConfig(AppConfig):
    name = "tremplin.mandates"
    verbose_name = "Mandats"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # An account back after six months unused loses its habilitation at sign-in, before Django's
        # update_last_login erases the trace of the absence (the daily run may not have passed yet).
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from .habilitation import habilitation_lapse_if_inactive

        def lapse_then_update_last_login(sender, user, **kwargs):
            habilitation_lapse_if_inactive(user=user)
            update_last_login(sender, user, **kwargs)

        if user_logged_in.disconnect(dispatch_uid="update_last_login"):
            user_logged_in.connect(lapse_then_update_last_login, dispatch_uid="tremplin-habilitation-lapse", weak=False)
