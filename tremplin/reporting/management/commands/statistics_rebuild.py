"""python manage.py statistics_rebuild — compute the statistics aggregates from the records (PostgreSQL), once when
installing them on existing data or after a bulk load; afterwards they are kept up to date incrementally."""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from tremplin.reporting import aggregates


class Command(BaseCommand):
    help = "Recalcule les agrégats des statistiques à partir des activités (PostgreSQL)."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite : les statistiques sont comptées directement, rien à recalculer.")
            return
        started = time.perf_counter()
        aggregates.rebuild(lambda label: self.stdout.write(f"… {label}"))
        self.stdout.write(f"Agrégats recalculés en {time.perf_counter() - started:.1f} s.")
