from django.core.management.base import BaseCommand, CommandError

from tremplin.notifications.services import REMINDER_HOURS, reminders_send


class Command(BaseCommand):
    help = (
        "Envoie les rappels des séances qui commencent dans 47 à 49 h (par défaut). Sans risque de doublon : "
        "jamais deux rappels pour la même inscription. À lancer souvent (toutes les 10 minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-hours", type=float, default=REMINDER_HOURS[0], help="début de la fenêtre, en heures (47)"
        )
        parser.add_argument("--to-hours", type=float, default=REMINDER_HOURS[1], help="fin de la fenêtre (49)")

    def handle(self, *, from_hours, to_hours, verbosity, **options):
        if from_hours < 0 or to_hours <= from_hours:
            raise CommandError("La fenêtre doit vérifier 0 ≤ --from-hours < --to-hours.")
        count = reminders_send(from_hours=from_hours, to_hours=to_hours)
        if verbosity:
            plural = "s" if count > 1 else ""
            self.stdout.write(f"{count} rappel{plural} enregistré{plural}.")
