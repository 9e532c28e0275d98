"""python manage.py backup [--output DIR] [--database ALIAS]: a timestamped backup of the whole database
(PostgreSQL: pg_dump, custom format; SQLite: the online backup API). Restore: `manage.py restore FILE`."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tremplin.ops.backups import BackupError, backup


def size_text(size: int) -> str:
    for unit, factor in (("Go", 1024**3), ("Mo", 1024**2), ("ko", 1024)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    return f"{size} octets"


class Command(BaseCommand):
    requires_system_checks = []  # a backup or a restore must work whatever the state of the code
    help = "Sauvegarde toute la base dans un fichier horodaté (pg_dump pour PostgreSQL, copie en ligne pour SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="dossier des sauvegardes (défaut : TREMPLIN_BACKUP_DIR, var/backups)")
        parser.add_argument("--database", default="default", help="alias de la base (défaut : default)")

    def handle(self, *args, **options):
        output = Path(options["output"] or settings.TREMPLIN_BACKUP_DIR)
        try:
            done = backup(output_dir=output, alias=options["database"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        seconds = f"{done.seconds:.1f}".replace(".", ",")
        self.stdout.write(
            f"Sauvegarde écrite : {done.path}\n"
            f"  {done.engine}, base « {done.database} », {done.tables} tables, {size_text(done.size)}, {seconds} s\n"
            f"  Restaurer dans une base vide : python manage.py restore {done.path}"
        )
