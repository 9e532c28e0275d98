"""`manage.py mandates_daily`: the mandates' daily work (tremplin.mandates.daily); `make demo` runs it every
10 minutes beside the worker, production from a timer or the worker's task `mandates_daily_task`."""

from django.core.management.base import BaseCommand

from tremplin.mandates.daily import mandates_daily


class Command(BaseCommand):
    help = "Mandats : expirations, alertes de fin, habilitations inutilisées, vérification du journal."

    def handle(self, *args, **options):
        result = mandates_daily()
        self.stdout.write(
            f"Mandats expirés : {result.expired} ; alertes de fin envoyées : {result.warned} ; "
            f"habilitations suspendues (inactivité) : {result.lapsed}."
        )
        if result.verification is None:
            self.stdout.write("Journal des mandats : déjà vérifié aujourd'hui.")
        elif result.verification.intact:
            self.stdout.write(f"Journal des mandats intact : {result.verification.entries_checked} entrées vérifiées.")
        else:
            self.stderr.write(
                f"Journal des mandats rompu à l'entrée n° {result.verification.first_broken_id} : "
                f"{result.verification.reason}"
            )
            raise SystemExit(1)
