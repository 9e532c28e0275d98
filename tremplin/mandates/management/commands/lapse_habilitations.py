"""`manage.py lapse_habilitations`: suspend the habilitations of accounts unused for six months (daily).

Idempotent: a second run the same day suspends nothing more. Prints how many were suspended; each one is in
the mandate journal (HABILITATION_CHANGED, motif "inactivite", no actor).
"""

from django.core.management.base import BaseCommand

from tremplin.mandates.habilitation import habilitations_lapse_inactive


class Command(BaseCommand):
    help = "Suspend les habilitations des comptes inutilisés depuis six mois (à revérifier)."

    def handle(self, *args, **options):
        count = habilitations_lapse_inactive()
        if not count:
            self.stdout.write("Aucune habilitation à suspendre.")
            return
        plural = "s" if count > 1 else ""
        self.stdout.write(f"{count} habilitation{plural} suspendue{plural} (compte inutilisé depuis six mois).")
