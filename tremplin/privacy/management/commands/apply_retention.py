from django.core.management.base import BaseCommand

from tremplin.privacy import retention


class Command(BaseCommand):
    help = (
        "Applique les durées de conservation du registre (docs/RGPD.md) : anonymise les personnes sans activité "
        "depuis la période fixée, supprime les clés, liens, journaux et traces arrivés à échéance."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Compter seulement ce qui serait fait, sans rien modifier."
        )
        parser.add_argument(
            "--daily",
            action="store_true",
            help="Passage quotidien (boucle du worker) : ne rien faire si celui du jour a déjà eu lieu.",
        )

    def handle(self, *args, dry_run=False, daily=False, **options):
        try:
            run = retention.retention_apply(dry_run=dry_run, daily=daily)
        except retention.AlreadyRanToday as done:
            self.stdout.write(f"{done} Rien à faire.")
            return
        if dry_run:
            self.stdout.write("Simulation, rien n'a été modifié. Seraient traités : " + retention.summary(run.counts))
        else:
            self.stdout.write(retention.summary(run.counts))
