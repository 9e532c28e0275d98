from django.core.management.base import BaseCommand

from tremplin.referrals.services import referrals_remind_and_expire


class Command(BaseCommand):
    help = "Relance les orientations sans réponse et fait expirer celles restées sans réponse après la relance."

    def handle(self, *args, **options):
        counts = referrals_remind_and_expire()
        self.stdout.write(f"{counts['reminded']} orientation(s) relancée(s), {counts['expired']} expirée(s).")
