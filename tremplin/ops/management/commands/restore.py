"""python manage.py restore FILE [--force] [--database ALIAS]: load a backup written by `manage.py backup` into an
empty database (refused when it has tables, unless --force)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from tremplin.ops.backups import BackupError, restore


class Command(BaseCommand):
    requires_system_checks = []  # a backup or a restore must work whatever the state of the code
    help = "Restaure une sauvegarde de `manage.py backup` dans une base vide (--force pour remplacer son contenu)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="fichier de sauvegarde (.dump PostgreSQL ou .sqlite3)")
        parser.add_argument("--force", action="store_true", help="remplacer le contenu d'une base qui n'est pas vide")
        parser.add_argument("--database", default="default", help="alias de la base (défaut : default)")

    def handle(self, *args, **options):
        alias = options["database"]
        try:
            done = restore(path=Path(options["file"]), alias=alias, force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        seconds = f"{done.seconds:.1f}".replace(".", ",")
        self.stdout.write(
            f"Sauvegarde restaurée : {done.path.name} → base « {done.database} » ({done.engine}), "
            f"{done.tables} tables, {seconds} s"
        )
        executor = MigrationExecutor(connections[alias])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            self.stdout.write(
                f"  La sauvegarde précède ce code de {len(pending)} migration(s) : lancer python manage.py migrate."
            )
