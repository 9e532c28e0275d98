"""python manage.py statistics_refresh — fold the queued changes into the statistics aggregates and compact them
(what the worker task reporting.tasks.statistics_refresh does; for a cron line if no worker runs)."""

from django.core.management.base import BaseCommand

from tremplin.reporting import aggregates


class Command(BaseCommand):
    help = "Intègre aux agrégats des statistiques les changements en attente (PostgreSQL)."

    def handle(self, *args, **options):
        if not aggregates.enabled():
            self.stdout.write("SQLite : les statistiques sont comptées directement, rien à intégrer.")
            return
        done = aggregates.refresh()
        self.stdout.write(
            f"{done['activities']} changements d'activités et {done['people']} personnes intégrés, "
            f"{done['compacted']} groupes de lignes compactés."
        )
