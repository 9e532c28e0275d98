"""python manage.py export_places --format csv|json|data-inclusion --out FILE"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tremplin.places.exporters import FORMATS, WRITERS
from tremplin.places.models import Place


class Command(BaseCommand):
    help = (
        "Exporte les lieux au schéma national « lieux de médiation numérique » (CSV ou JSON) "
        "ou au format data·inclusion (structures et services)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="csv", dest="fmt")
        parser.add_argument("--out", type=Path, required=True, help="fichier à écrire")

    def handle(self, *args, fmt, out, **options):
        if not out.parent.is_dir():
            raise CommandError(f"Dossier introuvable : {out.parent}")
        places = Place.objects.order_by("external_id").iterator(chunk_size=1000)
        count = WRITERS[fmt](places, out)
        self.stdout.write(f"{count} lieux exportés dans {out} ({fmt})")
