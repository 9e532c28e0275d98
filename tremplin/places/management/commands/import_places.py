"""python manage.py import_places FILE [--dry-run]: the official CSV / JSON, or the earlier JSON of the national map."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.opendata.errors import FileFormatError
from tremplin.places.importers import read_places
from tremplin.places.services import place_import_rows

SHOWN_REJECTIONS = 50


class Command(BaseCommand):
    help = "Importe des lieux de médiation numérique (schéma national, CSV ou JSON) ; ré-importer met à jour par id."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="tout vérifier sans rien écrire")

    def handle(self, *args, file, dry_run, **options):
        try:
            records = read_places(file)
        except FileFormatError as exc:
            raise CommandError(f"Fichier refusé, rien n'a été écrit : {exc}") from exc
        report = place_import_rows(records=records, path=file.name, dry_run=dry_run)
        for rejection in report.rejections[:SHOWN_REJECTIONS]:
            self.stdout.write(f"  rejeté {rejection}")
        if report.rejected > SHOWN_REJECTIONS:
            self.stdout.write(f"  … et {report.rejected - SHOWN_REJECTIONS} autre(s) ligne(s) rejetée(s)")
        for reason, count in report.rejection_reasons.most_common():
            self.stdout.write(f"Motif de rejet : {reason} : {count}")
        for warning, count in report.warnings.most_common():
            self.stdout.write(f"Avertissement : {warning} : {count}")
        derived = report.insee_derived
        if derived:
            self.stdout.write(
                f"Code INSEE déduit : {derived['nom']} par code postal et commune, "
                f"{derived['coordonnées']} par coordonnées, {derived['introuvable']} introuvable(s)"
            )
        if report.hours_unreadable:
            self.stdout.write(f"{report.hours_unreadable} lieu(x) aux horaires à vérifier (gardés tels quels)")
        summary = report.summary()
        if dry_run:
            summary += " (essai à blanc : rien n'a été écrit)"
        self.stdout.write(summary)
