"""python manage.py import_coop FILE [--mediator EMAIL] [--dry-run]: import a La Coop export (XLSX or CSV)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.activities.coop import CoopFileError
from tremplin.activities.coop_import import coop_import

MAX_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Importe un export des activités de La Coop de la médiation numérique (XLSX ou CSV) : les lignes sont "
        "rapprochées par leur « ID CRA » (un nouvel import met à jour), les lignes refusées sont listées."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="le fichier exporté de La Coop (.xlsx ou .csv)")
        parser.add_argument(
            "--mediator",
            metavar="EMAIL",
            help="le compte à qui appartiennent les activités (obligatoire si le fichier compte plusieurs "
            "médiateurs ; par défaut : le médiateur nommé dans le fichier)",
        )
        parser.add_argument("--dry-run", action="store_true", help="tout vérifier sans rien enregistrer")

    def handle(self, *args, file, mediator=None, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(f"{path.name} : fichier trop volumineux (200 Mo au plus).")
        try:
            report = coop_import(
                content=path.read_bytes(), filename=path.name, mediator_email=mediator, dry_run=dry_run
            )
        except CoopFileError as exc:
            raise CommandError(f"{path.name} : {exc} Rien n'a été enregistré.") from exc
        mediator = report.mediator
        self.stdout.write(f"Activités de {mediator.get_full_name() or mediator.email} ({mediator.email})")
        for rejection in report.rejections:
            self.stdout.write(f"{path.name}, {rejection.where} : refusée — {rejection.reason}")
        for remark in report.remarks:
            self.stdout.write(f"{path.name}, {remark.where} : {remark.reason}")
        self.stdout.write(report.summary())
