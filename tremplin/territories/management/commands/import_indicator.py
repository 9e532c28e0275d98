"""python manage.py import_indicator FILE --code CODE --label LABEL --column COLUMN --direction 1|-1 [...]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tremplin.opendata.errors import FileFormatError
from tremplin.territories.services import fragility_scores_refresh, indicator_file_import


class Command(BaseCommand):
    help = "Importe un indicateur communal depuis un fichier CSV (code INSEE + valeur) et recalcule les scores."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--code", required=True, help="identifiant court (lettres, chiffres, _ et -)")
        parser.add_argument("--label", required=True, help="libellé affiché")
        parser.add_argument("--column", required=True, help="colonne des valeurs")
        parser.add_argument("--code-column", default="code_insee", help="colonne des codes INSEE")
        parser.add_argument(
            "--direction",
            type=int,
            choices=[1, -1],
            required=True,
            help="1 : plus haut = plus fragile ; -1 : l'inverse",
        )
        parser.add_argument("--scored", action="store_true", help="faire compter l'indicateur dans le score")
        parser.add_argument("--unit", default="")
        parser.add_argument("--source", default="")

    def handle(self, *args, file, code, label, column, code_column, direction, scored, unit, source, **options):
        try:
            with transaction.atomic():
                report = indicator_file_import(
                    path=file,
                    code=code,
                    label=label,
                    column=column,
                    code_column=code_column,
                    direction=direction,
                    scored=scored,
                    unit=unit,
                    source=source,
                )
                fragility_scores_refresh()
        except FileFormatError as exc:
            raise CommandError(f"Fichier refusé, rien n'a été écrit : {exc}") from exc
        self.stdout.write(
            f"{report.name} : {report.inserted} ajoutée(s), {report.updated} modifiée(s), "
            f"{report.unchanged} inchangée(s), {report.rejected} ligne(s) rejetée(s)"
        )
        for rejection in report.rejections[:50]:
            self.stdout.write(f"  rejeté {rejection}")
        self.stdout.write("Scores de fragilité recalculés.")
